/** Kernels of gradient clipping and of the ASGD update. */
import type { KernelArgs } from '../../program/ops/types';
import { NumberArray, fromBFloat16Bits, fromFloat16Bits, isHalf, narrowHalf, toBFloat16Bits, toFloat16Bits, widenHalf } from '../../program/dtype';
import { indexAt, nums, store } from './util';
import type { Tensor } from '../../executor/tensor';

/** clip: clamp(x, min, max). */
export function clipKernel(k: KernelArgs<'clip'>): void {
  const x = nums(k.input('X').data);
  const out = nums(k.output('Out').data);
  const { min, max } = k.attrs;
  for (let i = 0; i < x.length; i++) out[i] = x[i] < min ? min : x[i] > max ? max : x[i];
}

/** Σ x², accumulated in double, as a one-element tensor. */
export function sumOfSquares(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}

export function squaredL2NormKernel(k: KernelArgs<'squared_l2_norm'>): void {
  nums(k.output('Out').data)[0] = sumOfSquares(nums(k.input('X').data));
}

/** clip_by_norm: x · max_norm / ‖x‖ where ‖x‖ > max_norm, else x. */
export function clipByNormKernel(k: KernelArgs<'clip_by_norm'>): void {
  const xt = k.input('X');
  const x = nums(xt.data);
  const out = nums(k.output('Out').data);
  const r = precision(xt.dtype);
  const norm = r(Math.sqrt(r(sumOfSquares(x))));
  const maxNorm = k.attrs.max_norm;
  if (norm > maxNorm) {
    const f = r(maxNorm / norm);
    for (let i = 0; i < x.length; i++) out[i] = x[i] * f;
  } else out.set(x);
}

/** scatter: X with the rows Ids replaced (overwrite) or increased by Updates. */
export function scatterKernel(k: KernelArgs<'scatter'>): void {
  const x = k.input('X');
  const ids = k.input('Ids');
  const upd = store(k.input('Updates').data);
  const out = k.output('Out');
  if (out.data !== x.data) (out.data as Float64Array).set(x.data as Float64Array);
  const rows = x.shape[0];
  const inner = rows === 0 ? 0 : x.size / rows;
  const od = store(out.data);
  const touched = new Set<number>();
  for (let j = 0; j < ids.size; j++) {
    const r = indexAt(ids.data, j, rows, k.label, 'id');
    if (!k.attrs.overwrite && !touched.has(r)) {
      for (let t = 0; t < inner; t++) od[r * inner + t] = 0;
      touched.add(r);
    }
    for (let t = 0; t < inner; t++) od[r * inner + t] = k.attrs.overwrite ? upd[j * inner + t] : od[r * inner + t] + upd[j * inner + t];
  }
}

/** Rounding to a dtype's precision after every arithmetic step, as a kernel in C computes. */
export function precision(d: Tensor['dtype']): (x: number) => number {
  switch (d) {
    case 'float32':
      return Math.fround;
    case 'float16':
      return (x) => fromFloat16Bits(toFloat16Bits(x));
    case 'bfloat16':
      return (x) => fromBFloat16Bits(toBFloat16Bits(x));
    default:
      return (x) => x;
  }
}

/** The elements as numbers: the array itself, or a float32 copy of 16-bit floats. */
function values(t: Tensor): NumberArray {
  return isHalf(t.dtype) ? widenHalf(t.dtype, t.data as Uint16Array) : nums(t.data);
}

/** Where to compute an output: in place, or in a float32 buffer narrowed afterwards. */
function target(t: Tensor): { arr: NumberArray; done: () => void } {
  if (!isHalf(t.dtype)) return { arr: nums(t.data), done: () => undefined };
  const arr = new Float32Array(t.size);
  return { arr, done: () => narrowHalf(t.dtype, arr, t.data as Uint16Array) };
}

/**
 * Paddle's asgd kernel for one parameter, with y the gradient stored in the slot being replaced
 * and n = min(steps, batch_num):
 *   d_out = d − y + g;  y_out = g;  param_out = param − (lr / n) · d_out
 * each step rounded to the state's precision. With multi_precision the update reads and writes the
 * float32 master weight, and param_out is its cast.
 */
export function asgdKernel(k: KernelArgs<'asgd'>): void {
  const pT = k.input('param');
  const master = k.attrs.multi_precision ? k.maybeInput('master_param') : undefined;
  const xT = master ?? pT;
  const r = precision(xT.dtype);
  const lr = values(k.input('learning_rate'))[0];
  const n = values(k.input('n'))[0];
  const step = r(lr / n);
  const x = values(xT);
  const g = values(k.input('grad'));
  const d = values(k.input('d'));
  const y = values(k.input('y'));
  const dOut = target(k.output('d_out'));
  const yOut = target(k.output('y_out'));
  const pOut = k.output('param_out');
  const xOut = target(master ? k.output('master_param_out') : pOut);
  for (let i = 0; i < x.length; i++) {
    const gi = r(g[i]);
    const di = r(r(d[i] - y[i]) + gi);
    dOut.arr[i] = di;
    yOut.arr[i] = gi;
    xOut.arr[i] = r(x[i] - r(step * di));
  }
  dOut.done();
  yOut.done();
  xOut.done();
  if (master) narrowHalf(pOut.dtype, xOut.arr, pOut.data as Uint16Array);
}
