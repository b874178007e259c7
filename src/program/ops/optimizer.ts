/** Ops of gradient clipping and of the ASGD optimizer (Paddle's op types and slots). */
import { asgdKernel, clipByNormKernel, clipKernel, scatterKernel, squaredL2NormKernel } from '../../kernels/cpu/optimizer';
import { fusedAsgdKernel, globalNormScaleKernel } from '../../kernels/cpu/fused-optimizer';
import { DTypeError } from '../errors';
import { formatShape } from '../shape';
import { checkDType, checkSameDType, dimsAgree, FLOATS, INDEX, shapeFail } from './check';
import type { OpDef, VarInfo } from './types';

export const clip: OpDef<'clip'> = {
  type: 'clip',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }],
  defaults: { min: 0, max: 0 },
  paddleAttrs: { min: 'float', max: 'float' },
  infer(ctx) {
    const x = ctx.input('X');
    checkDType(x, FLOATS, 'X');
    if (!(ctx.attrs.min <= ctx.attrs.max)) shapeFail(`min ${ctx.attrs.min} must not exceed max ${ctx.attrs.max}`);
    ctx.setOutput('Out', x.shape, x.dtype);
  },
  cpu: clipKernel,
  onnx(ctx) {
    const dt = ctx.inputVar('X').dtype;
    ctx.node('Clip', [ctx.input('X'), ctx.scalar(ctx.attrs.min, dt), ctx.scalar(ctx.attrs.max, dt)], [ctx.output('Out')]);
  },
};

export const clipByNorm: OpDef<'clip_by_norm'> = {
  type: 'clip_by_norm',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }],
  defaults: { max_norm: 1 },
  paddleAttrs: { max_norm: 'float' },
  infer(ctx) {
    const x = ctx.input('X');
    checkDType(x, FLOATS, 'X');
    if (!(ctx.attrs.max_norm > 0)) shapeFail(`max_norm ${ctx.attrs.max_norm} must be > 0`);
    ctx.setOutput('Out', x.shape, x.dtype);
  },
  cpu: clipByNormKernel,
  onnx(ctx) {
    // x · max_norm / max(‖x‖, max_norm): the factor is 1 where the norm is within bounds
    const x = ctx.input('X');
    const dt = ctx.inputVar('X').dtype;
    const maxNorm = ctx.scalar(ctx.attrs.max_norm, dt);
    const norm = ctx.node('Sqrt', [ctx.node('ReduceSumSquare', [x], 1, { keepdims: 0 })[0]], 1)[0];
    const factor = ctx.node('Div', [maxNorm, ctx.node('Max', [norm, maxNorm], 1)[0]], 1)[0];
    ctx.node('Mul', [x, factor], [ctx.output('Out')]);
  },
};

/** Σ x² as a [1] tensor (Paddle's squared_l2_norm). */
export const squaredL2Norm: OpDef<'squared_l2_norm'> = {
  type: 'squared_l2_norm',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }],
  defaults: {},
  paddleAttrs: {},
  infer(ctx) {
    const x = ctx.input('X');
    checkDType(x, FLOATS, 'X');
    ctx.setOutput('Out', [1], x.dtype);
  },
  cpu: squaredL2NormKernel,
  onnx(ctx) {
    const total = ctx.node('ReduceSumSquare', [ctx.input('X')], 1, { keepdims: 0 })[0];
    ctx.node('Reshape', [total, ctx.ints([1])], [ctx.output('Out')]);
  },
};

export const scatter: OpDef<'scatter'> = {
  type: 'scatter',
  inputs: [{ name: 'X' }, { name: 'Ids' }, { name: 'Updates' }],
  outputs: [{ name: 'Out' }],
  defaults: { overwrite: true },
  paddleAttrs: { overwrite: 'bool' },
  infer(ctx) {
    const x = ctx.input('X');
    const ids = ctx.input('Ids');
    const upd = ctx.input('Updates');
    checkDType(ids, INDEX, 'Ids');
    checkSameDType(x, upd, 'X', 'Updates');
    if (ids.shape.length !== 1) shapeFail(`Ids ${formatShape(ids.shape)} must be 1-D`);
    if (upd.shape.length !== x.shape.length || !dimsAgree(upd.shape[0], ids.shape[0]) || !upd.shape.slice(1).every((d, i) => dimsAgree(d, x.shape[i + 1]))) {
      shapeFail(`Updates ${formatShape(upd.shape)} must be [${ids.shape[0]}, ${x.shape.slice(1).join(', ')}] for X ${formatShape(x.shape)} and Ids ${formatShape(ids.shape)}`);
    }
    ctx.setOutput('Out', x.shape, x.dtype);
  },
  cpu: scatterKernel,
  onnx(ctx) {
    // the rows Ids of X: ScatterND with one index per row
    const rows = ctx.node('Unsqueeze', [ctx.input('Ids'), ctx.ints([-1])], 1)[0];
    const idx = ctx.inputVar('Ids').dtype === 'int64' ? rows : ctx.node('Cast', [rows], 1, { to: ctx.onnxDType('int64') })[0];
    ctx.node('ScatterND', [ctx.input('X'), idx, ctx.input('Updates')], [ctx.output('Out')], ctx.attrs.overwrite ? {} : { reduction: 'add' });
  },
  inplaceSafe: true,
  halfNative: true,
};

