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
