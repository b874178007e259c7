/** Checks shared by the ops' shape inference. Messages are prefixed with the op by the caller. */
import { DType, isFloat } from '../dtype';
import { DTypeError, ShapeError } from '../errors';
import { formatShape } from '../shape';
import type { VarInfo } from './types';

export const FLOATS: readonly DType[] = ['float16', 'bfloat16', 'float32', 'float64'];
export const NUMERIC: readonly DType[] = ['float16', 'bfloat16', 'float32', 'float64', 'int32', 'int64', 'uint8', 'int8'];
export const INDEX: readonly DType[] = ['int32', 'int64'];

export function checkDType(v: VarInfo, allowed: readonly DType[], slot: string): void {
  if (!allowed.includes(v.dtype)) {
    throw new DTypeError(`${slot} (${v.name}) is ${v.dtype}, expected ${allowed.join(' or ')}`);
  }
}

export function checkSameDType(a: VarInfo, b: VarInfo, sa: string, sb: string): void {
  if (a.dtype !== b.dtype) {
    throw new DTypeError(`${sa} (${a.name}) is ${a.dtype} but ${sb} (${b.name}) is ${b.dtype}; cast one of them (ops.cast)`);
  }
}

export function checkRank(v: VarInfo, ranks: readonly number[], slot: string): void {
  if (!ranks.includes(v.shape.length)) {
    throw new ShapeError(`${slot} (${v.name}) has shape ${formatShape(v.shape)}, expected rank ${ranks.join(' or ')}`);
  }
}

export function checkFloat(v: VarInfo, slot: string): void {
  if (!isFloat(v.dtype)) throw new DTypeError(`${slot} (${v.name}) is ${v.dtype}, expected a float type`);
}

export function shapeFail(msg: string): never {
  throw new ShapeError(msg);
}

/** Two dims that must agree: equal, or one unknown (-1). */
export function dimsAgree(a: number, b: number): boolean {
  return a === b || a === -1 || b === -1;
}

export function checkShapeAttr(shape: readonly number[], what: string): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`${what} ${JSON.stringify(shape)} must hold integers >= 0`);
  }
}
