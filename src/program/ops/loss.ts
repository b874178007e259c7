import { accuracyKernel, softmaxCrossEntropyGradKernel, softmaxCrossEntropyKernel, topKKernel } from '../../kernels/cpu/loss';
import { formatShape, normAxis } from '../shape';
import { checkDType, checkSameDType, dimsAgree, FLOATS, INDEX, shapeFail } from './check';
import type { OpDef } from './types';

export const softmaxWithCrossEntropy: OpDef<'softmax_with_cross_entropy'> = {
  type: 'softmax_with_cross_entropy',
  inputs: [{ name: 'Logits' }, { name: 'Label' }],
  outputs: [{ name: 'Softmax' }, { name: 'Loss' }],
  defaults: { soft_label: false, use_softmax: true, numeric_stable_mode: true, ignore_index: -100, axis: -1 },
  paddleAttrs: { soft_label: 'bool', use_softmax: 'bool', numeric_stable_mode: 'bool', ignore_index: 'int', axis: 'int' },
  infer(ctx) {
    const logits = ctx.input('Logits');
    const label = ctx.input('Label');
    checkDType(logits, FLOATS, 'Logits');
    const rank = logits.shape.length;
    if (rank === 0) shapeFail('Logits must have rank >= 1');
    const axis = normAxis(ctx.attrs.axis, rank, 'axis');
    if (label.shape.length !== rank) {
      shapeFail(`Label ${formatShape(label.shape)} must have the rank of Logits ${formatShape(logits.shape)} (for hard labels, size 1 at axis ${axis})`);
    }
    if (ctx.attrs.soft_label) {
      checkSameDType(logits, label, 'Logits', 'Label');
      if (!label.shape.every((d, i) => dimsAgree(d, logits.shape[i]))) shapeFail(`soft Label ${formatShape(label.shape)} must have the shape of Logits ${formatShape(logits.shape)}`);
    } else {
      checkDType(label, INDEX, 'Label');
      if (!label.shape.every((d, i) => (i === axis ? d === 1 || d === -1 : dimsAgree(d, logits.shape[i])))) {
        shapeFail(`hard Label ${formatShape(label.shape)} must match Logits ${formatShape(logits.shape)} with size 1 at axis ${axis}`);
      }
    }
    const lossShape = [...logits.shape];
    lossShape[axis] = 1;
    ctx.setOutput('Softmax', logits.shape, logits.dtype);
    ctx.setOutput('Loss', lossShape, logits.dtype);
  },
  cpu: softmaxCrossEntropyKernel,
  onnx(ctx) {
    const a = ctx.attrs;
    if (!a.use_softmax) ctx.unsupported('use_softmax false (Logits already probabilities) is not mapped');
    const dt = ctx.inputVar('Logits').dtype;
    const axis = a.axis < 0 ? a.axis + ctx.inputVar('Logits').shape.length : a.axis;
    const logp = ctx.node('LogSoftmax', [ctx.input('Logits')], 1, { axis })[0];
    ctx.node('Exp', [logp], [ctx.output('Softmax')]);
    const label = ctx.input('Label');
    if (a.soft_label) {
      const picked = ctx.node('ReduceSum', [ctx.node('Mul', [label, logp], 1)[0], ctx.ints([axis])], 1, { keepdims: 1 })[0];
      ctx.node('Neg', [picked], [ctx.output('Loss')]);
      return;
    }
    // ignore_index rows read class 0 (any valid index) and their loss is then zeroed
    const ignored = ctx.node('Equal', [label, ctx.scalar(a.ignore_index, ctx.inputVar('Label').dtype)], 1)[0];
    const safe = ctx.node('Where', [ignored, ctx.scalar(0, ctx.inputVar('Label').dtype), label], 1)[0];
    const picked = ctx.node('GatherElements', [logp, safe], 1, { axis })[0];
    ctx.node('Where', [ignored, ctx.scalar(0, dt), ctx.node('Neg', [picked], 1)[0]], [ctx.output('Loss')]);
  },
  grad(g) {
    g.append(
      'softmax_with_cross_entropy_grad',
      { Label: g.input('Label'), Softmax: g.output('Softmax'), 'Loss@GRAD': g.outGradOrZeros('Loss') },
      { 'Logits@GRAD': g.inputGrad('Logits') },
      { ...g.attrs },
    );
  },
};

