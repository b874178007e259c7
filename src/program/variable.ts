import type { DType } from './dtype';
import type { Block } from './block';
import type { Initializer } from './initializer';
import { ArgumentError } from './errors';

/** A weight-decay regulariser set on a parameter (L1Decay / L2Decay implement it). */
export interface Regularizer {
  readonly kind: 'L1' | 'L2';
  readonly coeff: number;
}

/** Operator sugar on variables (x.add(y)), bound by the ops module to avoid an import cycle. */
export interface VariableArith {
  add(x: Variable, y: Variable | number): Variable;
  sub(x: Variable, y: Variable | number): Variable;
  mul(x: Variable, y: Variable | number): Variable;
  div(x: Variable, y: Variable | number): Variable;
  matmul(x: Variable, y: Variable): Variable;
}

let arith: VariableArith | undefined;
export function bindVariableArith(a: VariableArith): void {
  arith = a;
}
function sugar(): VariableArith {
  if (!arith) throw new Error('sagraph: the ops module is not loaded');
  return arith;
}

export interface VariableOptions {
  name: string;
  shape: readonly number[];
  dtype: DType;
  persistable?: boolean;
  stopGradient?: boolean;
  /** A `data` variable: its feed is checked against shape and dtype (Paddle's need_check_feed). */
  isData?: boolean;
}

/** A named value in a block. Code refers to variables by object; names are unique within a program. */
export class Variable {
  readonly name: string;
  readonly block: Block;
  private _shape: number[];
  private _dtype: DType;
  private _persistable: boolean;
  private _stopGradient: boolean;
  readonly isData: boolean;

  constructor(block: Block, o: VariableOptions) {
    this.block = block;
    this.name = o.name;
    this._shape = [...o.shape];
    this._dtype = o.dtype;
    this._persistable = o.persistable ?? false;
    this._stopGradient = o.stopGradient ?? false;
    this.isData = o.isData ?? false;
  }

  get shape(): number[] {
    return [...this._shape];
  }
  set shape(s: number[]) {
    this._shape = [...s];
    this.block.program.bump();
  }
  get dtype(): DType {
    return this._dtype;
  }
  set dtype(d: DType) {
    this._dtype = d;
    this.block.program.bump();
  }
  get persistable(): boolean {
    return this._persistable;
  }
  set persistable(p: boolean) {
    this._persistable = p;
    this.block.program.bump();
  }
  get stopGradient(): boolean {
    return this._stopGradient;
  }
  set stopGradient(s: boolean) {
    this._stopGradient = s;
    this.block.program.bump();
  }

  get isParameter(): boolean {
    return false;
  }

  add(o: Variable | number): Variable {
    return sugar().add(this, o);
  }
  sub(o: Variable | number): Variable {
    return sugar().sub(this, o);
  }
  mul(o: Variable | number): Variable {
    return sugar().mul(this, o);
  }
  div(o: Variable | number): Variable {
    return sugar().div(this, o);
  }
  matmul(o: Variable): Variable {
    return sugar().matmul(this, o);
  }

  toString(): string {
    return `${this.name} : ${this._dtype}[${this._shape.join(',')}]`;
  }
}

export interface ParameterOptions extends VariableOptions {
  trainable?: boolean;
  learningRate?: number;
  regularizer?: Regularizer | null;
  needClip?: boolean;
  initializer?: Initializer;
}

/** A persistable, trainable variable: a weight. */
export class Parameter extends Variable {
  trainable: boolean;
  /** Per-parameter options the optimizer reads; learningRate multiplies the base rate. */
  optimizeAttr: { learningRate: number };
  regularizer: Regularizer | null;
  needClip: boolean;
  readonly initializer: Initializer | undefined;

  constructor(block: Block, o: ParameterOptions) {
    super(block, { ...o, persistable: true, stopGradient: o.trainable === false });
    this.trainable = o.trainable ?? true;
    this.optimizeAttr = { learningRate: o.learningRate ?? 1 };
    this.regularizer = o.regularizer ?? null;
    this.needClip = o.needClip ?? true;
    this.initializer = o.initializer;
  }

  override get isParameter(): boolean {
    return true;
  }
}

export interface ParamAttrOptions {
  name?: string;
  initializer?: Initializer;
  learningRate?: number;
  regularizer?: Regularizer | null;
  trainable?: boolean;
  needClip?: boolean;
}

/** How a layer should create a parameter (Paddle's ParamAttr). */
export class ParamAttr {
  readonly name: string | undefined;
  readonly initializer: Initializer | undefined;
  readonly learningRate: number;
  readonly regularizer: Regularizer | null;
  readonly trainable: boolean;
  readonly needClip: boolean;

  constructor(o: ParamAttrOptions = {}) {
    if (o.learningRate !== undefined && !(typeof o.learningRate === 'number' && Number.isFinite(o.learningRate) && o.learningRate >= 0)) {
      throw new ArgumentError(`ParamAttr: learningRate must be a finite number >= 0, received ${String(o.learningRate)}`);
    }
    if (o.name !== undefined && (typeof o.name !== 'string' || o.name === '')) {
      throw new ArgumentError(`ParamAttr: name must be a non-empty string, received ${JSON.stringify(o.name)}`);
    }
    this.name = o.name;
    this.initializer = o.initializer;
    this.learningRate = o.learningRate ?? 1;
    this.regularizer = o.regularizer ?? null;
    this.trainable = o.trainable ?? true;
    this.needClip = o.needClip ?? true;
  }
}
