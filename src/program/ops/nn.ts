import {
  batchNormGradKernel,
  batchNormKernel,
  conv2dGradKernel,
  conv2dKernel,
  dropoutGradKernel,
  dropoutKernel,
  lookupTableGradKernel,
  lookupTableKernel,
  pool2dGradKernel,
  pool2dKernel,
} from '../../kernels/cpu/nn';
import { formatShape } from '../shape';
import { checkDType, checkRank, checkSameDType, dimsAgree, FLOATS, INDEX, shapeFail } from './check';
import { convWindow, expandPaddings, poolWindow } from './geometry';
import { windowPadding } from './onnx-lowering';
import type { OnnxCtx, OpDef } from './types';

function checkPair(v: readonly number[], what: string, min: number): void {
  if (v.length !== 2 || v.some((d) => !Number.isInteger(d) || d < min)) shapeFail(`${what} ${JSON.stringify(v)} must be 2 integers >= ${min}`);
}

export const conv2d: OpDef<'conv2d'> = {
  type: 'conv2d',
  inputs: [{ name: 'Input' }, { name: 'Filter' }],
  outputs: [{ name: 'Output' }],
  defaults: { strides: [1, 1], paddings: [0, 0], dilations: [1, 1], groups: 1, padding_algorithm: 'EXPLICIT', data_format: 'NCHW' },
  paddleAttrs: { strides: 'ints', paddings: 'ints', dilations: 'ints', groups: 'int', padding_algorithm: 'string', data_format: 'string' },
  infer(ctx) {
    const x = ctx.input('Input');
    const w = ctx.input('Filter');
    const a = ctx.attrs;
    checkDType(x, FLOATS, 'Input');
    checkSameDType(x, w, 'Input', 'Filter');
    checkRank(x, [4], 'Input');
    checkRank(w, [4], 'Filter');
    if (a.data_format === 'NHWC') shapeFail('data_format NHWC is not supported; transpose the input to NCHW (ops.transpose(x, [0, 3, 1, 2]))');
    checkPair(a.strides, 'strides', 1);
    checkPair(a.dilations, 'dilations', 1);
    if (!(Number.isInteger(a.groups) && a.groups >= 1)) shapeFail(`groups ${a.groups} must be a positive integer`);
    const [N, C, H, W] = x.shape;
    const [OC, ICg, KH, KW] = w.shape;
    if (OC % a.groups !== 0) shapeFail(`Filter ${formatShape(w.shape)}: ${OC} output channels do not divide into ${a.groups} groups`);
    if (!dimsAgree(C, ICg * a.groups)) {
      shapeFail(`Input ${formatShape(x.shape)} has ${C} channels but Filter ${formatShape(w.shape)} expects ${ICg} x ${a.groups} groups = ${ICg * a.groups}`);
    }
    const [pt, pb, pl, pr] = expandPaddings(a.paddings, 'paddings');
    const oh = convWindow(H, KH, a.strides[0], pt, pb, a.dilations[0], a.padding_algorithm, 'height').out;
    const ow = convWindow(W, KW, a.strides[1], pl, pr, a.dilations[1], a.padding_algorithm, 'width').out;
    ctx.setOutput('Output', [N, OC, oh, ow], x.dtype);
  },
  cpu: conv2dKernel,
  onnx(ctx) {
    const a = ctx.attrs;
    const same = a.padding_algorithm === 'SAME'; // Paddle's SAME ignores the dilations, as convWindow does
    ctx.node('Conv', [ctx.input('Input'), ctx.input('Filter')], [ctx.output('Output')], {
      strides: a.strides,
      dilations: same ? [1, 1] : a.dilations,
      group: a.groups,
      ...windowPadding(a.padding_algorithm, a.paddings),
    });
  },
  grad(g) {
    const outs: Record<string, string> = {};
    if (g.needs('Input')) outs['Input@GRAD'] = g.inputGrad('Input');
    if (g.needs('Filter')) outs['Filter@GRAD'] = g.inputGrad('Filter');
    g.append('conv2d_grad', { Input: g.input('Input'), Filter: g.input('Filter'), 'Output@GRAD': g.outGrad('Output')! }, outs, { ...g.attrs });
  },
};

