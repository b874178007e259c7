import {
  DType,
  TypedArray,
  allocArray,
  arrayMatchesDType,
  dtypeOfArray,
  isDType,
  isHalf,
  readNumber,
  writeNumber,
} from '../program/dtype';
import { ArgumentError, ShapeError } from '../program/errors';
import { formatShape, numel } from '../program/shape';

export type NestedNumbers = number | bigint | boolean | NestedNumbers[];

/** What eager autodiff records on a tensor an op produced (see src/eager). */
export interface GradNode {
  readonly id: number;
  readonly type: string;
  readonly attrs: unknown;
  readonly inputs: Record<string, Tensor[]>;
  readonly outputs: Record<string, Tensor[]>;
}

/** Eager backward, bound by the eager module (tensors do not import it, to avoid a cycle). */
let backwardImpl: ((t: Tensor, grad?: Tensor) => void) | undefined;
export function bindBackward(f: (t: Tensor, grad?: Tensor) => void): void {
  backwardImpl = f;
}

let tensorCount = 0;

/**
 * A dense row-major tensor: a dtype, a concrete shape and a typed array of numel(shape) elements.
 * Eager tensors also carry a name, stopGradient, their accumulated grad and the op that made them.
 */
export class Tensor {
  readonly dtype: DType;
  readonly shape: number[];
  readonly data: TypedArray;
  private _name: string | undefined;
  /** Eager mode: true (the default) keeps autodiff from recording through this tensor. */
  stopGradient = true;
  /** Eager mode: the gradient accumulated by backward() (a leaf with stopGradient false). */
  grad: Tensor | null = null;
  /** Eager mode: the op that produced this tensor, when autodiff recorded it. */
  gradNode: GradNode | undefined;

