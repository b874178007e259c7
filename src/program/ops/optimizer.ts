/** Ops of gradient clipping and of the ASGD optimizer (Paddle's op types and slots). */
import { asgdKernel, clipByNormKernel, clipKernel, scatterKernel, squaredL2NormKernel } from '../../kernels/cpu/optimizer';
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
  inplaceSafe: true,
  halfNative: true,
};
