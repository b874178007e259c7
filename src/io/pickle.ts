/**
 * Paddle's .pdparams / .pdopt files: Python pickles of {name: numpy array} (values may also be
 * numbers, strings and nested dicts, as an LR scheduler's state). The reader is a restricted pickle
 * machine: it accepts only the globals that rebuild numpy arrays (and `_codecs.encode`, which
 * protocol 2 uses for bytes) and refuses any other, so a file cannot run code. The writer emits
 * protocol 4, as paddle.save does.
 */
import { DType, byteSize, viewArray } from '../program/dtype';
import { FileFormatError } from '../program/errors';
import { Tensor } from '../executor/tensor';
import { concatBytes } from './tensor-file';

export type PickleValue = Tensor | number | bigint | string | boolean | null | PickleValue[] | { [k: string]: PickleValue };

const NUMPY_DTYPES: Record<string, DType> = { f2: 'float16', f4: 'float32', f8: 'float64', i4: 'int32', i8: 'int64', u1: 'uint8', i1: 'int8', b1: 'bool' };
const DTYPE_CODES: Partial<Record<DType, string>> = Object.fromEntries(Object.entries(NUMPY_DTYPES).map(([k, v]) => [v, k]));

const ALLOWED = new Set(['numpy.core.multiarray._reconstruct', 'numpy._core.multiarray._reconstruct', 'numpy.ndarray', 'numpy.dtype', '_codecs.encode']);

class Global {
  constructor(readonly name: string) {}
}
class NpDtype {
  byteorder = '<';
  constructor(readonly code: string) {}
}
class NpArray {
  tensor: Tensor | undefined;
}
const MARK = Symbol('mark');

type Item = PickleValue | Global | NpDtype | NpArray | Uint8Array | typeof MARK | undefined | Item[];

function fail(what: string, pos: number, msg: string): never {
  throw new FileFormatError(`${what}: ${msg} (at byte ${pos})`);
}

