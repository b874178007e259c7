/**
 * What layers and ops use to add themselves to a program (Paddle's LayerHelper): output variables
 * named `<layer>_N.tmp_K`, parameters in the main program with their initialisers in the startup
 * program.
 */
import type { Block, SlotArg } from './block';
import type { DType } from './dtype';
import { ArgumentError, ProgramError } from './errors';
import { Constant, Initializer, XavierUniform } from './initializer';
import type { OpAttrMap, OpType } from './ops/types';
import { defaultMainProgram, defaultStartupProgram } from './program';
import { generate } from './unique-name';
import { ParamAttr, ParamAttrOptions, Parameter, Variable } from './variable';
import { Tensor } from '../executor/tensor';
import { EagerSlots, executeOp } from '../eager/execute';

function what(x: unknown): string {
  return x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x === 'object' ? (x as object).constructor?.name ?? 'an object' : typeof x;
}

export function asVar(x: unknown, fn: string, arg: string): Variable {
  if (x instanceof Variable) return x;
  throw new ArgumentError(`${fn}: ${arg} must be a Variable, received ${what(x)}`);
}

/** A static variable or an eager tensor: what ops.* take. */
export type Value = Variable | Tensor;

export function asValue<V extends Value>(x: V, fn: string, arg: string): V {
  if (x instanceof Variable || x instanceof Tensor) return x;
  throw new ArgumentError(`${fn}: ${arg} must be a Variable or a Tensor, received ${what(x)}`);
}

/** Where an op goes: the block of static variables, or eager execution for tensors. */
export const EAGER = Symbol('eager');
export type Target = Block | typeof EAGER;

/** The target of an op on `xs`; mixing eager tensors with static variables is an error. */
export function targetOf(fn: string, ...xs: Value[]): Target {
  const eager = xs.filter((x) => x instanceof Tensor);
  if (eager.length === xs.length) return EAGER;
  if (eager.length > 0) {
    const v = xs.find((x) => x instanceof Variable) as Variable;
    throw new ArgumentError(`${fn}: cannot mix eager Tensors (${(eager[0] as Tensor).name}) with static Variables (${v.name}); use toTensor values in eager code, data()/layers in a program`);
  }
  return blockOf(...(xs as Variable[]));
}

/** The block ops on `x` go into: the block x belongs to. */
export function blockOf(...xs: Variable[]): Block {
  const b = xs[0].block;
  for (const x of xs) {
    if (x.block.program !== b.program) {
      throw new ProgramError(`variables ${xs[0].name} and ${x.name} belong to different programs; build them under one programGuard`);
    }
  }
  return b;
}

/** A new temporary named `<layer>.tmp_K`; its shape and dtype come from the op that writes it. */
export function createTemp(block: Block, layerName: string): Variable {
  return block.createVar({ name: generate(`${layerName}.tmp`), shape: [], dtype: 'float32' });
}

export interface AppendResult {
  [slot: string]: Variable[];
}

export type ValueResult<V> = Record<string, V[]>;

/**
 * Appends an op whose outputs are new temporaries. `outputs` lists each output slot with the
 * number of variables it gets.
 */
export function appendWithOutputs<K extends OpType>(
  target: Target,
  type: K,
  inputs: Record<string, SlotArg | Tensor | Tensor[]>,
  attrs: Partial<OpAttrMap[K]>,
  outputs: Record<string, number>,
  layerName?: string,
): AppendResult {
  if (target === EAGER) return executeOp(type, inputs as EagerSlots, attrs, outputs) as unknown as AppendResult;
  const block = target;
  const prefix = layerName ?? generate(type);
  const made: AppendResult = {};
  const created: Variable[] = [];
  for (const [slot, n] of Object.entries(outputs)) {
    made[slot] = [];
    for (let i = 0; i < n; i++) {
      const v = createTemp(block, prefix);
      made[slot].push(v);
      created.push(v);
    }
  }
  try {
    block.appendOp({ type, inputs: inputs as Record<string, SlotArg>, outputs: made, attrs });
  } catch (e) {
    for (const v of created) block.removeVar(v.name);
    throw e;
  }
  return made;
}

