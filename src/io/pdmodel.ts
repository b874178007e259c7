/**
 * Programs to and from PaddlePaddle's ProgramDesc (.pdmodel, __model__). sagraph's ops carry
 * Paddle's op types, slots and attribute names, so the mapping is mostly direct: attributes are
 * typed by each op's `paddleAttrs`, the role travels as Paddle's `op_role`, and the feed/fetch ops
 * of inference models become the program's feed and fetch targets.
 */
import type { DType } from '../program/dtype';
import { FileFormatError, ProgramError, UnsupportedOpError } from '../program/errors';
import { findOpDef } from '../program/ops/registry';
import type { AnyOpDef, OpType, PaddleAttrKind } from '../program/ops/types';
import { Program, bindProgramCodec } from '../program/program';
import { Parameter } from '../program/variable';
import { AttrDesc, AttrTypeEnum, OpDescJson, ProgramDescJson, VarDescJson, VarTypeEnum, decodeProgramDesc, encodeProgramDesc } from './framework-proto';
import { PADDLE_DTYPE, dtypeFromPaddle } from './tensor-file';

/** Paddle op types that are sagraph ops under another name (same slots and attributes). */
const ALIASES: Record<string, OpType> = { depthwise_conv2d: 'conv2d' };

function attrValue(a: AttrDesc | undefined, kind: PaddleAttrKind, fallback: unknown, where: string): unknown {
  if (!a) return fallback;
  switch (kind) {
    case 'int':
      return a.i ?? a.l ?? fallback;
    case 'long':
      return a.l ?? a.i ?? fallback;
    case 'float':
      return a.type === AttrTypeEnum.FLOAT64 ? a.float64 ?? fallback : a.f ?? a.float64 ?? fallback;
    case 'string':
      return a.s ?? fallback;
    case 'ints':
      return a.ints ?? a.longs ?? [];
    case 'floats':
      return a.type === AttrTypeEnum.FLOAT64S ? a.float64s ?? [] : a.floats ?? a.float64s ?? [];
    case 'bool':
      return a.b ?? fallback;
    case 'bools':
      return a.bools ?? [];
    case 'dtype':
      return a.i === undefined ? fallback : dtypeFromPaddle(a.i, where);
    case 'dtype_or_unset':
      return a.i === undefined || a.i < 0 ? null : dtypeFromPaddle(a.i, where);
  }
}

function attrDesc(name: string, kind: PaddleAttrKind, v: unknown): AttrDesc {
  switch (kind) {
    case 'int':
      return { name, type: AttrTypeEnum.INT, i: v as number };
    case 'long':
      return { name, type: AttrTypeEnum.LONG, l: v as number };
    case 'float':
      // a value float32 cannot hold exactly is kept whole as FLOAT64, so nothing is lost
      return Math.fround(v as number) === v ? { name, type: AttrTypeEnum.FLOAT, f: v as number } : { name, type: AttrTypeEnum.FLOAT64, float64: v as number };
    case 'string':
      return { name, type: AttrTypeEnum.STRING, s: v as string };
    case 'ints':
      return { name, type: AttrTypeEnum.INTS, ints: v as number[] };
    case 'floats':
      return (v as number[]).every((x) => Math.fround(x) === x) ? { name, type: AttrTypeEnum.FLOATS, floats: v as number[] } : { name, type: AttrTypeEnum.FLOAT64S, float64s: v as number[] };
    case 'bool':
      return { name, type: AttrTypeEnum.BOOLEAN, b: v as boolean };
    case 'bools':
      return { name, type: AttrTypeEnum.BOOLEANS, bools: v as boolean[] };
    case 'dtype':
      return { name, type: AttrTypeEnum.INT, i: PADDLE_DTYPE[v as DType] };
    case 'dtype_or_unset':
      return { name, type: AttrTypeEnum.INT, i: v === null ? -1 : PADDLE_DTYPE[v as DType] };
  }
}

const args = (slots: OpDescJson['inputs']): Record<string, string[]> =>
  Object.fromEntries((slots ?? []).map((s) => [s.parameter, s.arguments ?? []]).filter(([, a]) => (a as string[]).length > 0));