function sameAs(v: VarInfo, like: VarInfo, slot: string, likeSlot: string): void {
  if (v.shape.length !== like.shape.length || !v.shape.every((d, i) => dimsAgree(d, like.shape[i]))) {
    shapeFail(`${slot} ${formatShape(v.shape)} must have the shape of ${likeSlot} ${formatShape(like.shape)}`);
  }
}

/**
 * asgd (Paddle's slots): param, grad, learning_rate [1], d, y (the stored gradient being replaced,
 * shaped like param), n [1] (min(steps taken, batch_num)) → param_out, d_out, y_out; with
 * multi_precision, master_param → master_param_out as well.
 */
export const asgd: OpDef<'asgd'> = {
  type: 'asgd',
  inputs: [{ name: 'param' }, { name: 'grad' }, { name: 'learning_rate' }, { name: 'd' }, { name: 'y' }, { name: 'n' }, { name: 'master_param', optional: true }],
  outputs: [{ name: 'param_out' }, { name: 'd_out' }, { name: 'y_out' }, { name: 'master_param_out', optional: true }],
  defaults: { multi_precision: false },
  paddleAttrs: { multi_precision: 'bool' },
  infer(ctx) {
    const p = ctx.input('param');
    const g = ctx.input('grad');
    const master = ctx.maybeInput('master_param');
    checkDType(p, FLOATS, 'param');
    checkSameDType(p, g, 'param', 'grad');
    sameAs(g, p, 'grad', 'param');
    const state = master ?? p;
    if (ctx.attrs.multi_precision && !master) throw new DTypeError('multi_precision needs the master_param input');
    if (master) {
      if (master.dtype !== 'float32') throw new DTypeError(`master_param (${master.name}) is ${master.dtype}, expected float32`);
      sameAs(master, p, 'master_param', 'param');
    }
    for (const slot of ['d', 'y']) {
      const v = ctx.input(slot);
      if (v.dtype !== state.dtype) throw new DTypeError(`${slot} (${v.name}) is ${v.dtype}, expected ${state.dtype}`);
      sameAs(v, p, slot, 'param');
    }
    for (const slot of ['learning_rate', 'n']) {
      const v = ctx.input(slot);
      if (v.dtype !== state.dtype) throw new DTypeError(`${slot} (${v.name}) is ${v.dtype}, expected ${state.dtype}`);
      if (v.shape.length !== 1 || !dimsAgree(v.shape[0], 1)) shapeFail(`${slot} ${formatShape(v.shape)} must be [1]`);
    }
    ctx.setOutput('param_out', p.shape, p.dtype);
    ctx.setOutput('d_out', p.shape, state.dtype);
    ctx.setOutput('y_out', p.shape, state.dtype);
    ctx.setOutput('master_param_out', p.shape, 'float32');
  },
  cpu: asgdKernel,
  onnx(ctx) {
    if (ctx.has('master_param')) ctx.unsupported('multi-precision master weights are not mapped');
    // d ← d − y + g; y ← g; param ← param − (lr / n) · d, each step rounded as the kernel rounds it
    const g = ctx.input('grad');
    const d = ctx.node('Add', [ctx.node('Sub', [ctx.input('d'), ctx.input('y')], 1)[0], g], [ctx.output('d_out')])[0];
    ctx.node('Identity', [g], [ctx.output('y_out')]);
    const step = ctx.node('Div', [ctx.input('learning_rate'), ctx.input('n')], 1)[0];
    ctx.node('Sub', [ctx.input('param'), ctx.node('Mul', [step, d], 1)[0]], [ctx.output('param_out')]);
  },
  inplaceSafe: true,
  halfNative: true,
};

