/** numpy's .npy format (version 1.0/2.0), for the CLI's inputs and outputs. */
import { DType, byteSize, viewArray } from '../program/dtype';
import { FileFormatError } from '../program/errors';
import { Tensor } from '../executor/tensor';

const DESCR: Record<string, DType> = { '<f2': 'float16', '<f4': 'float32', '<f8': 'float64', '<i4': 'int32', '<i8': 'int64', '|u1': 'uint8', '|i1': 'int8', '|b1': 'bool' };
const DESCR_OF = Object.fromEntries(Object.entries(DESCR).map(([k, v]) => [v, k])) as Partial<Record<DType, string>>;

export function readNpy(bytes: Uint8Array, what: string): Tensor {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new FileFormatError(`${what}: not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) throw new FileFormatError(`${what}: truncated .npy header`);
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new FileFormatError(`${what}: a .npy header without descr, fortran_order and shape: ${header.trim()}`);
  const dtype = DESCR[descr];
  if (!dtype) throw new FileFormatError(`${what}: numpy dtype ${descr} is not one sagraph reads (${Object.keys(DESCR).join(', ')})`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new FileFormatError(`${what}: bad shape (${shapeText})`);
  if (fortran === 'True' && shape.filter((d) => d > 1).length > 1) throw new FileFormatError(`${what}: Fortran-ordered arrays are not supported`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const n = count * byteSize(dtype);
  if (bytes.length - dataStart !== n) throw new FileFormatError(`${what}: a ${dtype}[${shape}] array needs ${n} bytes of data, the file has ${bytes.length - dataStart}`);
  const buf = new ArrayBuffer(n);
  new Uint8Array(buf).set(bytes.subarray(dataStart));
  return new Tensor(dtype, shape, viewArray(dtype, buf, 0, count));
}

export function writeNpy(t: Tensor): Uint8Array {
  const descr = DESCR_OF[t.dtype];
  if (!descr) throw new FileFormatError(`.npy: a ${t.dtype} tensor has no numpy dtype`);
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const data = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}
