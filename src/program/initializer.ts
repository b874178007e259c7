/**
 * Parameter initialisers (Paddle's nn.initializer). Each appends one op to the startup program;
 * Xavier and Kaiming compute their bounds from the parameter's fans at build time, as Paddle does.
 * Random ops draw from a generator seeded by the op's seed, or the program's randomSeed and the
 * op's position, so a program initialises identically for a given seed.
 */
import type { Block } from './block';
import type { DType } from './dtype';
import { ArgumentError } from './errors';

export interface InitTarget {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export interface Initializer {
  readonly kind: string;
  /** Appends the op that fills `v` (a persistable variable of `block`). */
  apply(v: InitTarget, block: Block): void;
}

function finite(x: unknown, what: string, owner: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new ArgumentError(`${owner}: ${what} must be a finite number, received ${String(x)}`);
  return x;
}

/** Paddle's _compute_fans. */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** Paddle's calculate_gain. */
export function calculateGain(nonlinearity: string, param?: number): number {
  switch (nonlinearity) {
    case 'sigmoid':
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'conv1d_transpose':
    case 'conv2d_transpose':
    case 'conv3d_transpose':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu':
      return Math.sqrt(2 / (1 + (param ?? 0.01) ** 2));
    case 'selu':
      return 3 / 4;
    default:
      throw new ArgumentError(`calculateGain: unknown nonlinearity '${nonlinearity}' (expected sigmoid, linear, conv*, tanh, relu, leaky_relu or selu)`);
  }
}

function checkShape(v: InitTarget, owner: string): void {
  if (v.shape.some((d) => d < 0)) throw new ArgumentError(`${owner}: parameter ${v.name} needs a concrete shape, has [${v.shape.join(',')}]`);
}

export class Constant implements Initializer {
  readonly kind = 'Constant';
  readonly value: number;
  constructor(o: { value?: number } = {}) {
    this.value = finite(o.value ?? 0, 'value', 'Constant');
  }
  apply(v: InitTarget, block: Block): void {
    checkShape(v, 'Constant');
    block.appendOp({ type: 'fill_constant', outputs: { Out: v.name }, attrs: { shape: [...v.shape], dtype: v.dtype, value: this.value } });
  }
}

export class Uniform implements Initializer {
  readonly kind = 'Uniform';
  readonly low: number;
  readonly high: number;
  constructor(o: { low?: number; high?: number } = {}) {
    this.low = finite(o.low ?? -1, 'low', 'Uniform');
    this.high = finite(o.high ?? 1, 'high', 'Uniform');
    if (this.low > this.high) throw new ArgumentError(`Uniform: low ${this.low} must not exceed high ${this.high}`);
  }
  apply(v: InitTarget, block: Block): void {
    checkShape(v, 'Uniform');
    block.appendOp({ type: 'uniform_random', outputs: { Out: v.name }, attrs: { shape: [...v.shape], dtype: v.dtype, min: this.low, max: this.high } });
  }
}

export class Normal implements Initializer {
  readonly kind = 'Normal';
  readonly mean: number;
  readonly std: number;
  constructor(o: { mean?: number; std?: number } = {}) {
    this.mean = finite(o.mean ?? 0, 'mean', 'Normal');
    this.std = finite(o.std ?? 1, 'std', 'Normal');
    if (this.std < 0) throw new ArgumentError(`Normal: std must be >= 0, received ${this.std}`);
  }
  apply(v: InitTarget, block: Block): void {
    checkShape(v, 'Normal');
    block.appendOp({ type: 'gaussian_random', outputs: { Out: v.name }, attrs: { shape: [...v.shape], dtype: v.dtype, mean: this.mean, std: this.std } });
  }
}

/** Normal truncated to [mean + a*std, mean + b*std] (a = -2, b = 2 by default, as Paddle). */
export class TruncatedNormal implements Initializer {
  readonly kind = 'TruncatedNormal';
  readonly mean: number;
  readonly std: number;
  readonly a: number;
  readonly b: number;
  constructor(o: { mean?: number; std?: number; a?: number; b?: number } = {}) {
    this.mean = finite(o.mean ?? 0, 'mean', 'TruncatedNormal');
    this.std = finite(o.std ?? 1, 'std', 'TruncatedNormal');
    this.a = finite(o.a ?? -2, 'a', 'TruncatedNormal');
    this.b = finite(o.b ?? 2, 'b', 'TruncatedNormal');
    if (this.std < 0) throw new ArgumentError(`TruncatedNormal: std must be >= 0, received ${this.std}`);
    if (!(this.a < this.b)) throw new ArgumentError(`TruncatedNormal: a (${this.a}) must be less than b (${this.b})`);
  }
  apply(v: InitTarget, block: Block): void {
    checkShape(v, 'TruncatedNormal');
    block.appendOp({
      type: 'truncated_gaussian_random',
      outputs: { Out: v.name },
      attrs: { shape: [...v.shape], dtype: v.dtype, mean: this.mean, std: this.std, a: this.a, b: this.b },
    });
  }
}

interface XavierOptions {
  fanIn?: number;
  fanOut?: number;
  gain?: number;
}

/** Uniform in ±gain·sqrt(6 / (fanIn + fanOut)). */
export class XavierUniform implements Initializer {
  readonly kind = 'XavierUniform';
  constructor(readonly o: XavierOptions = {}) {}
  apply(v: InitTarget, block: Block): void {
    checkShape(v, 'XavierUniform');
    const f = computeFans(v.shape);
    const fanIn = this.o.fanIn ?? f.fanIn;
    const fanOut = this.o.fanOut ?? f.fanOut;
    const limit = (this.o.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
    new Uniform({ low: -limit, high: limit }).apply(v, block);
  }
}

/** Normal with std gain·sqrt(2 / (fanIn + fanOut)). */
export class XavierNormal implements Initializer {
  readonly kind = 'XavierNormal';
  constructor(readonly o: XavierOptions = {}) {}
  apply(v: InitTarget, block: Block): void {
    checkShape(v, 'XavierNormal');
    const f = computeFans(v.shape);
    const fanIn = this.o.fanIn ?? f.fanIn;
    const fanOut = this.o.fanOut ?? f.fanOut;
    new Normal({ mean: 0, std: (this.o.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)) }).apply(v, block);
  }
}

interface KaimingOptions {
  fanIn?: number;
  negativeSlope?: number;
  nonlinearity?: string;
}

/** Uniform in ±gain·sqrt(3 / fanIn), gain from the nonlinearity (relu: sqrt 2). */
export class KaimingUniform implements Initializer {
  readonly kind = 'KaimingUniform';
  constructor(readonly o: KaimingOptions = {}) {
    calculateGain(o.nonlinearity ?? 'relu', o.negativeSlope);
  }
  apply(v: InitTarget, block: Block): void {
    checkShape(v, 'KaimingUniform');
    const fanIn = this.o.fanIn ?? computeFans(v.shape).fanIn;
    const gain = calculateGain(this.o.nonlinearity ?? 'relu', this.o.negativeSlope);
    const limit = gain * Math.sqrt(3 / fanIn);
    new Uniform({ low: -limit, high: limit }).apply(v, block);
  }
}

/** Normal with std gain / sqrt(fanIn). */
export class KaimingNormal implements Initializer {
  readonly kind = 'KaimingNormal';
  constructor(readonly o: KaimingOptions = {}) {
    calculateGain(o.nonlinearity ?? 'relu', o.negativeSlope);
  }
  apply(v: InitTarget, block: Block): void {
    checkShape(v, 'KaimingNormal');
    const fanIn = this.o.fanIn ?? computeFans(v.shape).fanIn;
    const gain = calculateGain(this.o.nonlinearity ?? 'relu', this.o.negativeSlope);
    new Normal({ mean: 0, std: gain / Math.sqrt(fanIn) }).apply(v, block);
  }
}