/** Builds a Program from a decoded ProgramDesc (block 0; the ops sagraph implements). */
export function programFromDesc(d: ProgramDescJson, what: string): Program {
  const blocks = d.blocks ?? [];
  if (blocks.length > 1) throw new UnsupportedOpError(`${what}: the program has ${blocks.length} blocks; sagraph reads single-block programs (no control flow) so far`);
  const bd = blocks[0];
  const ops = bd.ops ?? [];
  const p = new Program();
  const block = p.globalBlock();
  // what only a feed can provide: read, never written, not persistable (old files do not mark it)
  const written = new Set(ops.filter((o) => o.type !== 'feed').flatMap((o) => (o.outputs ?? []).flatMap((s) => s.arguments ?? [])));
  const fed = new Set(ops.filter((o) => o.type === 'feed').flatMap((o) => (o.outputs ?? []).flatMap((s) => s.arguments ?? [])));
  const read = new Set(ops.flatMap((o) => (o.inputs ?? []).flatMap((s) => s.arguments ?? [])));
  for (const v of bd.vars ?? []) {
    const t = v.type?.type;
    if (t === VarTypeEnum.FEED_MINIBATCH || t === VarTypeEnum.FETCH_LIST) continue;
    const desc = v.type?.lod_tensor?.tensor ?? v.type?.selected_rows ?? v.type?.tensor_array?.tensor;
    if (t !== VarTypeEnum.LOD_TENSOR || !desc) continue; // no tensor description: nothing sagraph computes with
    const o = {
      name: v.name,
      shape: (desc.dims ?? []).map(Number),
      dtype: dtypeFromPaddle(desc.data_type, `${what}: variable ${v.name}`),
      persistable: v.persistable ?? false,
      stopGradient: v.stop_gradient ?? false,
    };
    if (v.is_parameter) block.createParameter({ ...o, trainable: !o.stopGradient });
    else block.createVar({ ...o, isData: (v.need_check_feed ?? false) || fed.has(v.name) || (!o.persistable && read.has(v.name) && !written.has(v.name)) });
  }
  ops.forEach((op, i) => {
    const attrs = new Map((op.attrs ?? []).map((a) => [a.name, a]));
    const ins = args(op.inputs);
    const outs = args(op.outputs);
    if (op.type === 'feed' || op.type === 'fetch') {
      const col = attrValue(attrs.get('col'), 'int', 0, what) as number;
      const list = op.type === 'feed' ? p.feedTargetNames : p.fetchTargetNames;
      list[col] = (op.type === 'feed' ? outs.Out : ins.X)?.[0];
      return;
    }
    const role = (attrs.get('op_role')?.i as number | undefined) ?? 0;
    const type = ALIASES[op.type] ?? (op.type as OpType);
    const def = findOpDef(type as string) as AnyOpDef | undefined;
    const where = `${what}: op #${i} ${op.type}`;
    for (const [slot, names] of [...Object.entries(ins), ...Object.entries(outs)]) {
      for (const n of names) if (!block.hasVar(n)) throw new FileFormatError(`${where}: slot ${slot} names '${n}', which the block does not declare as a tensor`);
    }
    // an op sagraph does not implement, or uses in a way it does not, is kept as it is: it prints
    // and saves, and a run that needs it says so
    if (!def || Object.keys(ins).some((slot) => !def.inputs.some((s) => s.name === slot))) {
      block.appendForeignOp({ type: op.type, inputs: ins, outputs: outs, attrs: (op.attrs ?? []) as never, role });
      return;
    }
    const outputs = Object.fromEntries(Object.entries(outs).filter(([slot]) => def.outputs.some((s) => s.name === slot)));
    const values: Record<string, unknown> = {};
    for (const [name, kind] of Object.entries(def.paddleAttrs) as [string, PaddleAttrKind][]) {
      values[name] = attrValue(attrs.get(name), kind, (def.defaults as Record<string, unknown>)[name], where);
    }
    const fill = attrs.get('str_value')?.s;
    if (type === 'fill_constant' && fill) values.value = Number(fill);
    try {
      const made = block.appendOp({ type, inputs: ins, outputs, attrs: values as never, role });
      if (type !== op.type) made.paddleType = op.type;
    } catch (e) {
      // slots or attributes sagraph's definition does not accept (an older form of the op, say):
      // keep the op as it is, like one sagraph does not implement
      if (!(e instanceof ProgramError) || e instanceof FileFormatError) throw e;
      block.appendForeignOp({ type: op.type, inputs: ins, outputs: outs, attrs: (op.attrs ?? []) as never, role });
    }
  });
  return p;
}

