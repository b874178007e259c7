import { broadcastShapes } from '../../program/shape';
import { RuntimeOpError } from '../../program/errors';
import type { KernelArgs, OpType } from '../../program/ops/types';
import { broadcastStrides, nums, walk2 } from './util';

export interface BinaryScalar {
  /** Float definition, computed in double and rounded once into the output. */
  f: (a: number, b: number) => number;
  /** Integer definition for int32/uint8/int8 (defaults to f then truncation by the store). */
  int?: (a: number, b: number, label: string) => number;
  /** int64 definition over bigints (wrapped to 64 bits by the store). */
  i64: (a: bigint, b: bigint, label: string) => bigint;
}

export interface UnaryScalar {
  f: (x: number) => number;
  /** int64 definition where the op takes integers. */
  i64?: (x: bigint) => bigint;
}

type BinaryOp = 'elementwise_add' | 'elementwise_sub' | 'elementwise_mul' | 'elementwise_div' | 'elementwise_max' | 'elementwise_min' | 'elementwise_pow' | 'elementwise_mod';

export function binaryKernel<K extends BinaryOp>(s: BinaryScalar) {
  return (k: KernelArgs<K>): void => {
    const x = k.input('X');
    const y = k.input('Y');
    const out = k.output('Out');
    const { xs, ys } = broadcastShapes(x.shape, y.shape, k.attrs.axis, k.label);
    const sx = broadcastStrides(xs, out.shape);
    const sy = broadcastStrides(ys, out.shape);
    if (out.dtype === 'int64') {
      const xd = x.data as BigInt64Array;
      const yd = y.data as BigInt64Array;
      const od = out.data as BigInt64Array;
      walk2(out.shape, sx, sy, (i, a, b) => {
        od[i] = s.i64(xd[a], yd[b], k.label);
      });
      return;
    }
    const xd = nums(x.data);
    const yd = nums(y.data);
    const od = nums(out.data);
    const f = out.dtype === 'float32' || out.dtype === 'float64' ? s.f : s.int ? (a: number, b: number) => s.int!(a, b, k.label) : s.f;
    if (x.size === out.size && y.size === out.size) {
      for (let i = 0; i < od.length; i++) od[i] = f(xd[i], yd[i]);
      return;
    }
    walk2(out.shape, sx, sy, (i, a, b) => {
      od[i] = f(xd[a], yd[b]);
    });
  };
}

export function unaryKernel<K extends OpType>(s: UnaryScalar, map?: (k: KernelArgs<K>) => (x: number) => number) {
  return (k: KernelArgs<K>): void => {
    const x = k.input('X');
    const out = k.output('Out');
    if (out.dtype === 'int64') {
      const fi = s.i64;
      if (!fi) throw new RuntimeOpError(`${k.label}: int64 is not supported`);
      const xd = x.data as BigInt64Array;
      const od = out.data as BigInt64Array;
      for (let i = 0; i < od.length; i++) od[i] = BigInt.asIntN(64, fi(xd[i]));
      return;
    }
    const f = map ? map(k) : s.f;
    const xd = nums(x.data);
    const od = nums(out.data);
    for (let i = 0; i < od.length; i++) od[i] = f(xd[i]);
  };
}

export function intDiv(a: number, b: number, label: string): number {
  if (b === 0) throw new RuntimeOpError(`${label}: integer division by zero`);
  return Math.trunc(a / b);
}

export function i64Div(a: bigint, b: bigint, label: string): bigint {
  if (b === 0n) throw new RuntimeOpError(`${label}: integer division by zero`);
  return a / b;
}

export function i64Pow(a: bigint, b: bigint, label: string): bigint {
  if (b < 0n) throw new RuntimeOpError(`${label}: a negative integer exponent (${b}) has no integer result`);
  return BigInt.asIntN(64, a ** b);
}
