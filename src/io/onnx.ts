/**
 * ONNX export (SPEC §7): the ops between the feeds and the fetches, each lowered by its own ONNX
 * mapping (the `onnx` rule of its op definition), parameters as initializers, the batch dim kept
 * symbolic. IR version 8 and opset 17: what onnx-proto's schema, Debian's onnx checker and ONNX
 * Runtime 1.30 all accept.
 */
import { onnx } from 'onnx-proto';
import type { Block } from '../program/block';
import type { DType } from '../program/dtype';
import { ArgumentError, MissingFeedError, UnsupportedOpError } from '../program/errors';
import type { Operator } from '../program/operator';
import { findOpDef, listOpTypes } from '../program/ops/registry';
import type { OnnxAttr, OnnxCtx, OpType } from '../program/ops/types';
import type { Program } from '../program/program';
import { Variable } from '../program/variable';
import { selectOps } from '../executor/prune';
import { globalScope, type Scope } from '../executor/scope';

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

export interface ExportOnnxOptions {
  feeds: readonly (string | Variable)[];
  fetches: readonly (string | Variable)[];
  /** The whole training step (forward, backward, clip, decay, ASGD update) as one graph. */
  training?: boolean;
  /** Where the parameters' values come from (the global scope by default). */
  scope?: Scope;
  /** The graph's name (`sagraph` by default). */
  name?: string;
}

const ONNX_DTYPE: Record<DType, number> = {
  float16: onnx.TensorProto.DataType.FLOAT16,
  bfloat16: onnx.TensorProto.DataType.BFLOAT16,
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
};

const nameOf = (v: string | Variable): string => (v instanceof Variable ? v.name : v);

/** Little-endian bytes of a typed array (the layout ONNX's raw_data holds). */
function rawBytes(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

function scalarBytes(value: number, dtype: DType): Uint8Array {
  switch (dtype) {
    case 'float32':
      return rawBytes(Float32Array.of(value));
    case 'float64':
      return rawBytes(Float64Array.of(value));
    case 'int32':
      return rawBytes(Int32Array.of(value));
    case 'int64':
      return rawBytes(BigInt64Array.of(BigInt(Math.trunc(value))));
    case 'bool':
    case 'uint8':
      return Uint8Array.of(value);
    case 'int8':
      return rawBytes(Int8Array.of(value));
    default:
      throw new UnsupportedOpError(`exportOnnx: a ${dtype} constant is not supported (float32, float64 and the integer types are)`);
  }
}

function attribute(name: string, v: OnnxAttr, where: string): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new ArgumentError(`${where}: attribute ${name} = ${v} must be an integer (mark floats as { float })`);
    return { name, type: T.INT, i: v };
  }
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.FLOATS, floats: v.floats };
}

function valueInfo(name: string, dtype: DType, shape: readonly number[]): onnx.IValueInfoProto {
  // unknown dims stay symbolic: the leading one is the batch, shared by every input and output
  const dim = shape.map((d, i) => (d >= 0 ? { dimValue: d } : { dimParam: i === 0 ? 'batch' : `${name}_dim${i}` }));
  return { name, type: { tensorType: { elemType: ONNX_DTYPE[dtype], shape: { dim } } } };
}

/**
 * Builds the ONNX model of a program's global block. Throws UnsupportedOpError naming the op where
 * an op has no ONNX mapping (or an attribute combination its mapping does not cover).
 */
export function exportOnnx(program: Program, o: ExportOnnxOptions): onnx.ModelProto {
  const block = program.globalBlock();
  const scope = o.scope ?? globalScope();
  const feeds = o.feeds.map(nameOf);
  const fetches = o.fetches.map(nameOf);
  if (fetches.length === 0) throw new ArgumentError('exportOnnx: fetches is empty; name at least one variable to compute');
  for (const n of [...feeds, ...fetches]) {
    if (!block.hasVar(n)) throw new ArgumentError(`exportOnnx: no variable '${n}' in the program's global block`);
  }
  const feedSet = new Set(feeds);
  for (const [what, list] of [['feeds', feeds], ['fetches', fetches]] as const) {
    const twice = list.find((n, i) => list.indexOf(n) !== i);
    if (twice !== undefined) throw new ArgumentError(`exportOnnx: '${twice}' is listed twice in ${what}`);
  }
  // pruned as a run prunes: with training, the optimize ops come along as they do when the loss is fetched
  const ops = selectOps(block, feedSet, { vars: fetches, ops: [] }, true, scope, { optimizer: o.training ?? false });
  const g = new GraphBuilder(block, scope, feedSet, o.training ?? false);
  ops.forEach((op) => g.lower(op, block.ops.indexOf(op)));
  for (const n of fetches) g.output(n);
  const graph = g.finish(o.name ?? 'sagraph', feeds);
  return onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'sagraph',
    graph,
  });
}