/** The ProgramDesc of a program; feed/fetch ops are written for its feed and fetch targets. */
export function programToDesc(p: Program): ProgramDescJson {
  const block = p.globalBlock();
  const vars: VarDescJson[] = [];
  const feedFetch = p.feedTargetNames.length > 0 || p.fetchTargetNames.length > 0;
  if (feedFetch) {
    vars.push({ name: 'feed', type: { type: VarTypeEnum.FEED_MINIBATCH }, persistable: true });
    vars.push({ name: 'fetch', type: { type: VarTypeEnum.FETCH_LIST }, persistable: true });
  }
  for (const v of block.vars.values()) {
    const d: VarDescJson = { name: v.name, type: { type: VarTypeEnum.LOD_TENSOR, lod_tensor: { tensor: { data_type: PADDLE_DTYPE[v.dtype], dims: v.shape } } } };
    if (v.persistable) d.persistable = true;
    if (v.isData) d.need_check_feed = true;
    if (v instanceof Parameter) d.is_parameter = true;
    if (v.stopGradient) d.stop_gradient = true;
    vars.push(d);
  }
  const ops: OpDescJson[] = [];
  const role = (r: number): AttrDesc => ({ name: 'op_role', type: AttrTypeEnum.INT, i: r });
  p.feedTargetNames.forEach((n, col) => ops.push({ type: 'feed', inputs: [{ parameter: 'X', arguments: ['feed'] }], outputs: [{ parameter: 'Out', arguments: [n] }], attrs: [{ name: 'col', type: AttrTypeEnum.INT, i: col }, role(0)] }));
  for (const op of block.ops) {
    if (op.foreignAttrs) {
      const raw = (m: Readonly<Record<string, string[]>>) => Object.entries(m).map(([parameter, a]) => ({ parameter, arguments: [...a] }));
      ops.push({ type: op.type, inputs: raw(op.inputs), outputs: raw(op.outputs), attrs: op.foreignAttrs as unknown as AttrDesc[] });
      continue;
    }
    const def = findOpDef(op.type) as AnyOpDef;
    const slots = (specs: readonly { name: string }[], m: Readonly<Record<string, string[]>>) =>
      specs.filter((s) => m[s.name]?.length).map((s) => ({ parameter: s.name, arguments: [...m[s.name]] }));
    const attrs = (Object.entries(def.paddleAttrs) as [string, PaddleAttrKind][]).map(([name, kind]) => attrDesc(name, kind, (op.attrs as Record<string, unknown>)[name]));
    attrs.push(role(op.role));
    if (def.sagraphOnly) attrs.push({ name: 'sagraph_only', type: AttrTypeEnum.BOOLEAN, b: true });
    attrs.sort((a, b) => (a.name < b.name ? -1 : 1));
    ops.push({ type: op.paddleType ?? op.type, inputs: slots(def.inputs, op.inputs), outputs: slots(def.outputs, op.outputs), attrs });
  }
  p.fetchTargetNames.forEach((n, col) => ops.push({ type: 'fetch', inputs: [{ parameter: 'X', arguments: [n] }], outputs: [{ parameter: 'Out', arguments: ['fetch'] }], attrs: [{ name: 'col', type: AttrTypeEnum.INT, i: col }, role(0)] }));
  return { blocks: [{ idx: 0, parent_idx: -1, vars, ops }] };
}

export function parseProgram(bytes: Uint8Array, what = 'program'): Program {
  return programFromDesc(decodeProgramDesc(bytes, what), what);
}

export function serializeProgram(p: Program): Uint8Array {
  return encodeProgramDesc(programToDesc(p));
}

bindProgramCodec({ serialize: serializeProgram, parse: parseProgram });
