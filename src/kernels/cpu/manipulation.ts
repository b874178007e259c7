import type { KernelArgs } from '../../program/ops/types';
import { RuntimeOpError } from '../../program/errors';
import { strides } from '../../program/shape';
import { castInto } from '../../executor/tensor';
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
  const outs = k.outputs('Out');
  const axis = k.attrs.axis < 0 ? k.attrs.axis + x.shape.length : k.attrs.axis;
  const [outer, total, inner] = splitAt(x.shape, axis);
  const xd = store(x.data);
  let offset = 0;
  for (const out of outs) {
    const n = out.shape[axis];
    const od = store(out.data);
    const chunk = n * inner;
    for (let o = 0; o < outer; o++) {
      const src = o * total * inner + offset * inner;
      for (let j = 0; j < chunk; j++) od[o * chunk + j] = xd[src + j];
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
