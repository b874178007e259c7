/**
 * Eager execution: an op runs at once on tensors, through the same definition and CPU kernel as in
 * a program, and autodiff records it when an input needs a gradient.
 */
import { isFloat } from '../program/dtype';
import { ArgumentError, UnsupportedOpError } from '../program/errors';
import { findOpDef } from '../program/ops/registry';
import type { AnyOpDef, OpAttrMap, OpType, VarInfo } from '../program/ops/types';
import { Rng } from '../executor/rng';
import { GradNode, Tensor } from '../executor/tensor';
import { inferShapes, invokeKernel } from '../executor/kernel-call';

let globalSeed = 0;
let randomOps = 0;
let initializers = 0;
let nodes = 0;

/** Seeds eager random numbers (Paddle's paddle.seed): initialisers and dropout restart from it. */
export function seed(s: number): void {
  if (!Number.isInteger(s)) throw new ArgumentError(`seed: expected an integer, received ${s}`);
  globalSeed = s;
  randomOps = 0;
  initializers = 0;
}

/**
 * The seed of the next parameter initialiser: the same as the k-th op of a startup program with
 * randomSeed = seed(), so that an eager model and the same static model start from the same values.
 */
export function nextInitializerSeed(): number {
  return Rng.mix(globalSeed, initializers++);
}

export type EagerSlots = Record<string, Tensor | Tensor[]>;

const list = (v: Tensor | Tensor[] | undefined): Tensor[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Runs one op on tensors. `outputs` gives each output slot either a count (new tensors) or the
 * tensors to write (in place, as batch_norm's running statistics).
 */
export function executeOp<K extends OpType>(
  type: K,
  inputs: EagerSlots,
  attrs: Partial<OpAttrMap[K]> = {},
  outputs: Record<string, number | Tensor[]> = { Out: 1 },
  o: { seed?: number; record?: boolean } = {},
): Record<string, Tensor[]> {
  const def = findOpDef(type as string) as AnyOpDef | undefined;
  if (!def) throw new UnsupportedOpError(`unknown op type '${String(type)}'`);
  const full = { ...def.defaults, ...Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== undefined)) } as OpAttrMap[K];
  const ins: Record<string, Tensor[]> = {};
  for (const spec of def.inputs) {
    const ts = list(inputs[spec.name]);
    if (ts.length === 0 && !spec.optional) throw new ArgumentError(`${type}: input '${spec.name}' is required`);
    for (const t of ts) if (!(t instanceof Tensor)) throw new ArgumentError(`${type}: input '${spec.name}' must hold Tensors`);
    if (ts.length) ins[spec.name] = ts;
  }
  const label = `eager ${type}`;
  const info = (t: Tensor): VarInfo => ({ name: t.name, shape: t.shape, dtype: t.dtype });
  const counts = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, typeof v === 'number' ? v : v.length]));
  const shapes = inferShapes(type, full, Object.fromEntries(Object.entries(ins).map(([k, ts]) => [k, ts.map(info)])), counts, label);
  const outs: Record<string, Tensor[]> = {};
  for (const [slot, v] of Object.entries(outputs)) {
    outs[slot] = shapes[slot].map((r, i) => {
      if (typeof v !== 'number') return v[i];
      if (!r) throw new ArgumentError(`${type}: output '${slot}' is not produced by this op`);
      return new Tensor(r.dtype, r.shape);
    });
  }
  const s = o.seed ?? ((full as { seed?: number }).seed || Rng.mix(globalSeed, 0x5eed, randomOps++));
  invokeKernel(type, full, ins, outs, label, () => s);
  const recording = (o.record ?? true) && def.grad !== undefined && Object.values(ins).some((ts) => ts.some((t) => !t.stopGradient && isFloat(t.dtype)));
  if (recording) {
    const node: GradNode = { id: nodes++, type, attrs: full, inputs: ins, outputs: outs };
    for (const [slot, ts] of Object.entries(outs)) {
      if (typeof outputs[slot] !== 'number') continue; // written in place (running statistics)
      for (const t of ts) {
        if (!isFloat(t.dtype)) continue;
        t.stopGradient = false;
        t.gradNode = node;
      }
    }
  }
  return outs;
}
