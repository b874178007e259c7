import type { DType } from './dtype';
import { isDType } from './dtype';
import { ArgumentError, DTypeError, ProgramError, ShapeError, UnsupportedOpError } from './errors';
import { ForeignAttr, Operator, SlotMap } from './operator';
import type { Program } from './program';
import { Parameter, ParameterOptions, Variable, VariableOptions } from './variable';
import type { InferCtx, OpAttrMap, OpType, VarInfo } from './ops/types';
import { findOpDef } from './ops/registry';
import { formatShape } from './shape';
import { DTYPE_SHORT } from './dtype';

export type SlotArg = string | Variable | (string | Variable)[];

export interface AppendOpOptions<K extends OpType> {
  type: K;
  inputs?: Record<string, SlotArg>;
  outputs?: Record<string, SlotArg>;
  attrs?: Partial<OpAttrMap[K]>;
  /** Defaults to the program's current role (see Program.roleGuard). */
  role?: number;
}

/** A list of ops over a set of variables. Programs built by the API have one block. */
export class Block {
  readonly program: Program;
  readonly idx: number;
  readonly parentIdx: number;
  readonly vars = new Map<string, Variable>();
  readonly ops: Operator[] = [];

  constructor(program: Program, idx: number, parentIdx: number) {
    this.program = program;
    this.idx = idx;
    this.parentIdx = parentIdx;
  }

  hasVar(name: string): boolean {
    return this.vars.has(name);
  }

  /** The variable called `name`; throws naming it when there is none. */
  var(name: string): Variable {
    const v = this.vars.get(name);
    if (!v) throw new ProgramError(`block ${this.idx}: no variable named '${name}'`);
    return v;
  }

  createVar(o: VariableOptions): Variable {
    this.checkNewVar(o);
    const v = new Variable(this, o);
    this.vars.set(o.name, v);
    this.program.bump();
    return v;
  }

  createParameter(o: ParameterOptions): Parameter {
    this.checkNewVar(o);
    const p = new Parameter(this, o);
    this.vars.set(o.name, p);
    this.program.bump();
    return p;
  }

  /** Makes a persistable variable (a weight read from a file without is_parameter) a parameter. */
  promoteToParameter(name: string, o: { trainable?: boolean } = {}): Parameter {
    const v = this.var(name);
    if (v instanceof Parameter) return v;
    if (!v.persistable) throw new ArgumentError(`block ${this.idx}: '${name}' is not persistable, so it cannot be a parameter`);
    const p = new Parameter(this, { name, shape: v.shape, dtype: v.dtype, trainable: o.trainable ?? true });
    this.vars.set(name, p);
    this.program.bump();
    return p;
  }

  /** Renames a variable everywhere in the block (its ops' slots included). */
  renameVar(oldName: string, newName: string): Variable {
    const v = this.var(oldName);
    if (this.vars.has(newName)) throw new ArgumentError(`block ${this.idx}: cannot rename '${oldName}' to '${newName}', which exists`);
    if (v instanceof Parameter) throw new ArgumentError(`block ${this.idx}: parameters cannot be renamed ('${oldName}')`);
    const nv = new Variable(this, { name: newName, shape: v.shape, dtype: v.dtype, persistable: v.persistable, stopGradient: v.stopGradient, isData: v.isData });
    this.vars.delete(oldName);
    this.vars.set(newName, nv);
    for (const op of this.ops) {
      for (const slots of [op.inputs, op.outputs] as Record<string, string[]>[]) {
        for (const names of Object.values(slots)) names.forEach((n, i) => n === oldName && (names[i] = newName));
      }
    }
    this.program.bump();
    return nv;
  }

  /** Removes a variable that no op uses any more. */
  removeVar(name: string): void {
    this.vars.delete(name);
    this.program.bump();
  }

  allParameters(): Parameter[] {
    return [...this.vars.values()].filter((v): v is Parameter => v instanceof Parameter);
  }

  private checkNewVar(o: VariableOptions): void {
    if (typeof o.name !== 'string' || o.name === '') throw new ArgumentError('a variable needs a non-empty name');
    if (this.vars.has(o.name)) throw new ArgumentError(`block ${this.idx}: a variable named '${o.name}' already exists`);
    if (!isDType(o.dtype)) throw new DTypeError(`variable '${o.name}': unknown dtype ${String(o.dtype)}`);
    if (!Array.isArray(o.shape) || o.shape.some((d) => !Number.isInteger(d) || d < -1)) {
      throw new ShapeError(`variable '${o.name}': shape ${JSON.stringify(o.shape)} must hold integers >= 0, or -1 for any size`);
    }
  }

  /** Appends an op after checking its slots and inferring its outputs' shapes and dtypes. */
  appendOp<K extends OpType>(o: AppendOpOptions<K>): Operator<K> {
    const op = this.makeOp(o);
    this.ops.push(op as unknown as Operator);
    try {
      inferOp(op, this, false);
    } catch (e) {
      this.ops.pop();
      throw e;
    }
    this.program.bump();
    return op;
  }

  /** Inserts an op at `index` (shapes inferred as for appendOp). */
  insertOp<K extends OpType>(index: number, o: AppendOpOptions<K>): Operator<K> {
    const op = this.makeOp(o);
    this.ops.splice(index, 0, op as unknown as Operator);
    try {
      inferOp(op, this, false);
    } catch (e) {
      this.ops.splice(index, 1);
      throw e;
    }
    this.program.bump();
    return op;
  }

