import type { KernelArgs } from '../../program/ops/types';
import { RuntimeOpError } from '../../program/errors';
import { strides } from '../../program/shape';
import { castInto, Tensor } from '../../executor/tensor';
import { writeNumber } from '../../program/dtype';
import { indexAt, splitAt, store, walk2 } from './util';

/** Ops whose output holds the input's elements in the same order (reshape, flatten, assign). */
export function copyKernel(k: KernelArgs<'reshape2' | 'flatten_contiguous_range' | 'assign'>): void {
  const x = k.input('X');
  const out = k.output('Out');
  if (x.data !== out.data) (out.data as Float64Array).set(x.data as Float64Array);
}

export function transposeKernel(k: KernelArgs<'transpose2'>): void {
  const x = k.input('X');
  const out = k.output('Out');
  const perm = k.attrs.axis.map((a) => (a < 0 ? a + x.shape.length : a));
  const xs = strides(x.shape);
  const src = perm.map((p) => xs[p]);
  const os = strides(out.shape);
  const xd = store(x.data);
  const od = store(out.data);
  walk2(out.shape, os, src, (_i, o, a) => {
    od[o] = xd[a];
  });
}

export function concatKernel(k: KernelArgs<'concat'>): void {
  const xs = k.inputs('X');
  const out = k.output('Out');
  const axis = k.attrs.axis < 0 ? k.attrs.axis + out.shape.length : k.attrs.axis;
  const [outer, total, inner] = splitAt(out.shape, axis);
  const od = store(out.data);
  let offset = 0;
  for (const x of xs) {
    const n = x.shape[axis];
    const xd = store(x.data);
    const chunk = n * inner;
    for (let o = 0; o < outer; o++) {
      const dst = o * total * inner + offset * inner;
      const srcBase = o * chunk;
      for (let j = 0; j < chunk; j++) od[dst + j] = xd[srcBase + j];
    }
    offset += n;
  }
}

export function splitKernel(k: KernelArgs<'split'>): void {
  const x = k.input('X');
  cutAlong(x, k.outputs('Out'), k.attrs.axis < 0 ? k.attrs.axis + x.shape.length : k.attrs.axis);
}

/** Cuts `src` along `axis` into consecutive pieces shaped like `outs` (split, concat's gradient). */
function cutAlong(src: Tensor, outs: Tensor[], axis: number): void {
  const [outer, total, inner] = splitAt(src.shape, axis);
  const sd = store(src.data);
  let offset = 0;
  for (const out of outs) {
    const n = out.shape[axis];
    const od = store(out.data);
    const chunk = n * inner;
    for (let o = 0; o < outer; o++) {
      const from = o * total * inner + offset * inner;
      for (let j = 0; j < chunk; j++) od[o * chunk + j] = sd[from + j];
    }
    offset += n;
  }
}

/** Start index and length along each dim, as Paddle normalises slice bounds. */
export function sliceBounds(shape: readonly number[], a: { axes: number[]; starts: number[]; ends: number[] }): { starts: number[]; sizes: number[] } {
  const starts = shape.map(() => 0);
  const sizes = [...shape];
  a.axes.forEach((ax0, i) => {
    const ax = ax0 < 0 ? ax0 + shape.length : ax0;
    const dim = shape[ax];
    if (dim < 0) {
      sizes[ax] = -1;
      return;
    }
    let s = a.starts[i];
    let e = a.ends[i];
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
    starts[ax] = s;
    sizes[ax] = Math.max(e - s, 0);
  });
  return { starts, sizes };
}

export function sliceKernel(k: KernelArgs<'slice'>): void {
  const x = k.input('Input');
  const out = k.output('Out');
  const { starts, sizes } = sliceBounds(x.shape, k.attrs);
  const xs = strides(x.shape);
  let base = 0;
  for (let i = 0; i < starts.length; i++) base += starts[i] * xs[i];
  const os = strides(sizes);
  const xd = store(x.data);
  const od = store(out.data);
  walk2(sizes, os, xs, (_i, o, a) => {
    od[o] = xd[base + a];
  });
}