/** Only the loss's gradient flows back (as in Paddle, the Softmax output is not differentiated). */
export const softmaxWithCrossEntropyGrad: OpDef<'softmax_with_cross_entropy_grad'> = {
  type: 'softmax_with_cross_entropy_grad',
  inputs: [{ name: 'Label' }, { name: 'Softmax' }, { name: 'Loss@GRAD' }],
  outputs: [{ name: 'Logits@GRAD' }],
  defaults: softmaxWithCrossEntropy.defaults,
  paddleAttrs: softmaxWithCrossEntropy.paddleAttrs,
  infer(ctx) {
    const p = ctx.input('Softmax');
    ctx.setOutput('Logits@GRAD', p.shape, p.dtype);
  },
  cpu: softmaxCrossEntropyGradKernel,
  onnx(ctx) {
    const a = ctx.attrs;
    if (!a.use_softmax) ctx.unsupported('use_softmax false (Logits already probabilities) is not mapped');
    const sm = ctx.inputVar('Softmax');
    const axis = a.axis < 0 ? a.axis + sm.shape.length : a.axis;
    const label = ctx.input('Label');
    const lossGrad = ctx.input('Loss@GRAD');
    if (a.soft_label) {
      // (p·Σlabel − label)·g, as the kernel: soft labels need not sum to 1
      const total = ctx.node('ReduceSum', [label, ctx.ints([axis])], 1, { keepdims: 1 })[0];
      const scaled = ctx.node('Mul', [ctx.input('Softmax'), total], 1)[0];
      ctx.node('Mul', [ctx.node('Sub', [scaled, label], 1)[0], lossGrad], [ctx.output('Logits@GRAD')]);
      return;
    }
    const n = sm.shape[axis];
    if (n < 0) ctx.unsupported(`the class count (dim ${axis} of Softmax) must be known to build the one-hot labels`);
    // classes along `axis`: [n] shaped to broadcast against Label (size 1 there)
    const classShape = sm.shape.map((_, i) => (i === axis ? n : 1));
    const classes = ctx.node('Reshape', [ctx.ints([...Array(n).keys()]), ctx.ints(classShape)], 1)[0];
    const labelDt = ctx.inputVar('Label').dtype;
    const lab = labelDt === 'int64' ? label : ctx.node('Cast', [label], 1, { to: ctx.onnxDType('int64') })[0];
    const oneHot = ctx.node('Cast', [ctx.node('Equal', [lab, classes], 1)[0]], 1, { to: ctx.onnxDType(sm.dtype) })[0];
    const diff = ctx.node('Mul', [ctx.node('Sub', [ctx.input('Softmax'), oneHot], 1)[0], lossGrad], 1)[0];
    const keep = ctx.node('Not', [ctx.node('Equal', [lab, ctx.scalar(a.ignore_index, 'int64')], 1)[0]], 1)[0];
    ctx.node('Where', [keep, diff, ctx.scalar(0, sm.dtype)], [ctx.output('Logits@GRAD')]);
  },
};

export const topKV2: OpDef<'top_k_v2'> = {
  type: 'top_k_v2',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }, { name: 'Indices' }],
  defaults: { k: 1, axis: -1, largest: true, sorted: true },
  paddleAttrs: { k: 'int', axis: 'int', largest: 'bool', sorted: 'bool' },
  infer(ctx) {
    const x = ctx.input('X');
    checkDType(x, [...FLOATS, 'int32', 'int64'], 'X');
    const axis = normAxis(ctx.attrs.axis, x.shape.length, 'axis');
    const k = ctx.attrs.k;
    if (!(Number.isInteger(k) && k >= 1)) shapeFail(`k ${k} must be a positive integer`);
    if (x.shape[axis] >= 0 && k > x.shape[axis]) shapeFail(`k ${k} exceeds dim ${axis} of X ${formatShape(x.shape)}`);
    const out = [...x.shape];
    out[axis] = k;
    ctx.setOutput('Out', out, x.dtype);
    ctx.setOutput('Indices', out, 'int64');
  },
  cpu: topKKernel,
};

export const accuracy: OpDef<'accuracy'> = {
  type: 'accuracy',
  inputs: [{ name: 'Out' }, { name: 'Indices' }, { name: 'Label' }],
  outputs: [{ name: 'Accuracy' }, { name: 'Correct', optional: true }, { name: 'Total', optional: true }],
  defaults: {},
  paddleAttrs: {},
  infer(ctx) {
    const indices = ctx.input('Indices');
    const label = ctx.input('Label');
    checkDType(indices, INDEX, 'Indices');
    checkDType(label, INDEX, 'Label');
    if (indices.shape.length !== 2) shapeFail(`Indices ${formatShape(indices.shape)} must be [N, k]`);
    if (!(label.shape.length === 2 && dimsAgree(label.shape[1], 1)) && label.shape.length !== 1) {
      shapeFail(`Label ${formatShape(label.shape)} must be [N, 1] or [N]`);
    }
    if (!dimsAgree(label.shape[0], indices.shape[0])) shapeFail(`Label ${formatShape(label.shape)} and Indices ${formatShape(indices.shape)} differ in N`);
    ctx.setOutput('Accuracy', [1], 'float32');
    ctx.setOutput('Correct', [1], 'int32');
    ctx.setOutput('Total', [1], 'int32');
  },
  cpu: accuracyKernel,
};
