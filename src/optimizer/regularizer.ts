/**
 * Weight-decay regularisers (paddle.regularizer): after clipping, the gradient that enters the
 * optimizer becomes g + c·x (L2Decay) or g + c·sign(x) (L1Decay).
 */
import { applyOp, Target, Value } from '../program/builder';
import { ArgumentError } from '../program/errors';
import type { Parameter, Regularizer } from '../program/variable';
import type { EagerParameter } from '../eager/parameter';

abstract class Decay implements Regularizer {
  abstract readonly kind: 'L1' | 'L2';
  readonly coeff: number;
  constructor(coeff = 0) {
    if (typeof coeff !== 'number' || !Number.isFinite(coeff) || coeff < 0) {
      throw new ArgumentError(`${new.target.name}: coeff must be a finite number >= 0, received ${String(coeff)}`);
    }
    this.coeff = coeff;
  }
  toString(): string {
    return `${this.kind}Decay(coeff=${this.coeff})`;
  }
}

export class L2Decay extends Decay {
  readonly kind = 'L2' as const;
}

export class L1Decay extends Decay {
  readonly kind = 'L1' as const;
}

export function isRegularizer(x: unknown): x is Regularizer {
  return x instanceof Decay;
}

/** Appends g + c·x (L2) or g + c·sign(x) (L1) with Paddle's ops (scale, sign, sum). */
export function appendRegularization<V extends Value>(block: Target, param: Parameter | EagerParameter, grad: V, reg: Regularizer): V {
  const source: Value = reg.kind === 'L1' ? applyOp(block, 'sign', { X: param }) : param;
  const decay: Value = applyOp(block, 'scale', { X: source }, { scale: reg.coeff });
  return applyOp<V, 'sum'>(block, 'sum', { X: [grad, decay] });
}
