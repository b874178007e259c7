import { Executor, Program, Tensor, programGuard, uniqueName } from '../src';
import type { OpAttrMap, OpType } from '../src';

/**
 * Builds a one-op program whose inputs are data variables of the given tensors' shapes, runs it on
 * the CPU executor and returns every output.
 */
export function runOp<K extends OpType>(
  type: K,
  inputs: Record<string, Tensor | Tensor[]>,
  attrs: Partial<OpAttrMap[K]> = {},
  outputs: Record<string, number> = { Out: 1 },
): Record<string, Tensor[]> {
  const p = new Program();
  const b = p.globalBlock();
  const feed: Record<string, Tensor> = {};
  const slots: Record<string, string[]> = {};
  for (const [slot, value] of Object.entries(inputs)) {
    const list = Array.isArray(value) ? value : [value];
    slots[slot] = list.map((t, i) => {
      const name = `${slot}_${i}`;
      b.createVar({ name, shape: t.shape, dtype: t.dtype, isData: true });
      feed[name] = t;
      return name;
    });
  }
  const outSlots: Record<string, string[]> = {};
  const fetch: string[] = [];
  for (const [slot, n] of Object.entries(outputs)) {
    outSlots[slot] = [];
    for (let i = 0; i < n; i++) {
      const name = `out_${slot}_${i}`;
      b.createVar({ name, shape: [], dtype: 'float32' });
      outSlots[slot].push(name);
      fetch.push(name);
    }
  }
  b.appendOp({ type, inputs: slots, outputs: outSlots, attrs });
  const results = new Executor().runSync(p, { feed, fetchList: fetch });
  const out: Record<string, Tensor[]> = {};
  let k = 0;
  for (const [slot, n] of Object.entries(outputs)) out[slot] = results.slice(k, (k += n));
  return out;
}

export function out1<K extends OpType>(type: K, inputs: Record<string, Tensor | Tensor[]>, attrs: Partial<OpAttrMap[K]> = {}): Tensor {
  return runOp(type, inputs, attrs).Out[0];
}

export const T = Tensor.from;

/** Builds under fresh default programs and fresh unique names. */
export function build<T>(fn: () => T): { main: Program; startup: Program; out: T } {
  const main = new Program();
  const startup = new Program();
  const out = uniqueName.guard(() => programGuard(main, startup, fn));
  return { main, startup, out };
}


/** Asserts shape, dtype and values within a relative + absolute tolerance; names the element. */
export function expectTensor(actual: Tensor, shape: number[], values: number[], o: { dtype?: string; rtol?: number; atol?: number } = {}): void {
  expect(actual.shape).toEqual(shape);
  if (o.dtype) expect(actual.dtype).toBe(o.dtype);
  const got = actual.toFlat();
  expect(got.length).toBe(values.length);
  const rtol = o.rtol ?? 1e-6;
  const atol = o.atol ?? 1e-7;
  got.forEach((g, i) => {
    const e = values[i];
    if (Number.isNaN(e)) {
      if (!Number.isNaN(g)) throw new Error(`element ${i}: expected NaN, got ${g}`);
      return;
    }
    if (!Number.isFinite(e)) {
      if (g !== e) throw new Error(`element ${i}: expected ${e}, got ${g}`);
      return;
    }
    if (!(Math.abs(g - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`element ${i}: expected ${e}, got ${g} (|diff| ${Math.abs(g - e)})`);
    }
  });
}

/** A seeded generator for test inputs (independent of the library's own). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function randomArray(n: number, seed: number, lo = -1, hi = 1): number[] {
  const r = seeded(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}
