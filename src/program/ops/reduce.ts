import { reduceMaxKernel, reduceMeanKernel, reduceSumKernel, reducedDims, softmaxKernel, sumKernel } from '../../kernels/cpu/reduce';
import { formatShape, normAxis } from '../shape';
import { checkDType, checkSameDType, dimsAgree, FLOATS, shapeFail } from './check';
import type { InferCtx, OpDef, ReduceAttrs } from './types';

type ReduceType = 'reduce_mean' | 'reduce_sum' | 'reduce_max';

function reduceDef<K extends ReduceType>(type: K, cpu: OpDef<K>['cpu'], dtypes: Parameters<typeof checkDType>[1]): OpDef<K> {
  return {
    type,
    inputs: [{ name: 'X' }],
    outputs: [{ name: 'Out' }],
    defaults: { dim: [], keep_dim: false, reduce_all: false } as ReduceAttrs as OpDef<K>['defaults'],
    paddleAttrs: { dim: 'ints', keep_dim: 'bool', reduce_all: 'bool' } as OpDef<K>['paddleAttrs'],
    infer(ctx: InferCtx<K>) {
      const x = ctx.input('X');
      checkDType(x, dtypes, 'X');
      const rank = x.shape.length;
      for (const d of ctx.attrs.dim) normAxis(d, rank, 'dim');
      const dims = reducedDims(ctx.attrs, rank);
      const out: number[] = [];
      x.shape.forEach((d, i) => {
        if (!dims.includes(i)) out.push(d);
        else if (ctx.attrs.keep_dim) out.push(1);
      });
      ctx.setOutput('Out', out, x.dtype);
    },
    cpu,
  };
}

const SUMMABLE = [...FLOATS, 'int32', 'int64'] as const;

export const reduceOps = {
  reduce_mean: reduceDef('reduce_mean', reduceMeanKernel, FLOATS),
  reduce_sum: reduceDef('reduce_sum', reduceSumKernel, SUMMABLE),
  reduce_max: reduceDef('reduce_max', reduceMaxKernel, SUMMABLE),
};

/** Paddle's `sum`: adds a list of same-shaped tensors (used to sum gradient contributions). */
export const sum: OpDef<'sum'> = {
  type: 'sum',
  inputs: [{ name: 'X', multi: true }],
  outputs: [{ name: 'Out' }],
  defaults: {},
  paddleAttrs: {},
  infer(ctx) {
    const xs = ctx.inputs('X');
    const first = xs[0];
    checkDType(first, SUMMABLE, 'X[0]');
    xs.forEach((x, i) => {
      checkSameDType(first, x, 'X[0]', `X[${i}]`);
      if (x.shape.length !== first.shape.length || !x.shape.every((d, j) => dimsAgree(d, first.shape[j]))) {
        shapeFail(`X[${i}] ${formatShape(x.shape)} differs from X[0] ${formatShape(first.shape)}`);
      }
    });
    ctx.setOutput('Out', first.shape, first.dtype);
  },
  cpu: sumKernel,
};

function softmaxDef<K extends 'softmax' | 'log_softmax'>(type: K): OpDef<K> {
  return {
    type,
    inputs: [{ name: 'X' }],
    outputs: [{ name: 'Out' }],
    defaults: { axis: -1 } as OpDef<K>['defaults'],
    paddleAttrs: { axis: 'int' } as OpDef<K>['paddleAttrs'],
    infer(ctx) {
      const x = ctx.input('X');
      checkDType(x, FLOATS, 'X');
      if (x.shape.length > 0) normAxis(ctx.attrs.axis, x.shape.length, 'axis');
      ctx.setOutput('Out', x.shape, x.dtype);
    },
    cpu: (k) => softmaxKernel(k, type === 'log_softmax'),
  };
}

export const softmax = softmaxDef('softmax');
export const logSoftmax = softmaxDef('log_softmax');
