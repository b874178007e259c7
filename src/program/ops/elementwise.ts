/**
 * Elementwise ops, each from a scalar definition (the JS function the CPU kernel applies; the WGSL
 * expression and derivative join it in later issues). Binary ops follow Paddle's broadcasting with
 * `axis`.
 */
import { broadcastShapes } from '../shape';
import { binaryKernel, i64Div, i64Pow, intDiv, unaryKernel, BinaryScalar, UnaryScalar } from '../../kernels/cpu/elementwise';
import { geluExact, geluTanh, sigmoid } from '../../kernels/cpu/math';
import { checkDType, checkSameDType, FLOATS, NUMERIC } from './check';
import type { NoAttrs, OpDef, OpType } from './types';

type BinaryType = 'elementwise_add' | 'elementwise_sub' | 'elementwise_mul' | 'elementwise_div' | 'elementwise_max' | 'elementwise_min' | 'elementwise_pow';

function binary<K extends BinaryType>(type: K, s: BinaryScalar): OpDef<K> {
  return {
    type,
    inputs: [{ name: 'X' }, { name: 'Y' }],
    outputs: [{ name: 'Out' }],
    defaults: { axis: -1 } as OpDef<K>['defaults'],
    paddleAttrs: { axis: 'int' } as OpDef<K>['paddleAttrs'],
    infer(ctx) {
      const x = ctx.input('X');
      const y = ctx.input('Y');
      checkDType(x, NUMERIC, 'X');
      checkSameDType(x, y, 'X', 'Y');
      const { out } = broadcastShapes(x.shape, y.shape, ctx.attrs.axis, 'X and Y');
      ctx.setOutput('Out', out, x.dtype);
    },
    cpu: binaryKernel<K>(s),
  };
}

export const elementwiseBinaryOps = {
  elementwise_add: binary('elementwise_add', { f: (a, b) => a + b, i64: (a, b) => a + b }),
  elementwise_sub: binary('elementwise_sub', { f: (a, b) => a - b, i64: (a, b) => a - b }),
  elementwise_mul: binary('elementwise_mul', { f: (a, b) => a * b, int: (a, b) => Math.imul(a, b), i64: (a, b) => a * b }),
  elementwise_div: binary('elementwise_div', { f: (a, b) => a / b, int: intDiv, i64: i64Div }),
  // Paddle's MaxFunctor / MinFunctor: a > b ? a : b (NaN in `a` yields b)
  elementwise_max: binary('elementwise_max', { f: (a, b) => (a > b ? a : b), i64: (a, b) => (a > b ? a : b) }),
  elementwise_min: binary('elementwise_min', { f: (a, b) => (a < b ? a : b), i64: (a, b) => (a < b ? a : b) }),
  elementwise_pow: binary('elementwise_pow', { f: Math.pow, int: (a, b) => Math.round(Math.pow(a, b)), i64: i64Pow }),
} satisfies { [K in BinaryType]: OpDef<K> };

type UnaryType = 'relu' | 'sigmoid' | 'tanh' | 'exp' | 'log' | 'sqrt' | 'square' | 'abs';

function unary<K extends UnaryType>(type: K, s: UnaryScalar, dtypes = FLOATS): OpDef<K> {
  return {
    type,
    inputs: [{ name: 'X' }],
    outputs: [{ name: 'Out' }],
    defaults: {} as NoAttrs,
    paddleAttrs: {} as OpDef<K>['paddleAttrs'],
    infer(ctx) {
      const x = ctx.input('X');
      checkDType(x, dtypes, 'X');
      ctx.setOutput('Out', x.shape, x.dtype);
    },
    cpu: unaryKernel<K>(s),
  };
}

const INT_TOO = [...FLOATS, 'int32', 'int64'] as const;

export const elementwiseUnaryOps = {
  relu: unary('relu', { f: (x) => (x > 0 ? x : 0), i64: (x) => (x > 0n ? x : 0n) }, INT_TOO),
  sigmoid: unary('sigmoid', { f: sigmoid }),
  tanh: unary('tanh', { f: Math.tanh }),
  exp: unary('exp', { f: Math.exp }),
  log: unary('log', { f: Math.log }),
  sqrt: unary('sqrt', { f: Math.sqrt }),
  square: unary('square', { f: (x) => x * x, i64: (x) => x * x }, INT_TOO),
  abs: unary('abs', { f: Math.abs, i64: (x) => (x < 0n ? -x : x) }, INT_TOO),
} satisfies { [K in UnaryType]: OpDef<K> };

function sameShapeFloat<K extends OpType>(ctx: Parameters<OpDef<K>['infer']>[0]): void {
  const x = ctx.input('X');
  checkDType(x, FLOATS, 'X');
  ctx.setOutput('Out', x.shape, x.dtype);
}

export const leakyRelu: OpDef<'leaky_relu'> = {
  type: 'leaky_relu',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }],
  defaults: { alpha: 0.02 },
  paddleAttrs: { alpha: 'float' },
  infer: sameShapeFloat,
  cpu: unaryKernel<'leaky_relu'>({ f: (x) => x }, (k) => {
    const alpha = k.attrs.alpha;
    return (x) => (x > 0 ? x : alpha * x);
  }),
};

export const gelu: OpDef<'gelu'> = {
  type: 'gelu',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }],
  defaults: { approximate: false },
  paddleAttrs: { approximate: 'bool' },
  infer: sameShapeFloat,
  cpu: unaryKernel<'gelu'>({ f: geluExact }, (k) => (k.attrs.approximate ? geluTanh : geluExact)),
};

export const pow: OpDef<'pow'> = {
  type: 'pow',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }],
  defaults: { factor: 1 },
  paddleAttrs: { factor: 'float' },
  infer: sameShapeFloat,
  cpu: unaryKernel<'pow'>({ f: (x) => x }, (k) => {
    const p = k.attrs.factor;
    return (x) => Math.pow(x, p);
  }),
};

/** scale: bias_after_scale ? scale * x + bias : scale * (x + bias). Integers too (int64 exact when scale and bias are integers). */
export const scale: OpDef<'scale'> = {
  type: 'scale',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }],
  defaults: { scale: 1, bias: 0, bias_after_scale: true },
  paddleAttrs: { scale: 'float', bias: 'float', bias_after_scale: 'bool' },
  infer(ctx) {
    const x = ctx.input('X');
    checkDType(x, NUMERIC, 'X');
    ctx.setOutput('Out', x.shape, x.dtype);
  },
  cpu: (k) => {
    const { scale: s, bias: b, bias_after_scale: after } = k.attrs;
    const x = k.input('X');
    const out = k.output('Out');
    if (out.dtype === 'int64') {
      const xd = x.data as BigInt64Array;
      const od = out.data as BigInt64Array;
      const intParams = Number.isInteger(s) && Number.isInteger(b);
      for (let i = 0; i < od.length; i++) {
        if (intParams) od[i] = BigInt.asIntN(64, after ? BigInt(s) * xd[i] + BigInt(b) : BigInt(s) * (xd[i] + BigInt(b)));
        else od[i] = BigInt(Math.trunc(after ? s * Number(xd[i]) + b : s * (Number(xd[i]) + b)));
      }
      return;
    }
    unaryKernel<'scale'>({ f: (v) => v }, () => (after ? (v) => s * v + b : (v) => s * (v + b)))(k);
  },
};
