/**
 * Gradient clipping (paddle.nn.ClipGradBy*): each strategy appends its ops (role optimize) to the
 * program and returns the new (param, grad) pairs. Parameters with needClip false pass untouched
 * and do not count in the global norm.
 */
import { applyOp, Target, Value } from '../program/builder';
import type { DType } from '../program/dtype';
import { ArgumentError } from '../program/errors';
import type { Parameter } from '../program/variable';
import type { EagerParameter } from '../eager/parameter';

/** A parameter with its gradient: static (Parameter, Variable) or eager (EagerParameter, Tensor). */
export type ParamGrad = [Parameter | EagerParameter, Value];

export abstract class ClipGradBase {
  /** Appends the clipping ops for `pairs` (gradients of `block`) and returns the clipped pairs. */
  abstract append(block: Target, pairs: ParamGrad[]): ParamGrad[];
  abstract toString(): string;
}

function finitePositive(v: unknown, what: string, owner: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ArgumentError(`${owner}: ${what} must be a finite number > 0, received ${String(v)}`);
  return v;
}

/** clamp(g, min, max); min defaults to -max. */
export class ClipGradByValue extends ClipGradBase {
  readonly max: number;
  readonly min: number;
  constructor(max: number, min?: number) {
    super();
    if (typeof max !== 'number' || !Number.isFinite(max)) throw new ArgumentError(`ClipGradByValue: max must be a finite number, received ${String(max)}`);
    if (min === undefined || min === null) {
      if (!(max > 0)) throw new ArgumentError(`ClipGradByValue: max must be > 0 when min is not given (min defaults to -max), received ${max}`);
      min = -max;
    }
    if (typeof min !== 'number' || !Number.isFinite(min) || min > max) throw new ArgumentError(`ClipGradByValue: min must be a finite number <= max (${max}), received ${String(min)}`);
    this.max = max;
    this.min = min;
  }
  append(block: Target, pairs: ParamGrad[]): ParamGrad[] {
    return pairs.map(([p, g]) => (p.needClip ? [p, applyOp(block, 'clip', { X: g }, { min: this.min, max: this.max })] : [p, g]));
  }
  toString(): string {
    return `ClipGradByValue(min=${this.min}, max=${this.max})`;
  }
}

/** Per tensor: g · clipNorm / ‖g‖ where ‖g‖ > clipNorm. */
export class ClipGradByNorm extends ClipGradBase {
  readonly clipNorm: number;
  constructor(clipNorm: number) {
    super();
    this.clipNorm = finitePositive(clipNorm, 'clipNorm', 'ClipGradByNorm');
  }
  append(block: Target, pairs: ParamGrad[]): ParamGrad[] {
    return pairs.map(([p, g]) => (p.needClip ? [p, applyOp(block, 'clip_by_norm', { X: g }, { max_norm: this.clipNorm })] : [p, g]));
  }
  toString(): string {
    return `ClipGradByNorm(clipNorm=${this.clipNorm})`;
  }
}

/**
 * Every clipped gradient scaled by clipNorm / max(global, clipNorm), where global = sqrt(Σ ‖g‖²)
 * over the clipped gradients, accumulated in float32 (float64 if any gradient is float64).
 */
export class ClipGradByGlobalNorm extends ClipGradBase {
  readonly clipNorm: number;
  constructor(clipNorm: number) {
    super();
    this.clipNorm = finitePositive(clipNorm, 'clipNorm', 'ClipGradByGlobalNorm');
  }
  append(block: Target, pairs: ParamGrad[]): ParamGrad[] {
    const clipped = pairs.filter(([p]) => p.needClip);
    if (clipped.length === 0) return pairs;
    const acc: DType = clipped.some(([, g]) => g.dtype === 'float64') ? 'float64' : 'float32';
    const asAcc = (v: Value): Value => (v.dtype === acc ? v : applyOp(block, 'cast', { X: v }, { in_dtype: v.dtype, out_dtype: acc }));
    const squares = clipped.map(([, g]) => asAcc(applyOp(block, 'squared_l2_norm', { X: g })));
    const total = squares.length === 1 ? squares[0] : applyOp(block, 'sum', { X: squares });
    const globalNorm = applyOp(block, 'sqrt', { X: total });
    const maxNorm = applyOp(block, 'fill_constant', {}, { shape: [1], dtype: acc, value: this.clipNorm });
    const denom = applyOp(block, 'elementwise_max', { X: globalNorm, Y: maxNorm });
    const scale = applyOp(block, 'elementwise_div', { X: maxNorm, Y: denom });
    const scaleFor = new Map<DType, Value>([[acc, scale]]);
    return pairs.map(([p, g]) => {
      if (!p.needClip) return [p, g];
      let s = scaleFor.get(g.dtype);
      if (!s) {
        s = applyOp(block, 'cast', { X: scale }, { in_dtype: acc, out_dtype: g.dtype });
        scaleFor.set(g.dtype, s);
      }
      return [p, applyOp(block, 'elementwise_mul', { X: g, Y: s })];
    });
  }
  toString(): string {
    return `ClipGradByGlobalNorm(clipNorm=${this.clipNorm})`;
  }
}
