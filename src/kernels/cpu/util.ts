/** Index walking shared by the CPU kernels. */
import type { NumberArray, TypedArray } from '../../program/dtype';
import { RuntimeOpError } from '../../program/errors';

/** Treats any typed array as indexable storage for kernels that only move elements around. */
export type Store = { [i: number]: number; length: number };
export function store(a: TypedArray): Store {
  return a as unknown as Store;
}

export function nums(a: TypedArray): NumberArray {
  if (a instanceof BigInt64Array) throw new RuntimeOpError('internal: an int64 array reached a number-only kernel');
  return a;
}

/**
 * Calls fn(i, a, b) for every element of `shape` in row-major order, where i is the linear index
 * and a, b are offsets computed with the strides `sa`, `sb` (0 on broadcast or reduced dims).
 */
export function walk2(
  shape: readonly number[],
  sa: readonly number[],
  sb: readonly number[],
  fn: (i: number, a: number, b: number) => void,
): void {
  const rank = shape.length;
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  if (rank === 0) {
    fn(0, 0, 0);
    return;
  }
  const last = rank - 1;
  const n = shape[last];
  const la = sa[last];
  const lb = sb[last];
  const idx = new Array<number>(rank).fill(0);
  let a0 = 0;
  let b0 = 0;
  for (let i = 0; i < total; i += n) {
    let a = a0;
    let b = b0;
    for (let j = 0; j < n; j++) {
      fn(i + j, a, b);
      a += la;
      b += lb;
    }
    // advance the outer counter
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      a0 += sa[d];
      b0 += sb[d];
      if (idx[d] < shape[d]) break;
      a0 -= sa[d] * shape[d];
      b0 -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** Strides of `padded` (same rank as the output) that are 0 where the dim is broadcast. */
export function broadcastStrides(padded: readonly number[], out: readonly number[]): number[] {
  const s = new Array<number>(padded.length);
  let acc = 1;
  for (let i = padded.length - 1; i >= 0; i--) {
    s[i] = padded[i] === 1 && out[i] !== 1 ? 0 : acc;
    acc *= padded[i];
  }
  return s;
}

/** [outer, n, inner] around an axis. */
export function splitAt(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}

/** An index read from an int32 or int64 tensor, range-checked. */
export function indexAt(a: TypedArray, i: number, limit: number, label: string, what: string): number {
  const v = Number(a[i]);
  if (!(v >= 0 && v < limit)) {
    throw new RuntimeOpError(`${label}: ${what} ${v} at element ${i} is out of range [0, ${limit})`);
  }
  return v;
}
