import { ShapeError } from './errors';

export type Shape = readonly number[];

/** Number of elements; -1 dims count as unknown and give -1. */
export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (d < 0) return -1;
    n *= d;
  }
  return n;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function isConcrete(shape: Shape): boolean {
  return shape.every((d) => d >= 0);
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Row-major strides. */
export function strides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Normalises an axis that may be negative; throws naming `what` when out of range. */
export function normAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= Math.max(rank, 1)) {
    throw new ShapeError(`${what}: axis ${axis} is out of range for a tensor of rank ${rank} (expected ${-rank}..${rank - 1})`);
  }
  return a;
}

/**
 * Paddle's elementwise broadcasting. With axis -1 the shapes align at the right (numpy); otherwise
 * the lower-rank operand's dims line up with the other's starting at `axis`. Returns the padded
 * shapes of both operands and the output shape. -1 (unknown) dims broadcast like an unknown size.
 */
export function broadcastShapes(
  x: Shape,
  y: Shape,
  axis: number,
  what: string,
): { xs: number[]; ys: number[]; out: number[] } {
  const rank = Math.max(x.length, y.length);
  const small = x.length < y.length ? x : y;
  const diff = rank - small.length;
  let ax = axis;
  if (ax === -1 || x.length === y.length) ax = diff;
  if (ax < 0 || ax > diff) {
    throw new ShapeError(
      `${what}: axis ${axis} cannot align a shape ${formatShape(small)} inside a shape of rank ${rank} (expected -1 or 0..${diff})`,
    );
  }
  const pad = (s: Shape): number[] => {
    if (s.length === rank) return [...s];
    return [...new Array<number>(ax).fill(1), ...s, ...new Array<number>(rank - ax - s.length).fill(1)];
  };
  const xs = pad(x);
  const ys = pad(y);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const a = xs[i];
    const b = ys[i];
    if (a === b) out[i] = a;
    else if (a === 1) out[i] = b;
    else if (b === 1) out[i] = a;
    else if (a === -1) out[i] = b;
    else if (b === -1) out[i] = a;
    else {
      throw new ShapeError(
        `${what}: shapes ${formatShape(x)} and ${formatShape(y)} do not broadcast (axis ${axis}): dimension ${i} is ${a} against ${b}`,
      );
    }
  }
  return { xs, ys, out };
}