/** Reads a pickle of {name: array | value} with the restricted machine described above. */
export function readPickle(bytes: Uint8Array, what: string): { [k: string]: PickleValue } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: Item[] = [];
  const memo = new Map<number, Item>();
  let pos = 0;
  const need = (n: number): void => {
    if (!(n >= 0) || pos + n > bytes.length) fail(what, pos, `truncated: ${n} bytes needed, ${bytes.length - pos} remain`);
  };
  const u8 = (): number => (need(1), bytes[pos++]);
  const u16 = (): number => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = (): number => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = (): number => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.length)) fail(what, pos - 8, `a length of ${v} is more than the file holds`);
    return Number(v);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const text = (n: number): string => new TextDecoder('utf-8', { fatal: false }).decode(take(n));
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail(what, pos, 'truncated: a line without its end');
    const s = new TextDecoder('latin1').decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): Item => {
    if (stack.length === 0) fail(what, pos, 'the pickle pops an empty stack');
    return stack.pop();
  };
  const popMark = (): Item[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail(what, pos, 'no MARK on the stack');
    const items = stack.splice(i);
    items.shift();
    return items;
  };
  const asDict = (x: Item): { [k: string]: PickleValue } => {
    if (typeof x !== 'object' || x === null || Array.isArray(x) || x instanceof Tensor || x instanceof Global || x instanceof NpDtype || x instanceof NpArray || x instanceof Uint8Array) {
      fail(what, pos, 'SETITEM on something that is not a dict');
    }
    return x as { [k: string]: PickleValue };
  };
  const setItem = (d: { [k: string]: PickleValue }, k: Item, v: Item): void => {
    if (typeof k !== 'string' && typeof k !== 'number') fail(what, pos, 'a dict key that is not a string or a number');
    d[String(k)] = (v instanceof NpArray ? v.tensor : v) as PickleValue;
  };
  const global = (name: string): Global => {
    if (!ALLOWED.has(name)) fail(what, pos, `refused: the pickle names the global ${name}; only numpy arrays are accepted`);
    return new Global(name);
  };
  const call = (fn: Item, args: Item): Item => {
    if (!(fn instanceof Global) || !Array.isArray(args)) fail(what, pos, 'REDUCE of something that is not an allowed global');
    if (fn.name.endsWith('._reconstruct')) return new NpArray();
    if (fn.name === 'numpy.dtype') {
      const code = args[0];
      if (typeof code !== 'string' || !(code in NUMPY_DTYPES)) fail(what, pos, `numpy dtype ${String(code)} is not one sagraph reads (${Object.keys(NUMPY_DTYPES).join(', ')})`);
      return new NpDtype(code);
    }
    if (fn.name === '_codecs.encode') {
      if (typeof args[0] !== 'string') fail(what, pos, '_codecs.encode of something that is not a string');
      return Uint8Array.from(args[0] as string, (c) => c.charCodeAt(0) & 0xff);
    }
    return fail(what, pos, `${fn.name} cannot be called`);
  };
  const build = (obj: Item, state: Item): void => {
    if (obj instanceof NpDtype) {
      if (Array.isArray(state) && typeof state[1] === 'string') obj.byteorder = state[1];
      return;
    }
    if (!(obj instanceof NpArray) || !Array.isArray(state) || state.length < 5) fail(what, pos, 'BUILD of something that is not a numpy array');
    const [, shapeT, dt, fortran, raw] = state as Item[];
    if (!Array.isArray(shapeT) || !shapeT.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) fail(what, pos, 'a numpy array shape that is not a tuple of sizes');
    if (!(dt instanceof NpDtype)) fail(what, pos, 'a numpy array without its dtype');
    if (dt.byteorder === '>') fail(what, pos, 'big-endian numpy arrays are not supported');
    const shape = shapeT as number[];
    if (fortran === true && shape.filter((d) => d > 1).length > 1) fail(what, pos, 'Fortran-ordered numpy arrays are not supported');
    if (!(raw instanceof Uint8Array)) fail(what, pos, 'a numpy array whose data is not bytes');
    const dtype = NUMPY_DTYPES[dt.code];
    const count = shape.reduce((a, b) => a * b, 1);
    if (raw.length !== count * byteSize(dtype)) fail(what, pos, `a ${dtype}[${shape}] array needs ${count * byteSize(dtype)} bytes, the pickle holds ${raw.length}`);
    const buf = new ArrayBuffer(raw.length);
    new Uint8Array(buf).set(raw);
    obj.tensor = new Tensor(dtype, shape, viewArray(dtype, buf, 0, count));
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x7d: // EMPTY_DICT
        stack.push({});
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, stack[stack.length - 1]);
        break;
      case 0x71: // BINPUT
        memo.set(u8(), stack[stack.length - 1]);
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), stack[stack.length - 1]);
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(what, at, `memo ${k} was never stored`);
        stack.push(memo.get(k));
        break;
      }
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()));
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()));
        break;
      case 0x55: // SHORT_BINSTRING (protocol 2 str)
        stack.push(new TextDecoder('latin1').decode(take(u8())));
        break;
      case 0x54: // BINSTRING
        stack.push(new TextDecoder('latin1').decode(take(i32())));
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement
        const n = u8();
        const b = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const l = stack[stack.length - 1];
        if (!Array.isArray(l)) fail(what, at, 'APPEND to something that is not a list');
        (l as Item[]).push(v instanceof NpArray ? (v.tensor as PickleValue) : v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = stack[stack.length - 1];
        if (!Array.isArray(l)) fail(what, at, 'APPENDS to something that is not a list');
        for (const v of items) (l as Item[]).push(v instanceof NpArray ? (v.tensor as PickleValue) : v);
        break;
      }
      case 0x64: {
        // DICT
        const items = popMark();
        const d: { [k: string]: PickleValue } = {};
        for (let i = 0; i + 1 < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItem(asDict(stack[stack.length - 1]), k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const d = asDict(stack[stack.length - 1]);
        for (let i = 0; i + 1 < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const mod = line();
        stack.push(global(`${mod}.${line()}`));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const mod = pop();
        if (typeof mod !== 'string' || typeof name !== 'string') fail(what, at, 'STACK_GLOBAL of something that is not two strings');
        stack.push(global(`${mod}.${name}`));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        build(stack[stack.length - 1], state);
        break;
      }
      case 0x2e: {
        // STOP
        const top = pop();
        if (typeof top !== 'object' || top === null || Array.isArray(top) || top instanceof Tensor) fail(what, at, 'the pickle does not hold a dict');
        return asDict(top);
      }
      default:
        fail(what, at, `pickle opcode 0x${op.toString(16)} is not one a numpy state dict uses`);
    }
  }
}

