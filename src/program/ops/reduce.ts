import { reduceGradKernel, reduceMaxKernel, reduceMeanKernel, reduceSumKernel, reducedDims, softmaxGradKernel, softmaxKernel, sumKernel } from '../../kernels/cpu/reduce';
import { formatShape, normAxis } from '../shape';
import { checkDType, checkSameDType, dimsAgree, FLOATS, shapeFail } from './check';
import type { InferCtx, OpDef, ReduceAttrs } from './types';

type ReduceGradType = `${ReduceType}_grad`;

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
    onnx(ctx) {
      const rank = ctx.inputVar('X').shape.length;
      const axes = reducedDims(ctx.attrs, rank);
      const keepdims = ctx.attrs.keep_dim ? 1 : 0;
      const x = ctx.input('X');
      if (axes.length === 0) ctx.node('Identity', [x], [ctx.output('Out')]);
      // opset 13 moved ReduceSum's axes to an input; ReduceMean and ReduceMax follow at 18
      else if (type === 'reduce_sum') ctx.node('ReduceSum', [x, ctx.ints(axes)], [ctx.output('Out')], { keepdims });
      else ctx.node(type === 'reduce_mean' ? 'ReduceMean' : 'ReduceMax', [x], [ctx.output('Out')], { axes, keepdims });
    },
    grad(g) {
      const inputs: Record<string, string> = { X: g.input('X')[0], 'Out@GRAD': g.outGrad('Out')! };
      if (type === 'reduce_max') inputs.Out = g.output('Out')[0];
      g.append(`${type}_grad` as ReduceGradType, inputs, { 'X@GRAD': g.inputGrad('X') }, { ...g.attrs } as never);
    },
  };
}

function reduceGradDef<G extends ReduceGradType>(type: G, mode: 'sum' | 'mean' | 'max'): OpDef<G> {
  return {
    type,
    inputs: mode === 'max' ? [{ name: 'X' }, { name: 'Out' }, { name: 'Out@GRAD' }] : [{ name: 'X' }, { name: 'Out@GRAD' }],
    outputs: [{ name: 'X@GRAD' }],
    defaults: { dim: [], keep_dim: false, reduce_all: false } as ReduceAttrs as OpDef<G>['defaults'],
    paddleAttrs: { dim: 'ints', keep_dim: 'bool', reduce_all: 'bool' } as OpDef<G>['paddleAttrs'],
    infer(ctx) {
      const x = ctx.input('X');
      checkDType(x, FLOATS, 'X');
      ctx.setOutput('X@GRAD', x.shape, x.dtype);
    },
    cpu: (k) => reduceGradKernel(k, mode),
    onnx(ctx) {
            const rank = ctx.inputVar('X').shape.length;
            const axes = reducedDims(ctx.attrs, rank);
            // the gradient (and for max the maximum) gets the reduced dims back (size 1), then spreads over them
            const restore = (v: string): string => (!ctx.attrs.keep_dim && axes.length ? ctx.node('Unsqueeze', [v, ctx.ints(axes)], 1)[0] : v);
            const g = restore(ctx.input('Out@GRAD'));
            const shape = ctx.node('Shape', [ctx.input('X')], 1)[0];
            if (mode === 'max') {
              // as the kernel: every element equal to the maximum receives the gradient
              const hit = ctx.node('Equal', [ctx.input('X'), restore(ctx.input('Out'))], 1)[0];
              const spread = ctx.node('Expand', [g, shape], 1)[0];
              ctx.node('Where', [hit, spread, ctx.scalar(0, ctx.inputVar('X').dtype)], [ctx.output('X@GRAD')]);
              return;
            }
            if (mode === 'sum') {
              ctx.node('Expand', [g, shape], [ctx.output('X@GRAD')]);
              return;
            }
            const spread = ctx.node('Expand', [g, shape], 1)[0];
            const count = ctx.node('ReduceProd', [ctx.node('Gather', [shape, ctx.ints(axes)], 1, { axis: 0 })[0]], 1, { keepdims: 0 })[0];
            ctx.node('Div', [spread, ctx.node('Cast', [count], 1, { to: ctx.onnxDType(ctx.inputVar('X').dtype) })[0]], [ctx.output('X@GRAD')]);
          },
  };
}

export const reduceGradOps = {
  reduce_mean_grad: reduceGradDef('reduce_mean_grad', 'mean'),
  reduce_sum_grad: reduceGradDef('reduce_sum_grad', 'sum'),
  reduce_max_grad: reduceGradDef('reduce_max_grad', 'max'),
};

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
  onnx: (ctx) => void ctx.node('Sum', [...Array(ctx.inputCount('X')).keys()].map((i) => ctx.input('X', i)), [ctx.output('Out')]),
  // Paddle's SumGradMaker: every input receives the output gradient (a scale by 1).
  grad(g) {
    g.input('X').forEach((_, i) => {
      if (g.needs('X', i)) g.append('scale', { X: g.outGrad('Out')! }, { Out: g.inputGrad('X', i) }, { scale: 1 });
    });
  },
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
    onnx: (ctx) => void ctx.node(type === 'softmax' ? 'Softmax' : 'LogSoftmax', [ctx.input('X')], [ctx.output('Out')], { axis: ctx.attrs.axis }),
    grad(g) {
      g.append(`${type}_grad` as `${K}_grad`, { Out: g.output('Out'), 'Out@GRAD': g.outGrad('Out')! }, { 'X@GRAD': g.inputGrad('X') }, { axis: g.attrs.axis });
    },
  };
}

function softmaxGradDef<G extends 'softmax_grad' | 'log_softmax_grad'>(type: G): OpDef<G> {
  return {
    type,
    inputs: [{ name: 'Out' }, { name: 'Out@GRAD' }],
    outputs: [{ name: 'X@GRAD' }],
    defaults: { axis: -1 } as OpDef<G>['defaults'],
    paddleAttrs: { axis: 'int' } as OpDef<G>['paddleAttrs'],
    infer(ctx) {
      const y = ctx.input('Out');
      checkDType(y, FLOATS, 'Out');
      ctx.setOutput('X@GRAD', y.shape, y.dtype);
    },
    cpu: (k) => softmaxGradKernel(k, type === 'log_softmax_grad'),
    onnx(ctx) {
      const y = ctx.input('Out');
      const g = ctx.input('Out@GRAD');
      const axes = ctx.ints([ctx.attrs.axis]);
      if (type === 'softmax_grad') {
        // y (g − Σ g y)
        const dot = ctx.node('ReduceSum', [ctx.node('Mul', [g, y], 1)[0], axes], 1, { keepdims: 1 })[0];
        ctx.node('Mul', [y, ctx.node('Sub', [g, dot], 1)[0]], [ctx.output('X@GRAD')]);
      } else {
        // g − exp(y) Σ g
        const total = ctx.node('ReduceSum', [g, axes], 1, { keepdims: 1 })[0];
        ctx.node('Sub', [g, ctx.node('Mul', [ctx.node('Exp', [y], 1)[0], total], 1)[0]], [ctx.output('X@GRAD')]);
      }
    },
  };
}

export const softmaxGrad = softmaxGradDef('softmax_grad');
export const logSoftmaxGrad = softmaxGradDef('log_softmax_grad');

export const softmax = softmaxDef('softmax');
export const logSoftmax = softmaxDef('log_softmax');
