import {
  fillAnyLikeKernel,
  fillConstantKernel,
  gaussianRandomKernel,
  truncatedGaussianRandomKernel,
  uniformRandomKernel,
} from '../../kernels/cpu/creation';
import { DTYPES, isDType } from '../dtype';
import { DTypeError } from '../errors';
import { checkShapeAttr, FLOATS, shapeFail } from './check';
import type { OpDef } from './types';

function checkDTypeAttr(d: unknown, what = 'dtype'): void {
  if (!isDType(d)) throw new DTypeError(`${what} ${String(d)} is not one of ${DTYPES.join(', ')}`);
}

export const fillConstant: OpDef<'fill_constant'> = {
  type: 'fill_constant',
  inputs: [],
  outputs: [{ name: 'Out' }],
  defaults: { shape: [], dtype: 'float32', value: 0 },
  paddleAttrs: { shape: 'ints', dtype: 'dtype', value: 'float' },
  infer(ctx) {
    checkShapeAttr(ctx.attrs.shape, 'shape');
    checkDTypeAttr(ctx.attrs.dtype);
    ctx.setOutput('Out', ctx.attrs.shape, ctx.attrs.dtype);
  },
  cpu: fillConstantKernel,
  halfNative: true,
  onnx(ctx) {
    const { shape, dtype, value } = ctx.attrs;
    if (shape.length === 0) ctx.node('Identity', [ctx.scalar(value, dtype)], [ctx.output('Out')]);
    else ctx.node('Expand', [ctx.scalar(value, dtype), ctx.ints(shape)], [ctx.output('Out')]);
  },
};

/** fill_any_like: a tensor shaped like X; dtype null keeps X's dtype (Paddle's -1). */
export const fillAnyLike: OpDef<'fill_any_like'> = {
  type: 'fill_any_like',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }],
  defaults: { value: 0, dtype: null },
  paddleAttrs: { value: 'float', dtype: 'dtype_or_unset' },
  infer(ctx) {
    const x = ctx.input('X');
    if (ctx.attrs.dtype !== null) checkDTypeAttr(ctx.attrs.dtype);
    ctx.setOutput('Out', x.shape, ctx.attrs.dtype ?? x.dtype);
  },
  cpu: fillAnyLikeKernel,
  onnx(ctx) {
    const dtype = ctx.attrs.dtype ?? ctx.inputVar('X').dtype;
    ctx.node('Expand', [ctx.scalar(ctx.attrs.value, dtype), ctx.node('Shape', [ctx.input('X')], 1)[0]], [ctx.output('Out')]);
  },
  halfNative: true,
};

function randomInfer(ctx: { attrs: { shape: number[]; dtype: import('../dtype').DType }; setOutput: (s: string, sh: readonly number[], d: import('../dtype').DType) => void }): void {
  checkShapeAttr(ctx.attrs.shape, 'shape');
  checkDTypeAttr(ctx.attrs.dtype);
  if (!FLOATS.includes(ctx.attrs.dtype)) throw new DTypeError(`dtype ${ctx.attrs.dtype} must be a float type`);
  ctx.setOutput('Out', ctx.attrs.shape, ctx.attrs.dtype);
}

export const uniformRandom: OpDef<'uniform_random'> = {
  type: 'uniform_random',
  inputs: [],
  outputs: [{ name: 'Out' }],
  defaults: { shape: [], dtype: 'float32', min: -1, max: 1, seed: 0 },
  paddleAttrs: { shape: 'ints', dtype: 'dtype', min: 'float', max: 'float', seed: 'int' },
  infer(ctx) {
    if (!(ctx.attrs.min <= ctx.attrs.max)) shapeFail(`min ${ctx.attrs.min} must not exceed max ${ctx.attrs.max}`);
    randomInfer(ctx);
  },
  cpu: uniformRandomKernel,
  halfNative: true,
  random: true,
};

export const gaussianRandom: OpDef<'gaussian_random'> = {
  type: 'gaussian_random',
  inputs: [],
  outputs: [{ name: 'Out' }],
  defaults: { shape: [], dtype: 'float32', mean: 0, std: 1, seed: 0 },
  paddleAttrs: { shape: 'ints', dtype: 'dtype', mean: 'float', std: 'float', seed: 'int' },
  infer(ctx) {
    if (!(ctx.attrs.std >= 0)) shapeFail(`std ${ctx.attrs.std} must be >= 0`);
    randomInfer(ctx);
  },
  cpu: gaussianRandomKernel,
  halfNative: true,
  random: true,
};

export const truncatedGaussianRandom: OpDef<'truncated_gaussian_random'> = {
  type: 'truncated_gaussian_random',
  inputs: [],
  outputs: [{ name: 'Out' }],
  defaults: { shape: [], dtype: 'float32', mean: 0, std: 1, seed: 0, a: -2, b: 2 },
  paddleAttrs: { shape: 'ints', dtype: 'dtype', mean: 'float', std: 'float', seed: 'int', a: 'float', b: 'float' },
  infer(ctx) {
    if (!(ctx.attrs.std >= 0)) shapeFail(`std ${ctx.attrs.std} must be >= 0`);
    if (!(ctx.attrs.a < ctx.attrs.b)) shapeFail(`the truncation bounds a ${ctx.attrs.a} and b ${ctx.attrs.b} must satisfy a < b`);
    randomInfer(ctx);
  },
  cpu: truncatedGaussianRandomKernel,
  halfNative: true,
  random: true,
};
