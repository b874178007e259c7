import { DType, TypedArray, arrayMatchesDType, dtypeOfArray, isHalf } from '../program/dtype';
import { ArgumentError, DTypeError, ShapeError } from '../program/errors';
import { formatShape } from '../program/shape';
import type { Variable } from '../program/variable';
import { NestedNumbers, Tensor } from './tensor';

export type FeedValue = Tensor | TypedArray | NestedNumbers;

function describe(value: FeedValue): string {
  if (value instanceof Tensor) return `${value.dtype}${formatShape(value.shape)}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${(value as TypedArray).length}`;
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** The shape a flat array of n elements takes for a variable: its own, or one -1 inferred. */
function shapeForFlat(v: Variable, n: number, name: string, received: string): number[] {
  const unknown = v.shape.filter((d) => d < 0).length;
  const known = v.shape.reduce((a, d) => (d < 0 ? a : a * d), 1);
  if (unknown === 0 && known === n) return v.shape;
  if (unknown === 1 && known > 0 && n % known === 0) return v.shape.map((d) => (d < 0 ? n / known : d));
  if (unknown === 1 && known === 0 && n === 0) return v.shape.map((d) => (d < 0 ? 0 : d));
  throw new ShapeError(`feed '${name}': expected ${v.dtype}${formatShape(v.shape)}, received ${received}; pass a Tensor with its shape`);
}

/**
 * Converts a feed value for variable `v` and checks it: the dtype must be v's (numbers convert),
 * and the shape must match v's in every dim that is not -1.
 */
export function toFeedTensor(name: string, value: FeedValue, v: Variable): Tensor {
  let t: Tensor;
  if (value instanceof Tensor) {
    if (value.dtype !== v.dtype) {
      throw new DTypeError(`feed '${name}': expected ${v.dtype}${formatShape(v.shape)}, received ${describe(value)}; convert it with tensor.cast('${v.dtype}')`);
    }
    t = value;
  } else if (ArrayBuffer.isView(value)) {
    const arr = value as TypedArray;
    const own: DType | undefined = dtypeOfArray(arr) ?? (isHalf(v.dtype) ? v.dtype : undefined);
    const ok = arrayMatchesDType(arr, v.dtype) && (own === v.dtype || (v.dtype === 'bool' && own === 'uint8') || isHalf(v.dtype));
    if (!ok) throw new DTypeError(`feed '${name}': expected ${v.dtype}${formatShape(v.shape)}, received ${describe(value)} (${own ?? 'unknown dtype'})`);
    t = new Tensor(v.dtype, shapeForFlat(v, arr.length, name, describe(value)), arr);
  } else if (Array.isArray(value) || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    const nested = Tensor.from(value, { dtype: v.dtype });
    const flat = Array.isArray(value) && !value.some(Array.isArray);
    t = flat && v.shape.length !== 1 ? nested.reshape(shapeForFlat(v, nested.size, name, describe(value))) : nested;
  } else {
    throw new ArgumentError(`feed '${name}': expected a Tensor, a typed array or nested number arrays, received ${describe(value)}`);
  }
  if (v.shape.length > 0 || v.isData) {
    const ok = t.shape.length === v.shape.length && t.shape.every((d, i) => v.shape[i] < 0 || v.shape[i] === d);
    if (!ok) throw new ShapeError(`feed '${name}': expected shape ${formatShape(v.shape)} (-1 = any), received ${formatShape(t.shape)}`);
  }
  return t;
}