/** clip_norm / max(sqrt(Σ_k ‖X_k‖²), clip_norm) as a [1] tensor: ClipGradByGlobalNorm's factor. */
export const fusedGlobalNormScale: OpDef<'fused_global_norm_scale'> = {
  type: 'fused_global_norm_scale',
  inputs: [{ name: 'X', multi: true }],
  outputs: [{ name: 'Scale' }],
  defaults: { clip_norm: 1 },
  paddleAttrs: { clip_norm: 'float' },
  infer(ctx) {
    const xs = ctx.inputs('X');
    xs.forEach((x, i) => {
      checkDType(x, ['float32', 'float64'], `X[${i}]`);
      checkSameDType(xs[0], x, 'X[0]', `X[${i}]`);
    });
    ctx.setOutput('Scale', [1], xs[0].dtype);
  },
  cpu: globalNormScaleKernel,
  sagraphOnly: true,
};

/**
 * The whole ASGD update of one optimizer in one op (made by the fuse_optimizer pass): per
 * parameter, clip, regularise, decay and update, with the slot index from M, in place on Param, D,
 * Y and M.
 */
export const fusedAsgd: OpDef<'fused_asgd'> = {
  type: 'fused_asgd',
  inputs: [
    { name: 'Param', multi: true },
    { name: 'Grad', multi: true },
    { name: 'LearningRate' },
    { name: 'D', multi: true },
    { name: 'Y', multi: true },
    { name: 'M', multi: true },
    { name: 'GlobalScale', optional: true },
  ],
  outputs: [
    { name: 'ParamOut', multi: true },
    { name: 'DOut', multi: true },
    { name: 'YOut', multi: true },
    { name: 'MOut', multi: true },
  ],
  defaults: { batch_num: 1, lr_mults: [], lambdas: [], reg_kinds: [], reg_coeffs: [], clip_kind: 'none', clip_min: 0, clip_max: 0, clip_norm: 0, clipped: [] },
  paddleAttrs: {
    batch_num: 'int',
    lr_mults: 'floats',
    lambdas: 'floats',
    reg_kinds: 'ints',
    reg_coeffs: 'floats',
    clip_kind: 'string',
    clip_min: 'float',
    clip_max: 'float',
    clip_norm: 'float',
    clipped: 'bools',
  },
  infer(ctx) {
    const a = ctx.attrs;
    const ps = ctx.inputs('Param');
    const k = ps.length;
    for (const slot of ['Grad', 'D', 'Y', 'M']) if (ctx.inputs(slot).length !== k) shapeFail(`${slot} has ${ctx.inputs(slot).length} variables for ${k} parameters`);
    for (const [name, list] of [['lr_mults', a.lr_mults], ['lambdas', a.lambdas], ['reg_kinds', a.reg_kinds], ['reg_coeffs', a.reg_coeffs], ['clipped', a.clipped]] as const) {
      if (list.length !== k) shapeFail(`attribute ${name} has ${list.length} entries for ${k} parameters`);
    }
    if (a.clip_kind === 'global' && !ctx.maybeInput('GlobalScale')) shapeFail("clip_kind 'global' needs the GlobalScale input");
    const lr = ctx.input('LearningRate');
    checkDType(lr, ['float32'], 'LearningRate');
    ps.forEach((p, i) => {
      checkDType(p, ['float32', 'float64'], `Param[${i}]`);
      const g = ctx.inputs('Grad')[i];
      checkSameDType(p, g, `Param[${i}]`, `Grad[${i}]`);
      sameAs(g, p, `Grad[${i}]`, `Param[${i}]`);
      sameAs(ctx.inputs('D')[i], p, `D[${i}]`, `Param[${i}]`);
      const y = ctx.inputs('Y')[i];
      if (y.shape.length !== p.shape.length + 1 || y.shape[0] !== a.batch_num) shapeFail(`Y[${i}] ${formatShape(y.shape)} must be [${a.batch_num}, ${p.shape.join(', ')}]`);
      checkDType(ctx.inputs('M')[i], ['int64'], `M[${i}]`);
      ctx.setOutput('ParamOut', p.shape, p.dtype, i);
      ctx.setOutput('DOut', p.shape, p.dtype, i);
      ctx.setOutput('YOut', y.shape, p.dtype, i);
      ctx.setOutput('MOut', [1], 'int64', i);
    });
  },
  cpu: fusedAsgdKernel,
  inplaceSafe: true,
  sagraphOnly: true,
};
