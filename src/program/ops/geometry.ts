import { ShapeError } from '../errors';

/** Explicit paddings [before_h, after_h, before_w, after_w] from Paddle's 2- or 4-value form. */
export function expandPaddings(p: readonly number[], what: string): [number, number, number, number] {
  if (p.length === 2) return [p[0], p[0], p[1], p[1]];
  if (p.length === 4) return [p[0], p[1], p[2], p[3]];
  throw new ShapeError(`${what}: paddings must have 2 or 4 values, received ${JSON.stringify(p)}`);
}

export interface Window {
  out: number;
  padBefore: number;
  padAfter: number;
  dilation: number;
}

/** One spatial dim of a convolution, as Paddle's UpdatePaddingAndDilation computes it. */
export function convWindow(
  input: number,
  k: number,
  stride: number,
  padBefore: number,
  padAfter: number,
  dilation: number,
  algorithm: 'EXPLICIT' | 'SAME' | 'VALID',
  what: string,
): Window {
  if (input < 0) return { out: -1, padBefore, padAfter, dilation };
  if (algorithm === 'SAME') {
    const out = Math.ceil(input / stride);
    const padSum = Math.max((out - 1) * stride + k - input, 0);
    return { out, padBefore: Math.floor(padSum / 2), padAfter: padSum - Math.floor(padSum / 2), dilation: 1 };
  }
  if (algorithm === 'VALID') {
    padBefore = 0;
    padAfter = 0;
  }
  const extent = dilation * (k - 1) + 1;
  const out = Math.floor((input + padBefore + padAfter - extent) / stride) + 1;
  if (out <= 0) {
    throw new ShapeError(`${what}: the window (size ${k}, dilation ${dilation}) is larger than the padded input (${input} + ${padBefore} + ${padAfter})`);
  }
  return { out, padBefore, padAfter, dilation };
}

/** One spatial dim of a pooling. */
export function poolWindow(
  input: number,
  k: number,
  stride: number,
  padBefore: number,
  padAfter: number,
  ceil: boolean,
  algorithm: 'EXPLICIT' | 'SAME' | 'VALID',
  what: string,
): Window {
  if (input < 0) return { out: -1, padBefore, padAfter, dilation: 1 };
  if (algorithm === 'SAME') return convWindow(input, k, stride, 0, 0, 1, 'SAME', what);
  if (algorithm === 'VALID') {
    padBefore = 0;
    padAfter = 0;
  }
  const span = input - k + padBefore + padAfter;
  const out = (ceil ? Math.floor((span + stride - 1) / stride) : Math.floor(span / stride)) + 1;
  if (out <= 0) throw new ShapeError(`${what}: the pooling window ${k} is larger than the padded input (${input} + ${padBefore} + ${padAfter})`);
  return { out, padBefore, padAfter, dilation: 1 };
}

export interface MatmulGeometry {
  /** Rows of op(X), inner dim of op(X), inner dim of op(Y), columns of op(Y). */
  M: number;
  Kx: number;
  Ky: number;
  N: number;
  /** Batch dims of X and Y, left-padded with 1 to the same rank, and the broadcast batch. */
  xBatch: number[];
  yBatch: number[];
  batch: number[];
  /** X and Y as at least 2-D (Paddle promotes a 1-D X to [1, k] and a 1-D Y to [k, 1]). */
  xs: number[];
  ys: number[];
  tx: boolean;
  ty: boolean;
  /** The output shape, with the promoted dims of 1-D operands squeezed out. */
  out: number[];
}

/** matmul_v2's geometry; throws when the batch dims do not broadcast (the caller checks Kx = Ky). */
export function matmulGeometry(x: readonly number[], y: readonly number[], transX: boolean, transY: boolean): MatmulGeometry {
  if (x.length === 0 || y.length === 0) throw new ShapeError('matmul needs operands of rank >= 1');
  const xs = x.length === 1 ? [1, x[0]] : [...x];
  const ys = y.length === 1 ? [y[0], 1] : [...y];
  const tx = transX && x.length > 1;
  const ty = transY && y.length > 1;
  const M = tx ? xs[xs.length - 1] : xs[xs.length - 2];
  const Kx = tx ? xs[xs.length - 2] : xs[xs.length - 1];
  const Ky = ty ? ys[ys.length - 1] : ys[ys.length - 2];
  const N = ty ? ys[ys.length - 2] : ys[ys.length - 1];
  const rank = Math.max(xs.length, ys.length) - 2;
  const pad = (s: number[]): number[] => [...new Array<number>(rank - s.length).fill(1), ...s];
  const xBatch = pad(xs.slice(0, -2));
  const yBatch = pad(ys.slice(0, -2));
  const batch = xBatch.map((a, i) => {
    const b = yBatch[i];
    if (a === b || b === 1) return a;
    if (a === 1) return b;
    if (a === -1 || b === -1) return Math.max(a, b);
    throw new ShapeError(`batch dims of X [${x.join(',')}] and Y [${y.join(',')}] do not broadcast`);
  });
  const out = [...batch];
  if (x.length > 1) out.push(M);
  if (y.length > 1) out.push(N);
  return { M, Kx, Ky, N, xBatch, yBatch, batch, xs, ys, tx, ty, out };
}