/** The serialized model (what `sagraph export-onnx` writes). */
export function encodeOnnx(model: onnx.ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Holds the graph being written. ONNX values are assigned once, a Paddle variable may be written
 * by several ops: each write gets a fresh value name, and `current` maps a variable to its latest.
 */
class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly initialized = new Set<string>();
  private readonly current = new Map<string, string>();
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();
  /** Training export: the persistable variables read, in order; graph inputs, and outputs as `<name>.next`. */
  private readonly state: onnx.IValueInfoProto[] = [];
  private counter = 0;

  constructor(
    private readonly block: Block,
    private readonly scope: Scope,
    feeds: ReadonlySet<string>,
    private readonly training: boolean,
  ) {
    for (const n of feeds) {
      this.current.set(n, n);
      this.used.add(n);
    }
  }

  private fresh(base: string): string {
    let name = base;
    while (this.used.has(name)) name = `${base}.${++this.counter}`;
    this.used.add(name);
    return name;
  }

  /**
   * The value a read of variable `name` sees: the latest write, or else the scope's value, as an
   * initializer (inference) or as a state input named as the variable (training).
   */
  private read(name: string, where: string): string {
    const cur = this.current.get(name);
    if (cur !== undefined) return cur;
    const v = this.block.hasVar(name) ? this.block.var(name) : undefined;
    const t = v?.persistable ? this.scope.findVar(name) : undefined;
    if (t === undefined) {
      throw new MissingFeedError(
        v?.persistable
          ? `exportOnnx: ${where} reads '${name}', which is not initialised in the scope (run the startup program first, or load the parameters)`
          : `exportOnnx: ${where} reads '${name}', which is neither fed nor computed (add it to feeds)`,
        [name],
      );
    }
    this.used.add(name);
    this.current.set(name, name);
    if (this.training) {
      this.state.push(valueInfo(name, t.dtype, t.shape));
      return name;
    }
    this.initialized.add(name);
    this.initializers.push({ name, dims: t.shape, dataType: ONNX_DTYPE[t.dtype], rawData: rawBytes(t.data) });
    return name;
  }

  lower(op: Operator, index: number): void {
    const label = `op #${index} ${op.paddleType ?? op.type}`;
    const def = op.isForeign ? undefined : findOpDef(op.type);
    if (!def?.onnx) {
      const hint = def?.sagraphOnly ? "; it is made by sagraph's fuse_optimizer pass: export the program before the pass (sagraph compile --no-fuse)" : '';
      throw new UnsupportedOpError(`exportOnnx: ${label} has no ONNX mapping${hint} (ops with one: ${onnxOpTypes().join(', ')})`);
    }
    const pending = new Map<string, string>();
    const self = this;
    const slotName = (map: Readonly<Record<string, string[]>>, slot: string, i: number, kind: string): string => {
      const names = map[slot];
      if (!names || i >= names.length) throw new UnsupportedOpError(`exportOnnx: ${label} has no ${kind} ${slot}[${i}]`);
      return names[i];
    };
    const ctx: OnnxCtx<OpType> = {
      attrs: op.attrs,
      label,
      has: (slot) => (op.inputs[slot]?.length ?? 0) > 0,
      hasOutput: (slot) => (op.outputs[slot]?.length ?? 0) > 0,
      input: (slot, i = 0) => self.read(slotName(op.inputs, slot, i, 'input'), label),
      inputVar(slot, i = 0) {
        const v = self.block.var(slotName(op.inputs, slot, i, 'input'));
        return { shape: v.shape, dtype: v.dtype };
      },
      inputCount: (slot) => op.inputs[slot]?.length ?? 0,
      output(slot, i = 0) {
        const name = slotName(op.outputs, slot, i, 'output');
        let value = pending.get(name);
        if (value === undefined) {
          value = self.fresh(name);
          pending.set(name, value);
        }
        return value;
      },
      outputs: (slot) => (op.outputs[slot] ?? []).map((_, i) => ctx.output(slot, i)),
      onnxDType: (dtype) => ONNX_DTYPE[dtype],
      node(opType, inputs, outputs = 1, attrs = {}) {
        const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => self.fresh(`${op.type}_${index}.${opType}`)) : [...outputs];
        self.nodes.push({
          opType,
          name: self.fresh(`${op.type}_${index}/${opType}`),
          input: [...inputs],
          output: outs,
          attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v, label)),
        });
        return outs;
      },
      ints: (values) => self.constant(rawBytes(BigInt64Array.from(values.map((v) => BigInt(v)))), 'int64', [values.length]),
      scalar: (value, dtype) => self.constant(scalarBytes(value, dtype), dtype, []),
      unsupported(why): never {
        throw new UnsupportedOpError(`exportOnnx: ${label}: ${why}`);
      },
    };
    def.onnx(ctx as never);
    // the writes become visible only after the op, so an op that reads and writes a variable reads the old value
    for (const [name, value] of pending) this.current.set(name, value);
  }

  /** A constant initializer, shared by every use of the same value. */
  private constant(bytes: Uint8Array, dtype: DType, dims: number[]): string {
    const key = `${dtype}:${dims.join(',')}:${Buffer.from(bytes).toString('hex')}`;
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const name = this.fresh(`const.${this.constants.size}`);
    this.constants.set(key, name);
    this.initializers.push({ name, dims, dataType: ONNX_DTYPE[dtype], rawData: bytes });
    return name;
  }

  /** Declares a fetch as a graph output named as the variable. */
  output(name: string): void {
    const value = this.read(name, `fetch '${name}'`);
    const v = this.block.var(name);
    // the first write of a variable takes its plain name; a later one cannot be an output named as the variable
    if (value !== name) throw new UnsupportedOpError(`exportOnnx: fetch '${name}' is written more than once; fetch a variable written once`);
    if (this.initialized.has(name)) {
      // a fetched parameter: ONNX outputs must come from nodes
      const out = `${name}.out`;
      this.nodes.push({ opType: 'Identity', name: this.fresh(`fetch/${name}`), input: [name], output: [out] });
      this.outputs.push(valueInfo(out, v.dtype, v.shape));
      return;
    }
    this.outputs.push(valueInfo(value, v.dtype, v.shape));
  }

  finish(name: string, feeds: readonly string[]): onnx.IGraphProto {
    // the state's values after the step, unchanged ones included, so every output feeds back as it is
    for (const v of this.state) {
      const next = `${v.name}.next`;
      if (this.used.has(next)) throw new ArgumentError(`exportOnnx: a variable is named '${next}', the name of ${v.name}'s next value`);
      this.used.add(next);
      this.nodes.push({ opType: 'Identity', name: this.fresh(`next/${v.name}`), input: [this.current.get(v.name!)!], output: [next] });
      this.outputs.push({ ...v, name: next });
    }
    // drop the nodes no output depends on (a mapping's side outputs, such as batch_norm's MeanOut)
    const live = new Set(this.outputs.map((x) => x.name));
    const kept: onnx.INodeProto[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const nd = this.nodes[i];
      if (!nd.output!.some((n) => live.has(n))) continue;
      kept.push(nd);
      for (const n of nd.input!) live.add(n);
    }
    kept.reverse();
    return {
      name,
      node: kept,
      input: [
        ...feeds.map((n) => {
          const v = this.block.var(n);
          return valueInfo(n, v.dtype, v.shape);
        }),
        ...this.state,
      ],
      output: this.outputs,
      initializer: this.initializers.filter((t) => live.has(t.name!)),
    };
  }
}

/** The op types an export can contain, for the error that names an op without a mapping. */
function onnxOpTypes(): string[] {
  return listOpTypes().filter((t) => findOpDef(t).onnx !== undefined);
}