export const conv2dGrad: OpDef<'conv2d_grad'> = {
  type: 'conv2d_grad',
  inputs: [{ name: 'Input' }, { name: 'Filter' }, { name: 'Output@GRAD' }],
  outputs: [{ name: 'Input@GRAD', optional: true }, { name: 'Filter@GRAD', optional: true }],
  defaults: conv2d.defaults,
  paddleAttrs: conv2d.paddleAttrs,
  infer(ctx) {
    const x = ctx.input('Input');
    const w = ctx.input('Filter');
    ctx.setOutput('Input@GRAD', x.shape, x.dtype);
    ctx.setOutput('Filter@GRAD', w.shape, w.dtype);
  },
  cpu: conv2dGradKernel,
  onnx(ctx) {
    const a = ctx.attrs;
    const [, C, H, W] = ctx.inputVar('Input').shape;
    const [OC, , KH, KW] = ctx.inputVar('Filter').shape;
    if (!(H > 0 && W > 0)) ctx.unsupported(`the gradient needs the input's height and width known statically (Input is [${ctx.inputVar('Input').shape}])`);
    const [pt, pb, pl, pr] = expandPaddings(a.paddings, 'paddings');
    const wh = convWindow(H, KH, a.strides[0], pt, pb, a.dilations[0], a.padding_algorithm, 'height');
    const ww = convWindow(W, KW, a.strides[1], pl, pr, a.dilations[1], a.padding_algorithm, 'width');
    const [sh, sw] = a.strides;
    const [dh, dw] = [wh.dilation, ww.dilation];
    const pads = [wh.padBefore, ww.padBefore, wh.padAfter, ww.padAfter];
    const g = ctx.input('Output@GRAD');
    if (ctx.hasOutput('Input@GRAD')) {
      // the transposed convolution, with the rows and columns the forward window never reached added back
      const extent = (out: number, s: number, k: number, d: number, p0: number, p1: number): number => (out - 1) * s - p0 - p1 + d * (k - 1) + 1;
      const outputPadding = [H - extent(wh.out, sh, KH, dh, wh.padBefore, wh.padAfter), W - extent(ww.out, sw, KW, dw, ww.padBefore, ww.padAfter)];
      ctx.node('ConvTranspose', [g, ctx.input('Filter')], [ctx.output('Input@GRAD')], {
        strides: a.strides,
        dilations: [dh, dw],
        group: a.groups,
        pads,
        output_padding: outputPadding,
      });
    }
    if (ctx.hasOutput('Filter@GRAD')) {
      // dW[oc, c] = Σ_n x[n, c] ⋆ g[n, oc]: a convolution over the batch with strides and dilations
      // swapped, channels as the batch; the trailing rows past the kernel size are cut off
      const swap = { perm: [1, 0, 2, 3] };
      const groupsOf = (v: string, n: number): string[] => (a.groups === 1 ? [v] : ctx.node('Split', [v, ctx.ints(new Array<number>(a.groups).fill(n / a.groups))], a.groups, { axis: 1 }));
      const xs = groupsOf(ctx.input('Input'), C);
      const gs = groupsOf(g, OC);
      const parts = xs.map((x, i) => {
        const full = ctx.node('Conv', [ctx.node('Transpose', [x], 1, swap)[0], ctx.node('Transpose', [gs[i]], 1, swap)[0]], 1, { strides: [dh, dw], dilations: [sh, sw], pads })[0];
        const cut = ctx.node('Slice', [full, ctx.ints([0, 0]), ctx.ints([KH, KW]), ctx.ints([2, 3])], 1)[0];
        return ctx.node('Transpose', [cut], 1, swap)[0];
      });
      if (parts.length === 1) ctx.node('Identity', parts, [ctx.output('Filter@GRAD')]);
      else ctx.node('Concat', parts, [ctx.output('Filter@GRAD')], { axis: 0 });
    }
  },
};

