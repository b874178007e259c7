import { RuntimeOpError } from '../../program/errors';
import type { KernelArgs, ReduceAttrs } from '../../program/ops/types';
import { strides } from '../../program/shape';
import { nums, splitAt, walk2 } from './util';
import type { Tensor } from '../../executor/tensor';

/** The reduced dims of an input of rank `rank`, normalised and sorted. */
export function reducedDims(a: ReduceAttrs, rank: number): number[] {
  if (a.reduce_all || a.dim.length === 0) return [...Array(rank).keys()];
  return [...new Set(a.dim.map((d) => (d < 0 ? d + rank : d)))].sort((p, q) => p - q);
}

/** Strides of the output laid over the input's dims (0 on reduced dims). */
function outStrides(shape: readonly number[], dims: number[]): number[] {
  const kept = shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const s = strides(kept);
  return s.map((v, i) => (dims.includes(i) ? 0 : v));
}

type Mode = 'sum' | 'mean' | 'max';

function reduce(k: KernelArgs<'reduce_sum' | 'reduce_mean' | 'reduce_max'>, mode: Mode): void {
  const x = k.input('X');
  const out = k.output('Out');
  const dims = reducedDims(k.attrs, x.shape.length);
  const os = outStrides(x.shape, dims);
  const is = strides(x.shape);
  let count = 1;
  for (const d of dims) count *= x.shape[d];
  if (mode === 'max' && count === 0 && out.size > 0) {
    throw new RuntimeOpError(`${k.label}: max over an empty dimension has no value`);
  }
  if (x.dtype === 'int64') {
    const xd = x.data as BigInt64Array;
    const acc = new Array<bigint>(out.size).fill(mode === 'max' ? -(2n ** 63n) : 0n);
    walk2(x.shape, is, os, (_i, a, b) => {
      acc[b] = mode === 'max' ? (xd[a] > acc[b] ? xd[a] : acc[b]) : acc[b] + xd[a];
    });
    const od = out.data as BigInt64Array;
    for (let i = 0; i < od.length; i++) od[i] = BigInt.asIntN(64, acc[i]);
    return;
  }
  const xd = nums(x.data);
  const acc = new Float64Array(out.size).fill(mode === 'max' ? -Infinity : 0);
  if (mode === 'max') {
    walk2(x.shape, is, os, (_i, a, b) => {
      const v = xd[a];
      if (v > acc[b] || Number.isNaN(v)) acc[b] = v;
    });
  } else {
    walk2(x.shape, is, os, (_i, a, b) => {
      acc[b] += xd[a];
    });
  }
  const od = nums(out.data);
  for (let i = 0; i < od.length; i++) od[i] = mode === 'mean' ? acc[i] / count : acc[i];
}

export const reduceSumKernel = (k: KernelArgs<'reduce_sum'>): void => reduce(k, 'sum');
export const reduceMeanKernel = (k: KernelArgs<'reduce_mean'>): void => reduce(k, 'mean');
export const reduceMaxKernel = (k: KernelArgs<'reduce_max'>): void => reduce(k, 'max');

/** Paddle's `sum` op: the elementwise sum of a list of same-shaped tensors. */
export function sumKernel(k: KernelArgs<'sum'>): void {
  const xs = k.inputs('X');
  const out = k.output('Out');
  if (out.dtype === 'int64') {
    const od = out.data as BigInt64Array;
    od.fill(0n);
    for (const x of xs) {
      const xd = x.data as BigInt64Array;
      for (let i = 0; i < od.length; i++) od[i] = BigInt.asIntN(64, od[i] + xd[i]);
    }
    return;
  }
  const acc = new Float64Array(out.size);
  for (const x of xs) {
    const xd = nums(x.data);
    for (let i = 0; i < acc.length; i++) acc[i] += xd[i];
  }
  nums(out.data).set(acc);
}

function softmaxLike(x: Tensor, out: Tensor, axis: number, log: boolean): void {
  const [outer, n, inner] = splitAt(x.shape, axis);
  const xd = nums(x.data);
  const od = nums(out.data);
  const row = new Float64Array(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let mx = -Infinity;
      for (let j = 0; j < n; j++) {
        const v = xd[base + j * inner];
        row[j] = v;
        if (v > mx) mx = v;
      }
      let s = 0;
      for (let j = 0; j < n; j++) s += Math.exp(row[j] - mx);
      if (log) {
        const ls = Math.log(s);
        for (let j = 0; j < n; j++) od[base + j * inner] = row[j] - mx - ls;
      } else {
        for (let j = 0; j < n; j++) od[base + j * inner] = Math.exp(row[j] - mx) / s;
      }
    }
  }
}

export function softmaxKernel(k: KernelArgs<'softmax' | 'log_softmax'>, log: boolean): void {
  const x = k.input('X');
  const axis = k.attrs.axis < 0 ? k.attrs.axis + x.shape.length : k.attrs.axis;
  if (x.shape.length === 0) {
    nums(k.output('Out').data)[0] = log ? 0 : 1;
    return;
  }
  softmaxLike(x, k.output('Out'), axis, log);
}

/** reduce_{sum,mean,max}_grad: the output gradient spread back over the reduced dims. */
export function reduceGradKernel(k: KernelArgs<'reduce_sum_grad' | 'reduce_mean_grad' | 'reduce_max_grad'>, mode: Mode): void {
  const x = k.input('X');
  const g = nums(k.input('Out@GRAD').data);
  const dx = nums(k.output('X@GRAD').data);
  const dims = reducedDims(k.attrs, x.shape.length);
  let count = 1;
  for (const d of dims) count *= x.shape[d];
  const os = outStrides(x.shape, dims);
  const is = strides(x.shape);
  if (mode === 'max') {
    // as Paddle: every element equal to the maximum receives the gradient
    const xd = nums(x.data);
    const out = nums(k.input('Out').data);
    walk2(x.shape, is, os, (i, _a, b) => {
      dx[i] = xd[i] === out[b] ? g[b] : 0;
    });
    return;
  }
  const f = mode === 'mean' ? 1 / count : 1;
  walk2(x.shape, is, os, (i, _a, b) => {
    dx[i] = g[b] * f;
  });
}

/** softmax_grad: dx = y (g - Σ g y); log_softmax_grad: dx = g - exp(y) Σ g, along the axis. */
export function softmaxGradKernel(k: KernelArgs<'softmax_grad' | 'log_softmax_grad'>, log: boolean): void {
  const y = k.input('Out');
  const yd = nums(y.data);
  const g = nums(k.input('Out@GRAD').data);
  const dx = nums(k.output('X@GRAD').data);
  if (y.shape.length === 0) {
    dx[0] = log ? g[0] - Math.exp(yd[0]) * g[0] : 0;
    return;
  }
  const axis = k.attrs.axis < 0 ? k.attrs.axis + y.shape.length : k.attrs.axis;
  const [outer, n, inner] = splitAt(y.shape, axis);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let s = 0;
      for (let j = 0; j < n; j++) s += log ? g[base + j * inner] : g[base + j * inner] * yd[base + j * inner];
      for (let j = 0; j < n; j++) {
        const p = base + j * inner;
        dx[p] = log ? g[p] - Math.exp(yd[p]) * s : yd[p] * (g[p] - s);
      }
    }
  }
}