export function gatherKernel(k: KernelArgs<'gather'>): void {
  const x = k.input('X');
  const index = k.input('Index');
  const out = k.output('Out');
  const axis = k.attrs.axis < 0 ? k.attrs.axis + x.shape.length : k.attrs.axis;
  const [outer, n, inner] = splitAt(x.shape, axis);
  const m = index.size;
  const xd = store(x.data);
  const od = store(out.data);
  for (let j = 0; j < m; j++) {
    const r = indexAt(index.data, j, n, k.label, 'index');
    for (let o = 0; o < outer; o++) {
      const src = (o * n + r) * inner;
      const dst = (o * m + j) * inner;
      for (let t = 0; t < inner; t++) od[dst + t] = xd[src + t];
    }
  }
}

export function oneHotKernel(k: KernelArgs<'one_hot_v2'>): void {
  const x = k.input('X');
  const out = k.output('Out');
  const depth = k.attrs.depth;
  const od = out.data;
  if (od instanceof BigInt64Array) od.fill(0n);
  else od.fill(0);
  for (let i = 0; i < x.size; i++) {
    const v = Number(x.data[i]);
    if (!(v >= 0 && v < depth)) {
      if (k.attrs.allow_out_of_range) continue;
      throw new RuntimeOpError(`${k.label}: index ${v} at element ${i} is out of range [0, ${depth}) (set allow_out_of_range to give a zero row)`);
    }
    writeNumber(od, out.dtype, i * depth + v, 1);
  }
}

export function castKernel(k: KernelArgs<'cast'>): void {
  castInto(k.input('X'), k.output('Out'));
}

/** transpose2_grad: the output gradient transposed back by the inverse permutation. */
export function transposeGradKernel(k: KernelArgs<'transpose2_grad'>): void {
  const g = k.input('Out@GRAD');
  const dx = k.output('X@GRAD');
  const rank = dx.shape.length;
  const perm = k.attrs.axis.map((a) => (a < 0 ? a + rank : a));
  // g has dims perm(x); walk g and scatter into dx
  const ds = strides(dx.shape);
  const dst = perm.map((p) => ds[p]);
  const gs = strides(g.shape);
  const gd = store(g.data);
  const od = store(dx.data);
  walk2(g.shape, gs, dst, (_i, a, b) => {
    od[b] = gd[a];
  });
}

/** Copies the gradient of a reshape-like op (same element order). */
export function copyGradKernel(k: KernelArgs<'reshape2_grad' | 'flatten_contiguous_range_grad'>): void {
  (k.output('X@GRAD').data as Float64Array).set(k.input('Out@GRAD').data as Float64Array);
}

export function sliceGradKernel(k: KernelArgs<'slice_grad'>): void {
  const x = k.input('Input');
  const g = store(k.input('Out@GRAD').data);
  const dx = k.output('Input@GRAD');
  (dx.data as Float64Array).fill(0);
  const { starts, sizes } = sliceBounds(x.shape, k.attrs);
  const xs = strides(x.shape);
  let base = 0;
  for (let i = 0; i < starts.length; i++) base += starts[i] * xs[i];
  const od = store(dx.data);
  walk2(sizes, strides(sizes), xs, (_i, o, a) => {
    od[base + a] = g[o];
  });
}

/** gather_grad: the gradient rows added back at their indices (repeated indices accumulate). */
export function gatherGradKernel(k: KernelArgs<'gather_grad'>): void {
  const x = k.input('X');
  const index = k.input('Index');
  const g = store(k.input('Out@GRAD').data);
  const dx = k.output('X@GRAD');
  const axis = k.attrs.axis < 0 ? k.attrs.axis + x.shape.length : k.attrs.axis;
  const [outer, n, inner] = splitAt(x.shape, axis);
  const m = index.size;
  const od = store(dx.data);
  (dx.data as Float64Array).fill(0);
  for (let j = 0; j < m; j++) {
    const r = indexAt(index.data, j, n, k.label, 'index');
    for (let o = 0; o < outer; o++) {
      const dst = (o * n + r) * inner;
      const src = (o * m + j) * inner;
      for (let t = 0; t < inner; t++) od[dst + t] += g[src + t];
    }
  }
}

/** concat_grad: the output gradient cut back into the inputs' pieces. */
export function concatGradKernel(k: KernelArgs<'concat_grad'>): void {
  const g = k.input('Out@GRAD');
  cutAlong(g, k.outputs('X@GRAD'), k.attrs.axis < 0 ? k.attrs.axis + g.shape.length : k.attrs.axis);
}
