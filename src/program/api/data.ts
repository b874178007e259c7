import { DTYPES, DType, isDType } from '../dtype';
import { ArgumentError } from '../errors';
import { defaultMainProgram } from '../program';
import type { Variable } from '../variable';

/**
 * Declares an input of the default main program (Paddle's static.data). -1 (or null) marks a
 * dimension of any size; a feed is checked against the shape and dtype.
 */
export function data(name: string, shape: (number | null)[], dtype: DType = 'float32'): Variable {
  if (typeof name !== 'string' || name === '') throw new ArgumentError(`data: name must be a non-empty string, received ${JSON.stringify(name)}`);
  if (!Array.isArray(shape)) throw new ArgumentError(`data '${name}': shape must be an array, received ${JSON.stringify(shape)}`);
  const dims = shape.map((d) => (d === null ? -1 : d));
  if (dims.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new ArgumentError(`data '${name}': shape ${JSON.stringify(shape)} must hold integers >= 0, or -1 / null for any size`);
  }
  if (!isDType(dtype)) throw new ArgumentError(`data '${name}': dtype ${String(dtype)} is not one of ${DTYPES.join(', ')}`);
  return defaultMainProgram().globalBlock().createVar({ name, shape: dims, dtype, isData: true, stopGradient: true });
}
