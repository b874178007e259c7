import { matmulGradKernel, matmulKernel, mulGradKernel, mulKernel } from '../../kernels/cpu/matmul';
import { formatShape } from '../shape';
import { checkDType, checkSameDType, dimsAgree, FLOATS, shapeFail } from './check';
import { matmulGeometry } from './geometry';
import type { GradCtx, OpDef, VarInfo } from './types';

/** matmul_v2: Paddle's batched matmul with broadcast batch dims and optional transposes. */
export const matmulV2: OpDef<'matmul_v2'> = {
  type: 'matmul_v2',
  inputs: [{ name: 'X' }, { name: 'Y' }],
  outputs: [{ name: 'Out' }],
  defaults: { trans_x: false, trans_y: false },
  paddleAttrs: { trans_x: 'bool', trans_y: 'bool' },
  infer(ctx) {
    const x = ctx.input('X');
    const y = ctx.input('Y');
    checkDType(x, FLOATS, 'X');
    checkSameDType(x, y, 'X', 'Y');
    const g = matmulGeometry(x.shape, y.shape, ctx.attrs.trans_x, ctx.attrs.trans_y);
    if (!dimsAgree(g.Kx, g.Ky)) {
      shapeFail(`X ${formatShape(x.shape)}${ctx.attrs.trans_x ? 'ᵀ' : ''} and Y ${formatShape(y.shape)}${ctx.attrs.trans_y ? 'ᵀ' : ''} do not multiply: inner dims ${g.Kx} and ${g.Ky} differ`);
    }
    ctx.setOutput('Out', g.out, x.dtype);
  },
  cpu: matmulKernel,
  grad: (g) => linearGrad(g, 'matmul_v2_grad'),
  onnx(ctx) {
    // a transposition swaps the last two dims; a 1-D operand has none to swap (as the kernel)
    const t = (slot: string, on: boolean): string => {
      const rank = ctx.inputVar(slot).shape.length;
      if (!on || rank < 2) return ctx.input(slot);
      const perm = [...Array(rank).keys()];
      [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
      return ctx.node('Transpose', [ctx.input(slot)], 1, { perm })[0];
    };
    ctx.node('MatMul', [t('X', ctx.attrs.trans_x), t('Y', ctx.attrs.trans_y)], [ctx.output('Out')]);
  },
};

/** mul: the fluid fc matmul; X flattened to 2-D at x_num_col_dims, Y at y_num_col_dims. */
export const mul: OpDef<'mul'> = {
  type: 'mul',
  inputs: [{ name: 'X' }, { name: 'Y' }],
  outputs: [{ name: 'Out' }],
  defaults: { x_num_col_dims: 1, y_num_col_dims: 1 },
  paddleAttrs: { x_num_col_dims: 'int', y_num_col_dims: 'int' },
  infer(ctx) {
    const x = ctx.input('X');
    const y = ctx.input('Y');
    checkDType(x, FLOATS, 'X');
    checkSameDType(x, y, 'X', 'Y');
    const { x_num_col_dims: xn, y_num_col_dims: yn } = ctx.attrs;
    if (!(xn >= 1 && xn < x.shape.length)) shapeFail(`x_num_col_dims ${xn} must be in [1, ${x.shape.length - 1}] for X ${formatShape(x.shape)}`);
    if (!(yn >= 1 && yn < y.shape.length)) shapeFail(`y_num_col_dims ${yn} must be in [1, ${y.shape.length - 1}] for Y ${formatShape(y.shape)}`);
    const prod = (s: readonly number[]): number => (s.some((d) => d < 0) ? -1 : s.reduce((a, b) => a * b, 1));
    const K1 = prod(x.shape.slice(xn));
    const K2 = prod(y.shape.slice(0, yn));
    if (!dimsAgree(K1, K2)) shapeFail(`X ${formatShape(x.shape)} flattened at ${xn} has ${K1} columns but Y ${formatShape(y.shape)} flattened at ${yn} has ${K2} rows`);
    ctx.setOutput('Out', [...x.shape.slice(0, xn), ...y.shape.slice(yn)], x.dtype);
  },
  cpu: mulKernel,
  grad: (g) => linearGrad(g, 'mul_grad'),
  onnx(ctx) {
    const { x_num_col_dims: xn, y_num_col_dims: yn } = ctx.attrs;
    const rx = ctx.inputVar('X').shape.length;
    const ry = ctx.inputVar('Y').shape.length;
    if (rx === 2 && ry === 2) {
      ctx.node('MatMul', [ctx.input('X'), ctx.input('Y')], [ctx.output('Out')]);
      return;
    }
    const x2 = ctx.node('Flatten', [ctx.input('X')], 1, { axis: xn })[0];
    const y2 = ctx.node('Flatten', [ctx.input('Y')], 1, { axis: yn })[0];
    const prod = ctx.node('MatMul', [x2, y2], 1)[0];
    // the result takes X's leading dims (the batch may be dynamic) and Y's trailing ones
    const dims = (slot: string, from: number, to: number): string =>
      ctx.node('Slice', [ctx.node('Shape', [ctx.input(slot)], 1)[0], ctx.ints([from]), ctx.ints([to])], 1)[0];
    const shape = ctx.node('Concat', [dims('X', 0, xn), dims('Y', yn, ry)], 1, { axis: 0 })[0];
    ctx.node('Reshape', [prod, shape], [ctx.output('Out')]);
  },
};

function linearGrad(g: GradCtx<'matmul_v2' | 'mul'>, type: 'matmul_v2_grad' | 'mul_grad'): void {
  const outs: Record<string, string> = {};
  if (g.needs('X')) outs['X@GRAD'] = g.inputGrad('X');
  if (g.needs('Y')) outs['Y@GRAD'] = g.inputGrad('Y');
  g.append(type, { X: g.input('X'), Y: g.input('Y'), 'Out@GRAD': g.outGrad('Out')! }, outs, { ...g.attrs } as never);
}

function gradShapes(ctx: { input(s: string): VarInfo; setOutput(s: string, sh: readonly number[], d: VarInfo['dtype']): void }): void {
  const x = ctx.input('X');
  const y = ctx.input('Y');
  ctx.setOutput('X@GRAD', x.shape, x.dtype);
  ctx.setOutput('Y@GRAD', y.shape, y.dtype);
}

const GRAD_SLOTS = {
  inputs: [{ name: 'X' }, { name: 'Y' }, { name: 'Out@GRAD' }],
  outputs: [{ name: 'X@GRAD', optional: true }, { name: 'Y@GRAD', optional: true }],
} as const;

export const matmulV2Grad: OpDef<'matmul_v2_grad'> = {
  type: 'matmul_v2_grad',
  ...GRAD_SLOTS,
  defaults: { trans_x: false, trans_y: false },
  paddleAttrs: { trans_x: 'bool', trans_y: 'bool' },
  infer: gradShapes,
  cpu: matmulGradKernel,
  onnx(ctx) {
    const rx = ctx.inputVar('X').shape.length;
    const ry = ctx.inputVar('Y').shape.length;
    if (rx !== ry || rx < 2) ctx.unsupported(`the gradient of a matmul of ranks ${rx} and ${ry} (1-D or broadcast batches) is not mapped`);
    const { trans_x: tx, trans_y: ty } = ctx.attrs;
    const perm = [...Array(rx).keys()];
    [perm[rx - 2], perm[rx - 1]] = [perm[rx - 1], perm[rx - 2]];
    const t = (v: string): string => ctx.node('Transpose', [v], 1, { perm })[0];
    const g = ctx.input('Out@GRAD');
    const opX = tx ? t(ctx.input('X')) : ctx.input('X');
    const opY = ty ? t(ctx.input('Y')) : ctx.input('Y');
    // d op(X) = G · op(Y)ᵀ and d op(Y) = op(X)ᵀ · G, transposed back where the forward transposed
    if (ctx.hasOutput('X@GRAD')) {
      const d = ctx.node('MatMul', [g, t(opY)], 1)[0];
      ctx.node(tx ? 'Transpose' : 'Identity', [d], [ctx.output('X@GRAD')], tx ? { perm } : {});
    }
    if (ctx.hasOutput('Y@GRAD')) {
      const d = ctx.node('MatMul', [t(opX), g], 1)[0];
      ctx.node(ty ? 'Transpose' : 'Identity', [d], [ctx.output('Y@GRAD')], ty ? { perm } : {});
    }
  },
};

export const mulGrad: OpDef<'mul_grad'> = {
  type: 'mul_grad',
  ...GRAD_SLOTS,
  defaults: { x_num_col_dims: 1, y_num_col_dims: 1 },
  paddleAttrs: { x_num_col_dims: 'int', y_num_col_dims: 'int' },
  infer: gradShapes,
  cpu: mulGradKernel,
  onnx(ctx) {
    // on the 2-D views: dX = g·Yᵀ, dY = Xᵀ·g, each reshaped to its operand
    const { x_num_col_dims: xn, y_num_col_dims: yn } = ctx.attrs;
    const x2 = ctx.node('Flatten', [ctx.input('X')], 1, { axis: xn })[0];
    const y2 = ctx.node('Flatten', [ctx.input('Y')], 1, { axis: yn })[0];
    const g2 = ctx.node('Flatten', [ctx.input('Out@GRAD')], 1, { axis: xn })[0];
    const back = (v: string, slot: string, out: string): void => void ctx.node('Reshape', [v, ctx.node('Shape', [ctx.input(slot)], 1)[0]], [out]);
    if (ctx.hasOutput('X@GRAD')) back(ctx.node('MatMul', [g2, ctx.node('Transpose', [y2], 1, { perm: [1, 0] })[0]], 1)[0], 'X', ctx.output('X@GRAD'));
    if (ctx.hasOutput('Y@GRAD')) back(ctx.node('MatMul', [ctx.node('Transpose', [x2], 1, { perm: [1, 0] })[0], g2], 1)[0], 'Y', ctx.output('Y@GRAD'));
  },
};