  /**
   * Appends an op of a type sagraph does not implement, as read from a file: no shape inference,
   * its attributes kept raw. Programs holding such ops can be printed and written, not run.
   */
  appendForeignOp(o: { type: string; inputs: SlotMap; outputs: SlotMap; attrs: ForeignAttr[]; role?: number }): Operator {
    for (const [slot, names] of [...Object.entries(o.inputs), ...Object.entries(o.outputs)]) {
      for (const n of names) if (!this.vars.has(n)) throw new ProgramError(`${o.type} (appended at #${this.ops.length}): slot '${slot}' names '${n}', which is not a variable of block ${this.idx}`);
    }
    const op = new Operator(this, o.type as OpType, o.inputs, o.outputs, {} as never, o.role ?? this.program.currentRole, o.attrs);
    this.ops.push(op);
    this.program.bump();
    return op;
  }

  removeOp(index: number): void {
    this.ops.splice(index, 1);
    this.program.bump();
  }

  private makeOp<K extends OpType>(o: AppendOpOptions<K>): Operator<K> {
    const def = findOpDef(o.type);
    if (!def) throw new UnsupportedOpError(`unknown op type '${String(o.type)}'`);
    const where = `${o.type} (appended at #${this.ops.length})`;
    const toSlots = (args: Record<string, SlotArg> | undefined, specs: readonly { name: string; multi?: boolean; optional?: boolean }[], kind: string): SlotMap => {
      const out: SlotMap = {};
      const given = args ?? {};
      for (const key of Object.keys(given)) {
        if (!specs.some((s) => s.name === key)) {
          throw new ArgumentError(`${where}: no ${kind} slot '${key}' (expected ${specs.map((s) => s.name).join(', ') || 'none'})`);
        }
      }
      for (const s of specs) {
        const raw = given[s.name];
        const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
        const names = list.map((v) => (typeof v === 'string' ? v : v.name));
        if (names.length === 0 && !s.optional) throw new ArgumentError(`${where}: ${kind} slot '${s.name}' is required`);
        if (names.length > 1 && !s.multi) throw new ArgumentError(`${where}: ${kind} slot '${s.name}' takes one variable, ${names.length} given`);
        for (const n of names) {
          if (!this.vars.has(n)) throw new ProgramError(`${where}: ${kind} '${s.name}' names '${n}', which is not a variable of block ${this.idx}`);
        }
        if (names.length) out[s.name] = names;
      }
      return out;
    };
    const inputs = toSlots(o.inputs, def.inputs, 'input');
    const outputs = toSlots(o.outputs, def.outputs, 'output');
    const attrs = { ...def.defaults } as OpAttrMap[K];
    for (const [k, v] of Object.entries(o.attrs ?? {})) {
      if (!(k in def.defaults)) {
        throw new ArgumentError(`${where}: no attribute '${k}' (expected ${Object.keys(def.defaults).join(', ') || 'none'})`);
      }
      if (v !== undefined) (attrs as Record<string, unknown>)[k] = v;
    }
    return new Operator<K>(this, o.type, inputs, outputs, attrs, o.role ?? this.program.currentRole);
  }
}

export function describeVar(v: VarInfo): string {
  return `${v.name} ${DTYPE_SHORT[v.dtype]}${formatShape(v.shape)}`;
}

/**
 * Runs an op's shape inference against the block's variables and writes the results into its
 * output variables. Errors are re-thrown prefixed with the op and its inputs.
 */
export function inferOp<K extends OpType>(op: Operator<K>, block: Block, checkOnly: boolean): Map<string, VarInfo> {
  const def = findOpDef(op.type)!;
  const results = new Map<string, VarInfo>();
  const info = (name: string): VarInfo => {
    const v = block.var(name);
    return { name, shape: v.shape, dtype: v.dtype };
  };
  const ctx: InferCtx<K> = {
    attrs: op.attrs,
    runtime: false,
    input: (slot) => {
      const n = op.input(slot);
      if (n.length === 0) throw new ProgramError(`input '${slot}' is empty`);
      return info(n[0]);
    },
    maybeInput: (slot) => (op.input(slot).length ? info(op.input(slot)[0]) : undefined),
    inputs: (slot) => op.input(slot).map(info),
    outputCount: (slot) => op.output(slot).length,
    setOutput: (slot, shape, dtype: DType, index = 0) => {
      const name = op.output(slot)[index];
      if (name === undefined) return;
      results.set(name, { name, shape: [...shape], dtype });
    },
  };
  try {
    (def.infer as (c: InferCtx<K>) => void)(ctx);
  } catch (e) {
    throw prefixError(e, `${op.label}`, op.inputArgNames().map((n) => (block.hasVar(n) ? describeVar(info(n)) : n)));
  }
  if (!checkOnly) {
    for (const [name, r] of results) {
      const v = block.var(name);
      if (v.persistable && !compatible(v.shape, r.shape)) {
        throw new ShapeError(`${op.label}: output ${name} is declared ${formatShape(v.shape)} but the op produces ${formatShape(r.shape)}`);
      }
      if (v.persistable && v.dtype !== r.dtype) {
        throw new DTypeError(`${op.label}: output ${name} is declared ${v.dtype} but the op produces ${r.dtype}`);
      }
      v.shape = [...r.shape];
      v.dtype = r.dtype;
    }
  }
  return results;
}

function compatible(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i] || d === -1 || b[i] === -1);
}

/** Re-throws `e` with the same class and a message prefixed by the op and its inputs. */
export function prefixError(e: unknown, label: string, inputs: string[]): Error {
  if (e instanceof ProgramError) {
    const Ctor = e.constructor as new (m: string, ...rest: unknown[]) => ProgramError;
    const msg = `${label}: ${e.message}${inputs.length ? ` [inputs: ${inputs.join(', ')}]` : ''}`;
    try {
      const err = new Ctor(msg, (e as { missing?: unknown }).missing);
      return err;
    } catch {
      return new ProgramError(msg);
    }
  }
  return e as Error;
}