/** A protocol-4 pickle of {name: array | value}, readable by Python's pickle and paddle.load. */
export function writePickle(d: { [k: string]: PickleValue }): Uint8Array {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  const u8 = (...b: number[]) => parts.push(Uint8Array.from(b));
  const u32 = (n: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    parts.push(b);
  };
  const str = (s: string) => {
    const b = enc.encode(s);
    if (b.length < 256) u8(0x8c, b.length);
    else {
      u8(0x58);
      u32(b.length);
    }
    parts.push(b);
  };
  const int = (n: number) => {
    if (n >= 0 && n < 256) u8(0x4b, n);
    else if (n >= -(2 ** 31) && n < 2 ** 31) {
      u8(0x4a);
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, n, true);
      parts.push(b);
    } else value(BigInt(n));
  };
  const stackGlobal = (mod: string, name: string) => {
    str(mod);
    str(name);
    u8(0x93);
  };
  const value = (v: PickleValue): void => {
    if (v === null) u8(0x4e);
    else if (v === true) u8(0x88);
    else if (v === false) u8(0x89);
    else if (typeof v === 'string') str(v);
    else if (typeof v === 'bigint') {
      const bytes: number[] = [];
      let x = BigInt.asUintN(128, v);
      for (let i = 0; i < 16; i++) {
        bytes.push(Number(x & 0xffn));
        x >>= 8n;
      }
      u8(0x8a, 16, ...bytes);
    } else if (typeof v === 'number') {
      if (Number.isInteger(v)) int(v);
      else {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setFloat64(0, v, false);
        u8(0x47);
        parts.push(b);
      }
    } else if (v instanceof Tensor) array(v);
    else if (Array.isArray(v)) {
      u8(0x5d, 0x28);
      v.forEach(value);
      u8(0x65);
    } else dict(v);
  };
  const array = (t: Tensor) => {
    const code = DTYPE_CODES[t.dtype];
    if (!code) throw new FileFormatError(`pickle: a ${t.dtype} tensor has no numpy dtype to write (bfloat16)`);
    stackGlobal('numpy.core.multiarray', '_reconstruct');
    stackGlobal('numpy', 'ndarray');
    u8(0x4b, 0, 0x85, 0x43, 1, 0x62, 0x87, 0x52); // (0,), b'b', TUPLE3, REDUCE
    u8(0x28, 0x4b, 1, 0x28);
    t.shape.forEach(int);
    u8(0x74);
    stackGlobal('numpy', 'dtype');
    str(code);
    u8(0x89, 0x88, 0x87, 0x52); // False, True, TUPLE3, REDUCE
    u8(0x28, 0x4b, 3);
    str(t.dtype === 'bool' || t.dtype === 'uint8' || t.dtype === 'int8' ? '|' : '<');
    u8(0x4e, 0x4e, 0x4e);
    int(-1);
    int(-1);
    int(0);
    u8(0x74, 0x62); // TUPLE, BUILD (the dtype's state)
    u8(0x89); // not Fortran-ordered
    const data = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    u8(0x42);
    u32(data.length);
    parts.push(data.slice());
    u8(0x74, 0x62); // TUPLE, BUILD (the array's state)
  };
  const dict = (o: { [k: string]: PickleValue }) => {
    u8(0x7d);
    const keys = Object.keys(o);
    if (keys.length === 0) return;
    u8(0x28);
    for (const k of keys) {
      str(k);
      value(o[k]);
    }
    u8(0x75);
  };
  u8(0x80, 4);
  dict(d);
  u8(0x2e);
  return concatBytes(parts);
}