export const pool2d: OpDef<'pool2d'> = {
  type: 'pool2d',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }],
  defaults: {
    pooling_type: 'max',
    ksize: [1, 1],
    strides: [1, 1],
    paddings: [0, 0],
    global_pooling: false,
    ceil_mode: false,
    exclusive: true,
    adaptive: false,
    padding_algorithm: 'EXPLICIT',
    data_format: 'NCHW',
  },
  paddleAttrs: {
    pooling_type: 'string',
    ksize: 'ints',
    strides: 'ints',
    paddings: 'ints',
    global_pooling: 'bool',
    ceil_mode: 'bool',
    exclusive: 'bool',
    adaptive: 'bool',
    padding_algorithm: 'string',
    data_format: 'string',
  },
  infer(ctx) {
    const x = ctx.input('X');
    const a = ctx.attrs;
    checkDType(x, FLOATS, 'X');
    checkRank(x, [4], 'X');
    if (a.data_format === 'NHWC') shapeFail('data_format NHWC is not supported; transpose the input to NCHW');
    if (a.pooling_type !== 'max' && a.pooling_type !== 'avg') shapeFail(`pooling_type ${JSON.stringify(a.pooling_type)} must be "max" or "avg"`);
    const [N, C, H, W] = x.shape;
    if (a.global_pooling) {
      ctx.setOutput('Out', [N, C, 1, 1], x.dtype);
      return;
    }
    checkPair(a.ksize, 'ksize', 1);
    if (a.adaptive) {
      ctx.setOutput('Out', [N, C, a.ksize[0], a.ksize[1]], x.dtype);
      return;
    }
    checkPair(a.strides, 'strides', 1);
    const [pt, pb, pl, pr] = expandPaddings(a.paddings, 'paddings');
    const oh = poolWindow(H, a.ksize[0], a.strides[0], pt, pb, a.ceil_mode, a.padding_algorithm, 'height').out;
    const ow = poolWindow(W, a.ksize[1], a.strides[1], pl, pr, a.ceil_mode, a.padding_algorithm, 'width').out;
    ctx.setOutput('Out', [N, C, oh, ow], x.dtype);
  },
  cpu: pool2dKernel,
  onnx(ctx) {
    const a = ctx.attrs;
    const x = ctx.input('X');
    const [, , H, W] = ctx.inputVar('X').shape;
    const out = [ctx.output('Out')];
    const globalOp = a.pooling_type === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool';
    if (a.global_pooling || (a.adaptive && a.ksize[0] === 1 && a.ksize[1] === 1)) {
      ctx.node(globalOp, [x], out);
      return;
    }
    let { ksize, strides } = a;
    let padding = windowPadding(a.padding_algorithm, a.paddings);
    if (a.adaptive) {
      // an adaptive pool whose output divides the input is a plain pool with windows of input / output
      if (!(H > 0 && W > 0 && H % a.ksize[0] === 0 && W % a.ksize[1] === 0)) {
        ctx.unsupported(`adaptive pooling to ${JSON.stringify(a.ksize)} maps to ONNX only where the static input size divides by it (input is ${H}x${W})`);
      }
      ksize = [H / a.ksize[0], W / a.ksize[1]];
      strides = ksize;
      padding = { pads: [0, 0, 0, 0] };
    }
    const attrs = { kernel_shape: ksize, strides, ceil_mode: a.ceil_mode ? 1 : 0, ...padding };
    if (a.pooling_type === 'max') ctx.node('MaxPool', [x], out, attrs);
    else ctx.node('AveragePool', [x], out, { ...attrs, count_include_pad: a.exclusive ? 0 : 1 });
  },
  grad(g) {
    g.append('pool2d_grad', { X: g.input('X'), Out: g.output('Out'), 'Out@GRAD': g.outGrad('Out')! }, { 'X@GRAD': g.inputGrad('X') }, { ...g.attrs });
  },
};