  constructor(dtype: DType, shape: readonly number[], data?: TypedArray) {
    if (!isDType(dtype)) throw new ArgumentError(`Tensor: unknown dtype ${String(dtype)}`);
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) {
        throw new ShapeError(`Tensor: shape ${formatShape(shape)} must hold non-negative integers`);
      }
    }
    const n = numel(shape);
    if (data === undefined) data = allocArray(dtype, n);
    else {
      if (!arrayMatchesDType(data, dtype)) {
        throw new ArgumentError(`Tensor: a ${data.constructor.name} cannot hold ${dtype} values`);
      }
      if (data.length !== n) {
        throw new ShapeError(`Tensor: shape ${formatShape(shape)} needs ${n} elements, the data has ${data.length}`);
      }
    }
    this.dtype = dtype;
    this.shape = [...shape];
    this.data = data;
  }

  get size(): number {
    return this.data.length;
  }

  /** A name for messages and state dicts (generated_tensor_N unless set). */
  get name(): string {
    if (this._name === undefined) this._name = `generated_tensor_${tensorCount++}`;
    return this._name;
  }
  set name(n: string) {
    this._name = n;
  }

  /**
   * Eager mode: accumulates d(this)/d(leaf) into the grad of every leaf with stopGradient false
   * that this tensor depends on; a non-scalar tensor uses an all-ones gradient, as Paddle.
   */
  backward(grad?: Tensor): void {
    if (!backwardImpl) throw new Error('sagraph: the eager module is not loaded');
    backwardImpl(this, grad);
  }

  /** Zeroes the gradient (setToZero, the default) or releases it. */
  clearGradient(setToZero = true): void {
    if (!this.grad) return;
    if (setToZero) {
      if (this.grad.data instanceof BigInt64Array) this.grad.data.fill(0n);
      else this.grad.data.fill(0);
    } else this.grad = null;
  }

  static zeros(dtype: DType, shape: readonly number[]): Tensor {
    return new Tensor(dtype, shape);
  }

  /**
   * Builds a tensor from nested arrays, a flat array with `shape`, a typed array, or a scalar.
   * Numbers default to float32 (bigints to int64, booleans to bool); `dtype` converts.
   */
  static from(values: NestedNumbers | TypedArray | Tensor, o: { dtype?: DType; shape?: readonly number[] } = {}): Tensor {
    if (o.dtype !== undefined && !isDType(o.dtype)) {
      throw new ArgumentError(`Tensor.from: unknown dtype ${String(o.dtype)} (expected one of float16, bfloat16, float32, float64, int32, int64, bool, uint8, int8)`);
    }
    if (values instanceof Tensor) {
      const t = o.dtype && o.dtype !== values.dtype ? values.cast(o.dtype) : values.clone();
      return o.shape ? t.reshape(o.shape) : t;
    }
    if (ArrayBuffer.isView(values)) {
      const arr = values as TypedArray;
      const own = dtypeOfArray(arr);
      const dtype = o.dtype ?? own;
      if (dtype === undefined) {
        throw new ArgumentError('Tensor.from: a Uint16Array holds 16-bit floats; pass dtype float16 or bfloat16');
      }
      const shape = o.shape ?? [arr.length];
      if (arrayMatchesDType(arr, dtype)) return new Tensor(dtype, shape, arr.slice() as TypedArray);
      const src = new Tensor(own ?? 'float32', [arr.length], arr);
      return src.cast(dtype).reshape(shape);
    }
    const shape: number[] = [];
    let v: NestedNumbers = values;
    while (Array.isArray(v)) {
      shape.push(v.length);
      v = v[0];
      if (v === undefined) break;
    }
    const flat: (number | bigint | boolean)[] = [];
    const walk = (x: NestedNumbers, depth: number, path: string): void => {
      if (Array.isArray(x)) {
        if (depth >= shape.length || x.length !== shape[depth]) {
          throw new ShapeError(`Tensor.from: ragged nested array at ${path || 'the top'} (expected length ${shape[depth] ?? 'a scalar'}, found ${x.length})`);
        }
        x.forEach((e, i) => walk(e, depth + 1, `${path}[${i}]`));
      } else {
        if (depth !== shape.length) throw new ShapeError(`Tensor.from: ragged nested array at ${path}`);
        if (typeof x !== 'number' && typeof x !== 'bigint' && typeof x !== 'boolean') {
          throw new ArgumentError(`Tensor.from: element ${path} is ${typeof x}, expected a number`);
        }
        flat.push(x);
      }
    };
    walk(values, 0, '');
    const first = flat[0];
    const dtype: DType = o.dtype ?? (typeof first === 'bigint' ? 'int64' : typeof first === 'boolean' ? 'bool' : 'float32');
    const finalShape = o.shape ? [...o.shape] : shape;
    if (numel(finalShape) !== flat.length) {
      throw new ShapeError(`Tensor.from: shape ${formatShape(finalShape)} needs ${numel(finalShape)} elements, ${flat.length} given`);
    }
    const t = new Tensor(dtype, finalShape);
    for (let i = 0; i < flat.length; i++) {
      const x = flat[i];
      if (dtype === 'int64' && typeof x === 'bigint') (t.data as BigInt64Array)[i] = BigInt.asIntN(64, x);
      else writeNumber(t.data, dtype, i, Number(x));
    }
    return t;
  }

  /** Nested arrays of numbers (int64 through Number(): read `data` for values beyond 2^53). */
  toArray(): NestedNumbers {
    if (this.shape.length === 0) return readNumber(this.data, this.dtype, 0);
    const build = (dim: number, offset: number): NestedNumbers[] => {
      const n = this.shape[dim];
      const inner = numel(this.shape.slice(dim + 1));
      const out: NestedNumbers[] = new Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = dim === this.shape.length - 1 ? readNumber(this.data, this.dtype, offset + i) : build(dim + 1, offset + i * inner);
      }
      return out;
    };
    return build(0, 0);
  }

  /** The elements as a flat number array (float16 widened). */
  toFlat(): number[] {
    const out = new Array<number>(this.size);
    for (let i = 0; i < out.length; i++) out[i] = readNumber(this.data, this.dtype, i);
    return out;
  }

  clone(): Tensor {
    return new Tensor(this.dtype, this.shape, this.data.slice() as TypedArray);
  }

  /** Same data, another shape of the same size (the data is shared). */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.dtype, shape, this.data);
  }

  /** A converted copy, with C++ static_cast semantics (floats truncate towards zero into integers). */
  cast(dtype: DType): Tensor {
    const out = new Tensor(dtype, this.shape);
    castInto(this, out);
    return out;
  }

  toString(): string {
    return `Tensor(${this.dtype}${formatShape(this.shape)}, ${JSON.stringify(this.toArray())})`;
  }
}

/** Converts every element of `src` into `dst` (same size). */
export function castInto(src: Tensor, dst: Tensor): void {
  const n = src.size;
  if (src.dtype === dst.dtype) {
    (dst.data as Float32Array).set(src.data as Float32Array);
    return;
  }
  if (src.dtype === 'int64' && dst.dtype !== 'int64' && !isHalf(dst.dtype) && dst.dtype !== 'bool') {
    const s = src.data as BigInt64Array;
    if (dst.dtype === 'float32' || dst.dtype === 'float64') {
      for (let i = 0; i < n; i++) (dst.data as Float64Array)[i] = Number(s[i]);
    } else {
      for (let i = 0; i < n; i++) (dst.data as Int32Array)[i] = Number(BigInt.asIntN(32, s[i]));
    }
    return;
  }
  if (dst.dtype === 'int64' && src.dtype === 'int32') {
    const s = src.data as Int32Array;
    for (let i = 0; i < n; i++) (dst.data as BigInt64Array)[i] = BigInt(s[i]);
    return;
  }
  if (src.dtype === 'int64' && dst.dtype === 'bool') {
    const s = src.data as BigInt64Array;
    for (let i = 0; i < n; i++) (dst.data as Uint8Array)[i] = s[i] !== 0n ? 1 : 0;
    return;
  }
  for (let i = 0; i < n; i++) writeNumber(dst.data, dst.dtype, i, readNumber(src.data, src.dtype, i));
}
