/** Element types, their storage and the conversions between them. */

export type DType =
  | 'float16'
  | 'bfloat16'
  | 'float32'
  | 'float64'
  | 'int32'
  | 'int64'
  | 'bool'
  | 'uint8'
  | 'int8';

export const DTYPES: readonly DType[] = [
  'float16',
  'bfloat16',
  'float32',
  'float64',
  'int32',
  'int64',
  'bool',
  'uint8',
  'int8',
];

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Int8Array
  | Uint16Array;

/** Arrays whose elements are JS numbers (everything but int64). */
export type NumberArray = Exclude<TypedArray, BigInt64Array>;

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

export function isFloat(d: DType): boolean {
  return d === 'float16' || d === 'bfloat16' || d === 'float32' || d === 'float64';
}

/** float16 and bfloat16 are stored as their 16-bit patterns and computed in float32. */
export function isHalf(d: DType): boolean {
  return d === 'float16' || d === 'bfloat16';
}

export function isInteger(d: DType): boolean {
  return d === 'int32' || d === 'int64' || d === 'uint8' || d === 'int8';
}

export function byteSize(d: DType): number {
  switch (d) {
    case 'float64':
    case 'int64':
      return 8;
    case 'float32':
    case 'int32':
      return 4;
    case 'float16':
    case 'bfloat16':
      return 2;
    case 'bool':
    case 'uint8':
    case 'int8':
      return 1;
  }
}

/** Short names used by the printer: f32[-1,13]. */
export const DTYPE_SHORT: Record<DType, string> = {
  float16: 'f16',
  bfloat16: 'bf16',
  float32: 'f32',
  float64: 'f64',
  int32: 'i32',
  int64: 'i64',
  bool: 'bool',
  uint8: 'u8',
  int8: 'i8',
};

export function allocArray(d: DType, n: number): TypedArray {
  switch (d) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(n);
    case 'bool':
    case 'uint8':
      return new Uint8Array(n);
    case 'int8':
      return new Int8Array(n);
  }
}

/** A typed-array view of `n` elements of dtype `d` over `buf` at byte `offset`. */
export function viewArray(d: DType, buf: ArrayBuffer, offset: number, n: number): TypedArray {
  switch (d) {
    case 'float32':
      return new Float32Array(buf, offset, n);
    case 'float64':
      return new Float64Array(buf, offset, n);
    case 'int32':
      return new Int32Array(buf, offset, n);
    case 'int64':
      return new BigInt64Array(buf, offset, n);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(buf, offset, n);
    case 'bool':
    case 'uint8':
      return new Uint8Array(buf, offset, n);
    case 'int8':
      return new Int8Array(buf, offset, n);
  }
}

/** The dtype a typed array stands for, or undefined where it is ambiguous (Uint16Array, Uint8Array). */
export function dtypeOfArray(a: TypedArray): DType | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array) return 'uint8';
  return undefined;
}

export function arrayMatchesDType(a: TypedArray, d: DType): boolean {
  switch (d) {
    case 'float32':
      return a instanceof Float32Array;
    case 'float64':
      return a instanceof Float64Array;
    case 'int32':
      return a instanceof Int32Array;
    case 'int64':
      return a instanceof BigInt64Array;
    case 'float16':
    case 'bfloat16':
      return a instanceof Uint16Array;
    case 'bool':
    case 'uint8':
      return a instanceof Uint8Array;
    case 'int8':
      return a instanceof Int8Array;
  }
}

// ---- 16-bit floats -------------------------------------------------------------------------------

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u32of64 = new Uint32Array(f64.buffer);

/** IEEE binary16 bits of `x`, rounded to nearest even directly from the double (no double rounding). */
export function toFloat16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  f64[0] = x;
  const sign = (u32of64[1] >>> 16) & 0x8000;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // rounds to infinity (65504 is the largest finite)
  if (a < 2 ** -14) {
    // subnormal: units of 2^-24, round half to even
    const q = a / 2 ** -24;
    let r = Math.round(q);
    if (r - q === 0.5 && r % 2 === 1) r -= 1;
    return sign | r;
  }
  const e = Math.floor(Math.log2(a));
  // Math.log2 can be off by one near powers of two; correct it.
  let exp = e;
  if (2 ** exp > a) exp -= 1;
  if (2 ** (exp + 1) <= a) exp += 1;
  const q = (a / 2 ** exp - 1) * 1024;
  let m = Math.round(q);
  if (m - q === 0.5 && m % 2 === 1) m -= 1;
  if (m === 1024) {
    m = 0;
    exp += 1;
  }
  if (exp > 15) return sign | 0x7c00;
  return sign | ((exp + 15) << 10) | m;
}

export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (exp === 0) return sign * m * 2 ** -24;
  if (exp === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (exp - 15);
}

/** bfloat16 bits of `x`: float32 rounding, then the top 16 bits rounded to nearest even. */
export function toBFloat16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7fc0;
  f32[0] = x;
  const bits = u32[0];
  const lsb = (bits >>> 16) & 1;
  return ((bits + 0x7fff + lsb) >>> 16) & 0xffff;
}

export function fromBFloat16Bits(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}

/** Widens a 16-bit float array to float32. */
export function widenHalf(d: DType, a: Uint16Array): Float32Array {
  const out = new Float32Array(a.length);
  const conv = d === 'bfloat16' ? fromBFloat16Bits : fromFloat16Bits;
  for (let i = 0; i < a.length; i++) out[i] = conv(a[i]);
  return out;
}

/** Narrows float values into a 16-bit float array. */
export function narrowHalf(d: DType, src: ArrayLike<number>, dst: Uint16Array): void {
  const conv = d === 'bfloat16' ? toBFloat16Bits : toFloat16Bits;
  for (let i = 0; i < src.length; i++) dst[i] = conv(src[i]);
}

/** Reads element i of any array as a JS number (int64 through Number()). */
export function readNumber(a: TypedArray, d: DType, i: number): number {
  if (d === 'float16') return fromFloat16Bits((a as Uint16Array)[i]);
  if (d === 'bfloat16') return fromBFloat16Bits((a as Uint16Array)[i]);
  return Number(a[i]);
}

/** Writes a JS number as element i, converting the way a C static_cast would. */
export function writeNumber(a: TypedArray, d: DType, i: number, v: number): void {
  switch (d) {
    case 'float16':
      (a as Uint16Array)[i] = toFloat16Bits(v);
      return;
    case 'bfloat16':
      (a as Uint16Array)[i] = toBFloat16Bits(v);
      return;
    case 'int64':
      (a as BigInt64Array)[i] = Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
      return;
    case 'bool':
      (a as Uint8Array)[i] = v !== 0 && !Number.isNaN(v) ? 1 : 0;
      return;
    default:
      (a as NumberArray)[i] = d === 'float32' || d === 'float64' ? v : Number.isFinite(v) ? Math.trunc(v) : 0;
  }
}