export const pool2dGrad: OpDef<'pool2d_grad'> = {
  type: 'pool2d_grad',
  inputs: [{ name: 'X' }, { name: 'Out' }, { name: 'Out@GRAD' }],
  outputs: [{ name: 'X@GRAD' }],
  defaults: pool2d.defaults,
  paddleAttrs: pool2d.paddleAttrs,
  infer(ctx) {
    const x = ctx.input('X');
    ctx.setOutput('X@GRAD', x.shape, x.dtype);
  },
  cpu: pool2dGradKernel,
};

export const batchNorm: OpDef<'batch_norm'> = {
  type: 'batch_norm',
  inputs: [{ name: 'X' }, { name: 'Scale' }, { name: 'Bias' }, { name: 'Mean' }, { name: 'Variance' }],
  outputs: [
    { name: 'Y' },
    { name: 'MeanOut', optional: true },
    { name: 'VarianceOut', optional: true },
    { name: 'SavedMean', optional: true },
    { name: 'SavedVariance', optional: true },
  ],
  defaults: { epsilon: 1e-5, momentum: 0.9, is_test: false, data_layout: 'NCHW', use_global_stats: false, trainable_statistics: false },
  paddleAttrs: { epsilon: 'float', momentum: 'float', is_test: 'bool', data_layout: 'string', use_global_stats: 'bool', trainable_statistics: 'bool' },
  infer(ctx) {
    const x = ctx.input('X');
    checkDType(x, FLOATS, 'X');
    if (x.shape.length < 2 || x.shape.length > 5) shapeFail(`X ${formatShape(x.shape)} must have rank 2 to 5`);
    const C = ctx.attrs.data_layout === 'NHWC' && x.shape.length > 2 ? x.shape[x.shape.length - 1] : x.shape[1];
    for (const slot of ['Scale', 'Bias', 'Mean', 'Variance']) {
      const v = ctx.input(slot);
      checkSameDType(x, v, 'X', slot);
      if (v.shape.length !== 1 || !dimsAgree(v.shape[0], C)) shapeFail(`${slot} ${formatShape(v.shape)} must be [${C}] (the channels of X ${formatShape(x.shape)})`);
    }
    ctx.setOutput('Y', x.shape, x.dtype);
    for (const slot of ['MeanOut', 'VarianceOut', 'SavedMean', 'SavedVariance']) ctx.setOutput(slot, [C], x.dtype);
  },
  cpu: batchNormKernel,
  onnx(ctx) {
    const a = ctx.attrs;
    if (!a.is_test && !a.use_global_stats) ctx.unsupported('training mode (batch statistics) has no ONNX mapping; export program.clone({ forTest: true })');
    if (a.data_layout === 'NHWC' && ctx.inputVar('X').shape.length > 2) ctx.unsupported('data_layout NHWC is not supported; transpose the input to NCHW');
    const ins = ['X', 'Scale', 'Bias', 'Mean', 'Variance'].map((s) => ctx.input(s));
    ctx.node('BatchNormalization', ins, [ctx.output('Y')], { epsilon: { float: a.epsilon }, momentum: { float: a.momentum } });
    // with running statistics the kernel passes them through unchanged
    if (ctx.hasOutput('MeanOut')) ctx.node('Identity', [ctx.input('Mean')], [ctx.output('MeanOut')]);
    if (ctx.hasOutput('VarianceOut')) ctx.node('Identity', [ctx.input('Variance')], [ctx.output('VarianceOut')]);
  },
  inplaceSafe: true,
  grad(g) {
    const outs: Record<string, string> = {};
    for (const slot of ['X', 'Scale', 'Bias']) if (g.needs(slot)) outs[`${slot}@GRAD`] = g.inputGrad(slot);
    const inputs: Record<string, string[]> = {
      X: g.input('X'),
      Scale: g.input('Scale'),
      Bias: g.input('Bias'),
      Mean: g.input('Mean'),
      Variance: g.input('Variance'),
      'Y@GRAD': [g.outGrad('Y')!],
    };
    if (g.output('SavedMean').length) inputs.SavedMean = g.output('SavedMean');
    if (g.output('SavedVariance').length) inputs.SavedVariance = g.output('SavedVariance');
    g.append('batch_norm_grad', inputs, outs, { ...g.attrs });
  },
};

