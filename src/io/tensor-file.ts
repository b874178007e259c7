/**
 * Paddle's tensor stream format, as save/load_combine write it:
 *   u32 version (0) | u64 lod_level | per level: u64 byte size + offsets |
 *   u32 version (0) | i32 TensorDesc size | TensorDesc proto | raw little-endian data
 * A .pdiparams file (and a `params` file of save_inference_model) is these records back to back,
 * one per persistable variable in sorted-name order; older models keep one file per variable.
 */
import { DType, byteSize, viewArray, TypedArray } from '../program/dtype';
import { FileFormatError } from '../program/errors';
import { Tensor } from '../executor/tensor';
import { decodeTensorDesc, encodeTensorDesc } from './framework-proto';

/** Paddle's VarType.Type codes of the element types sagraph has. */
export const PADDLE_DTYPE: Record<DType, number> = {
  bool: 0,
  int32: 2,
  int64: 3,
  float16: 4,
  float32: 5,
  float64: 6,
  uint8: 20,
  int8: 21,
  bfloat16: 22,
};

const FROM_PADDLE = new Map(Object.entries(PADDLE_DTYPE).map(([k, v]) => [v, k as DType]));

export function dtypeFromPaddle(code: number, what: string): DType {
  const d = FROM_PADDLE.get(code);
  if (!d) throw new FileFormatError(`${what}: element type code ${code} is not one sagraph reads (expected one of ${[...FROM_PADDLE.keys()].join(', ')})`);
  return d;
}

class Cursor {
  pos: number;
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly what: string,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number, field: string): void {
    if (!(n >= 0) || this.pos + n > this.bytes.length) {
      throw new FileFormatError(`${this.what}: truncated at byte ${this.pos} (the ${field} needs ${n} bytes, ${this.bytes.length - this.pos} remain)`);
    }
  }
  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(field: string): number {
    this.need(4, field);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(field: string): number {
    this.need(8, field);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FileFormatError(`${this.what}: the ${field} at byte ${this.pos - 8} is ${v}, far more than the file holds`);
    return Number(v);
  }
  take(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** Reads one tensor record at `offset`; returns it and the offset after it. */
export function readTensor(bytes: Uint8Array, offset: number, what: string): { tensor: Tensor; next: number } {
  const c = new Cursor(bytes, offset, what);
  const version = c.u32('LoDTensor version');
  if (version !== 0) throw new FileFormatError(`${what}: LoDTensor version ${version} at byte ${offset} (expected 0)`);
  const levels = c.u64('LoD level count');
  if (levels > 64) throw new FileFormatError(`${what}: ${levels} LoD levels at byte ${c.pos - 8} (expected a few at most)`);
  for (let l = 0; l < levels; l++) c.take(c.u64(`LoD level ${l} size`), `LoD level ${l}`);
  const tv = c.u32('Tensor version');
  if (tv !== 0) throw new FileFormatError(`${what}: Tensor version ${tv} at byte ${c.pos - 4} (expected 0)`);
  const descSize = c.i32('TensorDesc size');
  const desc = decodeTensorDesc(c.take(descSize, 'TensorDesc'), `${what} (TensorDesc at byte ${c.pos - descSize})`);
  const dtype = dtypeFromPaddle(desc.data_type, what);
  const shape = (desc.dims ?? []).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new FileFormatError(`${what}: tensor dims [${shape}] must be non-negative`);
  const count = shape.reduce((a, b) => a * b, 1);
  const raw = c.take(count * byteSize(dtype), `data of a ${dtype}[${shape}] tensor`);
  // copy into aligned memory (the record's data may sit at any offset)
  const buf = new ArrayBuffer(raw.length);
  new Uint8Array(buf).set(raw);
  const data: TypedArray = viewArray(dtype, buf, 0, count);
  return { tensor: new Tensor(dtype, shape, data), next: c.pos };
}

/** One tensor record (little-endian, as Paddle writes it). */
export function writeTensor(t: Tensor): Uint8Array {
  const desc = encodeTensorDesc({ data_type: PADDLE_DTYPE[t.dtype], dims: t.shape });
  const data = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Uint8Array(4 + 8 + 4 + 4 + desc.length + data.length);
  const view = new DataView(out.buffer);
  let p = 0;
  view.setUint32(p, 0, true);
  p += 4;
  view.setBigUint64(p, 0n, true);
  p += 8;
  view.setUint32(p, 0, true);
  p += 4;
  view.setInt32(p, desc.length, true);
  p += 4;
  out.set(desc, p);
  p += desc.length;
  out.set(data, p);
  return out;
}

/** Reads a combined parameter file holding `names` (sorted as Paddle sorts them) back to back. */
export function readCombined(bytes: Uint8Array, names: string[], what: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  let pos = 0;
  for (const name of names) {
    const r = readTensor(bytes, pos, `${what} (${name})`);
    out.set(name, r.tensor);
    pos = r.next;
  }
  if (pos !== bytes.length) throw new FileFormatError(`${what}: ${bytes.length - pos} bytes remain after the ${names.length} tensors the program names`);
  return out;
}

/** Writes tensors as one combined file, sorted by name as Paddle's save_combine does. */
export function writeCombined(tensors: Map<string, Tensor>): Uint8Array {
  return concatBytes([...tensors.keys()].sort().map((n) => writeTensor(tensors.get(n)!)));
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}
