/** Eager parameters: tensors that layers own and optimizers update. */
import { initializerOf, ParameterSpec } from '../program/builder';
import type { DType } from '../program/dtype';
import { ArgumentError } from '../program/errors';
import { Program } from '../program/program';
import { generate } from '../program/unique-name';
import { ParamAttr, Regularizer } from '../program/variable';
import { Tensor } from '../executor/tensor';
import { executeOp, nextInitializerSeed } from './execute';

export class EagerParameter extends Tensor {
  trainable: boolean;
  optimizeAttr: { learningRate: number };
  regularizer: Regularizer | null;
  needClip: boolean;

  constructor(name: string, value: Tensor, attr: ParamAttr) {
    super(value.dtype, value.shape, value.data);
    this.name = name;
    this.trainable = attr.trainable;
    this.stopGradient = !attr.trainable;
    this.optimizeAttr = { learningRate: attr.learningRate };
    this.regularizer = attr.regularizer;
    this.needClip = attr.needClip;
  }
}

/**
 * A parameter initialised eagerly with the same op (and the same seed) that a static layer puts in
 * its startup program, so an eager model and the static one start from the same values.
 */
export function createEagerParameter(o: ParameterSpec): EagerParameter {
  if (o.attr === false) throw new ArgumentError(`${o.layerName}: this parameter cannot be switched off`);
  const attr = o.attr instanceof ParamAttr ? o.attr : new ParamAttr(o.attr);
  const init = initializerOf(attr, o);
  const name = attr.name ?? generate(`${o.layerName}.${o.suffix}`);
  // the initialiser's one op, built in a scratch block and run here
  const scratch = new Program().globalBlock();
  scratch.createVar({ name, shape: o.shape, dtype: o.dtype, persistable: true });
  init.apply({ name, shape: o.shape, dtype: o.dtype }, scratch);
  const op = scratch.ops[0];
  const seed = nextInitializerSeed();
  const value = executeOp(op.type, {}, op.attrs as never, { Out: 1 }, { seed: (op.attrs as { seed?: number }).seed || seed, record: false }).Out[0];
  return new EagerParameter(name, value, attr);
}

/** toTensor(values, { dtype, stopGradient = true }): an eager tensor (Paddle's paddle.to_tensor). */
export function toTensor(values: Parameters<typeof Tensor.from>[0], o: { dtype?: DType; stopGradient?: boolean; shape?: number[] } = {}): Tensor {
  const t = Tensor.from(values, { dtype: o.dtype, shape: o.shape });
  t.stopGradient = o.stopGradient ?? true;
  return t;
}