export const batchNormGrad: OpDef<'batch_norm_grad'> = {
  type: 'batch_norm_grad',
  inputs: [
    { name: 'X' },
    { name: 'Scale' },
    { name: 'Bias' },
    { name: 'Mean', optional: true },
    { name: 'Variance', optional: true },
    { name: 'SavedMean', optional: true },
    { name: 'SavedVariance', optional: true },
    { name: 'Y@GRAD' },
  ],
  outputs: [{ name: 'X@GRAD', optional: true }, { name: 'Scale@GRAD', optional: true }, { name: 'Bias@GRAD', optional: true }],
  defaults: batchNorm.defaults,
  paddleAttrs: batchNorm.paddleAttrs,
  infer(ctx) {
    const x = ctx.input('X');
    const global = ctx.attrs.is_test || ctx.attrs.use_global_stats;
    const need = global ? ['Mean', 'Variance'] : ['SavedMean', 'SavedVariance'];
    for (const slot of need) if (!ctx.maybeInput(slot)) shapeFail(`input ${slot} is needed ${global ? 'with global statistics' : 'in training mode'}`);
    ctx.setOutput('X@GRAD', x.shape, x.dtype);
    ctx.setOutput('Scale@GRAD', ctx.input('Scale').shape, x.dtype);
    ctx.setOutput('Bias@GRAD', ctx.input('Bias').shape, x.dtype);
  },
  cpu: batchNormGradKernel,
};

/**
 * lookup_table_v2 and its gradient: 1 where an id is not padding_idx, 0 where it is, with a trailing
 * size-1 dim to scale rows by; undefined without a padding_idx.
 */
function paddingMask(ctx: OnnxCtx<'lookup_table_v2' | 'lookup_table_v2_grad'>): string | undefined {
  const pad = ctx.attrs.padding_idx;
  if (pad === -1) return undefined;
  const w = ctx.inputVar('W');
  if (pad < 0 && w.shape[0] < 0) ctx.unsupported(`padding_idx ${pad} counts from the end of a table whose size is unknown`);
  const padId = ctx.scalar(pad < 0 ? pad + w.shape[0] : pad, ctx.inputVar('Ids').dtype);
  const keep = ctx.node('Not', [ctx.node('Equal', [ctx.input('Ids'), padId], 1)[0]], 1)[0];
  return ctx.node('Unsqueeze', [ctx.node('Cast', [keep], 1, { to: ctx.onnxDType(w.dtype) })[0], ctx.ints([-1])], 1)[0];
}

export const lookupTableV2: OpDef<'lookup_table_v2'> = {
  type: 'lookup_table_v2',
  inputs: [{ name: 'W' }, { name: 'Ids' }],
  outputs: [{ name: 'Out' }],
  defaults: { padding_idx: -1 },
  paddleAttrs: { padding_idx: 'long' },
  infer(ctx) {
    const w = ctx.input('W');
    const ids = ctx.input('Ids');
    checkRank(w, [2], 'W');
    checkDType(ids, INDEX, 'Ids');
    ctx.setOutput('Out', [...ids.shape, w.shape[1]], w.dtype);
  },
  cpu: lookupTableKernel,
  onnx(ctx) {
    const mask = paddingMask(ctx);
    if (mask === undefined) {
      ctx.node('Gather', [ctx.input('W'), ctx.input('Ids')], [ctx.output('Out')], { axis: 0 });
      return;
    }
    // the row of padding_idx reads as zeros
    const gathered = ctx.node('Gather', [ctx.input('W'), ctx.input('Ids')], 1, { axis: 0 })[0];
    ctx.node('Mul', [gathered, mask], [ctx.output('Out')]);
  },
  halfNative: true,
  grad(g) {
    g.append('lookup_table_v2_grad', { W: g.input('W'), Ids: g.input('Ids'), 'Out@GRAD': g.outGrad('Out')! }, { 'W@GRAD': g.inputGrad('W') }, { ...g.attrs });
  },
};