export function appendSimple<K extends OpType>(block: Block, type: K, inputs: Record<string, SlotArg>, attrs: Partial<OpAttrMap[K]> = {}, outSlot = 'Out'): Variable {
  return appendWithOutputs(block, type, inputs, attrs, { [outSlot]: 1 })[outSlot][0];
}

/** appendSimple for a static or an eager target: the result is a Variable or a Tensor accordingly. */
export function applyOp<V extends Value, K extends OpType>(target: Target, type: K, inputs: Record<string, Value | Value[]>, attrs: Partial<OpAttrMap[K]> = {}, outSlot = 'Out'): V {
  return appendWithOutputs(target, type, inputs as Record<string, SlotArg>, attrs, { [outSlot]: 1 })[outSlot][0] as unknown as V;
}

export type ParamAttrArg = ParamAttr | ParamAttrOptions | false | undefined;

function toParamAttr(a: ParamAttrArg): ParamAttr | undefined {
  if (a === false || a === undefined) return undefined;
  return a instanceof ParamAttr ? a : new ParamAttr(a);
}

/** What a layer asks for when it makes a parameter (static or eager). */
export interface ParameterSpec {
  attr: ParamAttrArg;
  shape: number[];
  dtype: DType;
  layerName: string;
  suffix: 'w' | 'b';
  defaultInitializer?: Initializer;
}

/** The attribute's initialiser, else the layer's default, else Paddle's: Constant(0) for biases, Xavier. */
export function initializerOf(attr: ParamAttr, o: ParameterSpec): Initializer {
  return attr.initializer ?? o.defaultInitializer ?? (o.suffix === 'b' ? new Constant({ value: 0 }) : new XavierUniform());
}

/**
 * Creates (or, for a ParamAttr naming an existing parameter, shares) a parameter in the default
 * main program, and its initialiser in the default startup program.
 */
export function createParameter(o: ParameterSpec): Parameter {
  const attr = toParamAttr(o.attr) ?? new ParamAttr();
  const main = defaultMainProgram().globalBlock();
  const startup = defaultStartupProgram().globalBlock();
  if (o.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ArgumentError(`${o.layerName}: parameter shape [${o.shape.join(',')}] must be concrete; give the input's feature dims a fixed size`);
  }
  const name = attr.name ?? generate(`${o.layerName}.${o.suffix}`);
  const existing = main.vars.get(name);
  if (existing) {
    if (!(existing instanceof Parameter)) throw new ArgumentError(`${o.layerName}: '${name}' exists and is not a parameter`);
    if (existing.shape.join(',') !== o.shape.join(',') || existing.dtype !== o.dtype) {
      throw new ArgumentError(`${o.layerName}: parameter '${name}' is shared but exists as ${existing.dtype}[${existing.shape}] and is requested as ${o.dtype}[${o.shape}]`);
    }
    return existing;
  }
  const init = initializerOf(attr, o);
  const p = main.createParameter({
    name,
    shape: o.shape,
    dtype: o.dtype,
    trainable: attr.trainable,
    learningRate: attr.learningRate,
    regularizer: attr.regularizer,
    needClip: attr.needClip,
    initializer: init,
  });
  if (!startup.hasVar(name)) {
    const sv = startup.createVar({ name, shape: o.shape, dtype: o.dtype, persistable: true });
    init.apply(sv, startup);
  }
  return p;
}

/** A persistable, non-trainable state variable (batch-norm statistics) with its initialiser. */
export function createPersistableState(name: string, shape: number[], dtype: DType, value: number): Parameter {
  return createParameter({
    attr: new ParamAttr({ name, initializer: new Constant({ value }), trainable: false }),
    shape,
    dtype,
    layerName: name,
    suffix: 'w',
  });
}