export const lookupTableV2Grad: OpDef<'lookup_table_v2_grad'> = {
  type: 'lookup_table_v2_grad',
  inputs: [{ name: 'W' }, { name: 'Ids' }, { name: 'Out@GRAD' }],
  outputs: [{ name: 'W@GRAD' }],
  defaults: { padding_idx: -1 },
  paddleAttrs: { padding_idx: 'long' },
  infer(ctx) {
    const w = ctx.input('W');
    ctx.setOutput('W@GRAD', w.shape, w.dtype);
  },
  cpu: lookupTableGradKernel,
  onnx(ctx) {
    // every looked-up row accumulates its gradient; padding_idx's row stays zero
    const w = ctx.inputVar('W');
    const ids = ctx.input('Ids');
    const mask = paddingMask(ctx);
    const g = mask === undefined ? ctx.input('Out@GRAD') : ctx.node('Mul', [ctx.input('Out@GRAD'), mask], 1)[0];
    const zeros = ctx.node('Expand', [ctx.scalar(0, w.dtype), ctx.node('Shape', [ctx.input('W')], 1)[0]], 1)[0];
    const idx = ctx.node('Unsqueeze', [ctx.node('Cast', [ids], 1, { to: ctx.onnxDType('int64') })[0], ctx.ints([-1])], 1)[0];
    ctx.node('ScatterND', [zeros, idx, g], [ctx.output('W@GRAD')], { reduction: 'add' });
  },
};

export const dropout: OpDef<'dropout'> = {
  type: 'dropout',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }, { name: 'Mask', optional: true }],
  defaults: { dropout_prob: 0.5, is_test: false, dropout_implementation: 'downgrade_in_infer', seed: 0, fix_seed: false },
  paddleAttrs: { dropout_prob: 'float', is_test: 'bool', dropout_implementation: 'string', seed: 'int', fix_seed: 'bool' },
  infer(ctx) {
    const x = ctx.input('X');
    checkDType(x, FLOATS, 'X');
    const p = ctx.attrs.dropout_prob;
    if (!(p >= 0 && p <= 1)) shapeFail(`dropout_prob ${p} must be in [0, 1]`);
    ctx.setOutput('Out', x.shape, x.dtype);
    ctx.setOutput('Mask', x.shape, 'uint8');
  },
  cpu: dropoutKernel,
  onnx(ctx) {
    const a = ctx.attrs;
    if (!a.is_test) ctx.unsupported('training mode (random masks) has no ONNX mapping; export program.clone({ forTest: true })');
    const x = ctx.input('X');
    if (a.dropout_implementation === 'upscale_in_train') ctx.node('Identity', [x], [ctx.output('Out')]);
    else ctx.node('Mul', [x, ctx.scalar(1 - a.dropout_prob, ctx.inputVar('X').dtype)], [ctx.output('Out')]);
  },
  random: true,
  grad(g) {
    g.append('dropout_grad', { Mask: g.output('Mask'), 'Out@GRAD': g.outGrad('Out')! }, { 'X@GRAD': g.inputGrad('X') }, { ...g.attrs });
  },
};

export const dropoutGrad: OpDef<'dropout_grad'> = {
  type: 'dropout_grad',
  inputs: [{ name: 'Mask' }, { name: 'Out@GRAD' }],
  outputs: [{ name: 'X@GRAD' }],
  defaults: dropout.defaults,
  paddleAttrs: dropout.paddleAttrs,
  infer(ctx) {
    const gr = ctx.input('Out@GRAD');
    ctx.setOutput('X@GRAD', gr.shape, gr.dtype);
  },
  cpu: dropoutGradKernel,
};
