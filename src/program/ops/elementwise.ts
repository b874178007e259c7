/**
 * Elementwise ops, each from a scalar definition: the JS function the CPU kernel applies and its
 * derivative, which the gradient op applies (the WGSL expression joins them later). Binary ops
 * follow Paddle's broadcasting with `axis`; their gradients sum over the broadcast dims.
 */
import { broadcastShapes } from '../shape';
import { binaryKernel, i64Div, i64Pow, intDiv, unaryKernel, BinaryScalar, UnaryScalar } from '../../kernels/cpu/elementwise';
import { BinaryPartials, binaryGradKernel, unaryGradKernel } from '../../kernels/cpu/elementwise-grad';
import { erf, geluExact, geluTanh, sigmoid } from '../../kernels/cpu/math';
import { RuntimeOpError } from '../errors';
import { checkDType, checkSameDType, FLOATS, NUMERIC } from './check';
import { broadcastOperands, onnxUnary, sumToOperand } from './onnx-lowering';
import type { GradCtx, KernelArgs, NoAttrs, OnnxCtx, OnnxRule, OpDef, OpType } from './types';

type BinaryType = 'elementwise_add' | 'elementwise_sub' | 'elementwise_mul' | 'elementwise_div' | 'elementwise_max' | 'elementwise_min' | 'elementwise_pow' | 'elementwise_mod';
type BinaryGradType = `${Exclude<BinaryType, 'elementwise_mod'>}_grad`;

function binary<K extends BinaryType>(type: K, s: BinaryScalar, differentiable = true): OpDef<K> {
  const def: OpDef<K> = {
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
    onnx: (ctx) => binaryOnnx(type, ctx),
  };
  if (!differentiable) return def;
  return {
    ...def,
    grad(g) {
      const outs: Record<string, string> = {};
      if (g.needs('X')) outs['X@GRAD'] = g.inputGrad('X');
      if (g.needs('Y')) outs['Y@GRAD'] = g.inputGrad('Y');
      g.append(`${type}_grad` as BinaryGradType, { X: g.input('X'), Y: g.input('Y'), 'Out@GRAD': g.outGrad('Out')! }, outs, { axis: g.attrs.axis });
    },
  };
}

const ONNX_BINARY = {
  elementwise_add: 'Add',
  elementwise_sub: 'Sub',
  elementwise_mul: 'Mul',
  elementwise_div: 'Div',
  elementwise_max: 'Max',
  elementwise_min: 'Min',
  elementwise_pow: 'Pow',
  elementwise_mod: 'Mod',
} as const;

function binaryOnnx(type: BinaryType, ctx: OnnxCtx<BinaryType>): void {
  const [x, y] = broadcastOperands(ctx as OnnxCtx<OpType>, ctx.attrs.axis);
  const dtype = ctx.inputVar('X').dtype;
  if (type === 'elementwise_mod' && !dtype.startsWith('int')) {
    // ONNX's float Mod is C's fmod; Paddle's takes the divisor's sign: x - floor(x / y) * y
    const q = ctx.node('Floor', ctx.node('Div', [x, y], 1), 1);
    ctx.node('Sub', [x, ctx.node('Mul', [q[0], y], 1)[0]], [ctx.output('Out')]);
    return;
  }
  ctx.node(ONNX_BINARY[type], [x, y], [ctx.output('Out')]);
}

/** Paddle's ModFunctor: the remainder takes the divisor's sign (Python's %). */
function floorMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

function binaryGrad<G extends BinaryGradType>(type: G, p: BinaryPartials): OpDef<G> {
  return {
    type,
    inputs: [{ name: 'X' }, { name: 'Y' }, { name: 'Out', optional: true }, { name: 'Out@GRAD' }],
    outputs: [{ name: 'X@GRAD', optional: true }, { name: 'Y@GRAD', optional: true }],
    defaults: { axis: -1 } as OpDef<G>['defaults'],
    paddleAttrs: { axis: 'int' } as OpDef<G>['paddleAttrs'],
    infer(ctx) {
      const x = ctx.input('X');
      const y = ctx.input('Y');
      checkDType(x, FLOATS, 'X');
      ctx.setOutput('X@GRAD', x.shape, x.dtype);
      ctx.setOutput('Y@GRAD', y.shape, y.dtype);
    },
    cpu: binaryGradKernel<G>(p),
    onnx: BINARY_GRAD_ONNX[type] && ((ctx) => binaryGradOnnx(type, ctx)),
  };
}

/** The partials of the binary ops whose gradients map to ONNX: d(out)/dX and d(out)/dY times the output gradient. */
const BINARY_GRAD_ONNX: Partial<Record<BinaryGradType, (ctx: OnnxCtx<OpType>, x: string, y: string, g: string) => [string, string]>> = {
  elementwise_add_grad: (_c, _x, _y, g) => [g, g],
  elementwise_sub_grad: (c, _x, _y, g) => [g, c.node('Neg', [g], 1)[0]],
  elementwise_mul_grad: (c, x, y, g) => [c.node('Mul', [g, y], 1)[0], c.node('Mul', [g, x], 1)[0]],
  elementwise_div_grad: (c, x, y, g) => {
    const dx = c.node('Div', [g, y], 1)[0];
    return [dx, c.node('Neg', [c.node('Div', [c.node('Mul', [g, x], 1)[0], c.node('Mul', [y, y], 1)[0]], 1)[0]], 1)[0]];
  },
  // as the kernel: the gradient goes to X where x > y (x < y for min), to Y otherwise
  elementwise_max_grad: (c, x, y, g) => pick(c, c.node('Greater', [x, y], 1)[0], g),
  elementwise_min_grad: (c, x, y, g) => pick(c, c.node('Less', [x, y], 1)[0], g),
  elementwise_pow_grad: (c, x, y, g) => {
    const dt = c.inputVar('X').dtype;
    const dx = c.node('Mul', [c.node('Mul', [g, y], 1)[0], c.node('Pow', [x, c.node('Sub', [y, c.scalar(1, dt)], 1)[0]], 1)[0]], 1)[0];
    const dy = c.node('Mul', [c.node('Mul', [g, c.node('Pow', [x, y], 1)[0]], 1)[0], c.node('Log', [x], 1)[0]], 1)[0];
    return [dx, dy];
  },
};

/** g where `toX`, 0 elsewhere, and the reverse: the two halves of a max/min gradient. */
function pick(c: OnnxCtx<OpType>, toX: string, g: string): [string, string] {
  const zero = c.scalar(0, c.inputVar('X').dtype);
  return [c.node('Where', [toX, g, zero], 1)[0], c.node('Where', [toX, zero, g], 1)[0]];
}

function binaryGradOnnx(type: BinaryGradType, ctx: OnnxCtx<BinaryGradType>): void {
  const c = ctx as OnnxCtx<OpType>;
  const [x, y] = broadcastOperands(c, ctx.attrs.axis);
  const [dx, dy] = BINARY_GRAD_ONNX[type]!(c, x, y, ctx.input('Out@GRAD'));
  if (ctx.hasOutput('X@GRAD')) sumToOperand(c, dx, 'X', ctx.attrs.axis, ctx.output('X@GRAD'));
  if (ctx.hasOutput('Y@GRAD')) sumToOperand(c, dy, 'Y', ctx.attrs.axis, ctx.output('Y@GRAD'));
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
  elementwise_mod: binary(
    'elementwise_mod',
    {
      f: floorMod,
      int: (a, b, label) => {
        if (b === 0) throw new RuntimeOpError(`${label}: integer modulo by zero`);
        return floorMod(a, b);
      },
      i64: (a, b, label) => {
        if (b === 0n) throw new RuntimeOpError(`${label}: integer modulo by zero`);
        const r = a % b;
        return r !== 0n && r < 0n !== b < 0n ? r + b : r;
      },
    },
    false,
  ),
} satisfies { [K in BinaryType]: OpDef<K> };

export const elementwiseBinaryGradOps = {
  elementwise_add_grad: binaryGrad('elementwise_add_grad', { dx: (_x, _y, g) => g, dy: (_x, _y, g) => g }),
  elementwise_sub_grad: binaryGrad('elementwise_sub_grad', { dx: (_x, _y, g) => g, dy: (_x, _y, g) => -g }),
  elementwise_mul_grad: binaryGrad('elementwise_mul_grad', { dx: (_x, y, g) => g * y, dy: (x, _y, g) => g * x }),
  elementwise_div_grad: binaryGrad('elementwise_div_grad', { dx: (_x, y, g) => g / y, dy: (x, y, g) => (-g * x) / (y * y) }),
  // as Paddle: the gradient goes to X where x > y (x < y for min), to Y otherwise
  elementwise_max_grad: binaryGrad('elementwise_max_grad', { dx: (x, y, g) => (x > y ? g : 0), dy: (x, y, g) => (x > y ? 0 : g) }),
  elementwise_min_grad: binaryGrad('elementwise_min_grad', { dx: (x, y, g) => (x < y ? g : 0), dy: (x, y, g) => (x < y ? 0 : g) }),
  elementwise_pow_grad: binaryGrad('elementwise_pow_grad', { dx: (x, y, g) => g * y * Math.pow(x, y - 1), dy: (x, y, g) => g * Math.pow(x, y) * Math.log(x) }),
} satisfies { [K in BinaryGradType]: OpDef<K> };

type UnaryType = 'relu' | 'sigmoid' | 'tanh' | 'exp' | 'log' | 'sqrt' | 'square' | 'abs' | 'leaky_relu' | 'relu6' | 'gelu' | 'pow';
type UnaryGradType = `${UnaryType}_grad`;

/** sign: -1, 0 or 1 (L1Decay's regularisation term); no gradient. */
export const sign: OpDef<'sign'> = {
  type: 'sign',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }],
  defaults: {},
  paddleAttrs: {},
  infer(ctx) {
    const x = ctx.input('X');
    checkDType(x, FLOATS, 'X');
    ctx.setOutput('Out', x.shape, x.dtype);
  },
  cpu: unaryKernel<'sign'>({ f: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0) }),
  onnx: onnxUnary('Sign'),
};

/** The unary gradients that map to ONNX, from the forward X or Out (`v`) and the output gradient. */
const UNARY_GRAD_ONNX: Partial<Record<UnaryGradType, OnnxRule<UnaryGradType>>> = {
  relu_grad: (ctx) => {
    const out = ctx.input('Out');
    const dt = ctx.inputVar('Out').dtype;
    ctx.node('Where', [ctx.node('Greater', [out, ctx.scalar(0, dt)], 1)[0], ctx.input('Out@GRAD'), ctx.scalar(0, dt)], [ctx.output('X@GRAD')]);
  },
  square_grad: (ctx) => {
    const g2 = ctx.node('Mul', [ctx.scalar(2, ctx.inputVar('X').dtype), ctx.input('Out@GRAD')], 1)[0];
    ctx.node('Mul', [g2, ctx.input('X')], [ctx.output('X@GRAD')]);
  },
  tanh_grad: (ctx) => {
    const o = ctx.input('Out');
    const oneMinus = ctx.node('Sub', [ctx.scalar(1, ctx.inputVar('Out').dtype), ctx.node('Mul', [o, o], 1)[0]], 1)[0];
    ctx.node('Mul', [ctx.input('Out@GRAD'), oneMinus], [ctx.output('X@GRAD')]);
  },
  exp_grad: (ctx) => void ctx.node('Mul', [ctx.input('Out@GRAD'), ctx.input('Out')], [ctx.output('X@GRAD')]),
  log_grad: (ctx) => void ctx.node('Div', [ctx.input('Out@GRAD'), ctx.input('X')], [ctx.output('X@GRAD')]),
  sqrt_grad: (ctx) => {
    const half = ctx.node('Mul', [ctx.scalar(0.5, ctx.inputVar('Out').dtype), ctx.input('Out@GRAD')], 1)[0];
    ctx.node('Div', [half, ctx.input('Out')], [ctx.output('X@GRAD')]);
  },
  abs_grad: (ctx) => void ctx.node('Mul', [ctx.input('Out@GRAD'), ctx.node('Sign', [ctx.input('X')], 1)[0]], [ctx.output('X@GRAD')]),
  leaky_relu_grad: (ctx) => {
    const dt = ctx.inputVar('X').dtype;
    const g = ctx.input('Out@GRAD');
    const pos = ctx.node('Greater', [ctx.input('X'), ctx.scalar(0, dt)], 1)[0];
    ctx.node('Where', [pos, g, ctx.node('Mul', [ctx.scalar((ctx.attrs as { alpha: number }).alpha, dt), g], 1)[0]], [ctx.output('X@GRAD')]);
  },
  relu6_grad: (ctx) => {
    const dt = ctx.inputVar('Out').dtype;
    const o = ctx.input('Out');
    const inside = ctx.node('And', [ctx.node('Greater', [o, ctx.scalar(0, dt)], 1)[0], ctx.node('Less', [o, ctx.scalar((ctx.attrs as { threshold: number }).threshold, dt)], 1)[0]], 1)[0];
    ctx.node('Where', [inside, ctx.input('Out@GRAD'), ctx.scalar(0, dt)], [ctx.output('X@GRAD')]);
  },
  pow_grad: (ctx) => {
    const dt = ctx.inputVar('X').dtype;
    const p = (ctx.attrs as { factor: number }).factor;
    const xp = ctx.node('Pow', [ctx.input('X'), ctx.scalar(p - 1, dt)], 1)[0];
    ctx.node('Mul', [ctx.node('Mul', [ctx.input('Out@GRAD'), ctx.scalar(p, dt)], 1)[0], xp], [ctx.output('X@GRAD')]);
  },
  gelu_grad: (ctx) => {
    const x = ctx.input('X');
    const dt = ctx.inputVar('X').dtype;
    const c = (v: number): string => ctx.scalar(v, dt);
    const n = (op: string, ins: string[]): string => ctx.node(op, ins, 1)[0];
    let d: string;
    if ((ctx.attrs as { approximate: boolean }).approximate) {
      // 0.5(1 + t) + 0.5 x (1 − t²) k (1 + 3·0.044715 x²), t = tanh(k (x + 0.044715 x³))
      const x2 = n('Mul', [x, x]);
      const t = n('Tanh', [n('Mul', [c(K_GELU), n('Add', [x, n('Mul', [c(0.044715), n('Mul', [x2, x])])])])]);
      const left = n('Mul', [c(0.5), n('Add', [c(1), t])]);
      const right = n('Mul', [n('Mul', [n('Mul', [c(0.5), x]), n('Sub', [c(1), n('Mul', [t, t])])]), n('Mul', [c(K_GELU), n('Add', [c(1), n('Mul', [c(3 * 0.044715), x2])])])]);
      d = n('Add', [left, right]);
    } else {
      // 0.5(1 + erf(x/√2)) + x·exp(−x²/2)/√(2π)
      const cdf = n('Mul', [c(0.5), n('Add', [c(1), n('Erf', [n('Mul', [x, c(Math.SQRT1_2)])])])]);
      const pdf = n('Mul', [n('Exp', [n('Mul', [c(-0.5), n('Mul', [x, x])])]), c(1 / Math.sqrt(2 * Math.PI))]);
      d = n('Add', [cdf, n('Mul', [x, pdf])]);
    }
    ctx.node('Mul', [ctx.input('Out@GRAD'), d], [ctx.output('X@GRAD')]);
  },
  sigmoid_grad: (ctx) => {
    const o = ctx.input('Out');
    const oneMinus = ctx.node('Sub', [ctx.scalar(1, ctx.inputVar('Out').dtype), o], 1)[0];
    ctx.node('Mul', [ctx.node('Mul', [ctx.input('Out@GRAD'), o], 1)[0], oneMinus], [ctx.output('X@GRAD')]);
  },
};

/** The gradient op of a unary op reads the forward X or Out (as Paddle's does) and Out@GRAD. */
function unaryGrad<G extends UnaryGradType>(type: G, slot: 'X' | 'Out', attrs: OpDef<G>['defaults'], paddleAttrs: OpDef<G>['paddleAttrs'], d: (k: KernelArgs<G>) => (v: number, g: number) => number): OpDef<G> {
  return {
    type,
    inputs: [{ name: slot }, { name: 'Out@GRAD' }],
    outputs: [{ name: 'X@GRAD' }],
    defaults: attrs,
    paddleAttrs,
    infer(ctx) {
      const v = ctx.input(slot);
      checkDType(v, FLOATS, slot);
      ctx.setOutput('X@GRAD', v.shape, v.dtype);
    },
    cpu: unaryGradKernel<G>(slot, d),
    onnx: UNARY_GRAD_ONNX[type],
  };
}

function unaryGradRule<K extends UnaryType>(type: K, slot: 'X' | 'Out') {
  return (g: GradCtx<K>): void => {
    g.append(`${type}_grad` as UnaryGradType, { [slot]: slot === 'X' ? g.input('X') : g.output('Out'), 'Out@GRAD': g.outGrad('Out')! }, { 'X@GRAD': g.inputGrad('X') }, { ...g.attrs } as never);
  };
}

function unary<K extends UnaryType>(
  type: K,
  s: UnaryScalar,
  gradSlot: 'X' | 'Out',
  onnx: OpDef<K>['onnx'],
  o: { dtypes?: readonly string[]; defaults?: OpDef<K>['defaults']; paddleAttrs?: OpDef<K>['paddleAttrs']; map?: (k: KernelArgs<K>) => (x: number) => number } = {},
): OpDef<K> {
  const dtypes = (o.dtypes ?? FLOATS) as typeof FLOATS;
  return {
    type,
    inputs: [{ name: 'X' }],
    outputs: [{ name: 'Out' }],
    defaults: o.defaults ?? ({} as OpDef<K>['defaults']),
    paddleAttrs: o.paddleAttrs ?? ({} as OpDef<K>['paddleAttrs']),
    infer(ctx) {
      const x = ctx.input('X');
      checkDType(x, dtypes, 'X');
      ctx.setOutput('Out', x.shape, x.dtype);
    },
    cpu: unaryKernel<K>(s, o.map),
    grad: unaryGradRule(type, gradSlot),
    onnx,
  };
}

/** gelu from Erf (exact) or Tanh (approximate): opset 17 has no Gelu. */
function geluOnnx(ctx: OnnxCtx<'gelu'>): void {
  const x = ctx.input('X');
  const dt = ctx.inputVar('X').dtype;
  const c = (v: number): string => ctx.scalar(v, dt);
  const n = (op: string, ins: string[]): string => ctx.node(op, ins, 1)[0];
  const inner = ctx.attrs.approximate
    ? n('Tanh', [n('Mul', [c(Math.sqrt(2 / Math.PI)), n('Add', [x, n('Mul', [c(0.044715), n('Mul', [x, n('Mul', [x, x])])])])])])
    : n('Erf', [n('Mul', [x, c(Math.SQRT1_2)])]);
  ctx.node('Mul', [n('Mul', [c(0.5), x]), n('Add', [c(1), inner])], [ctx.output('Out')]);
}

const INT_TOO = [...FLOATS, 'int32', 'int64'] as const;
const none = {} as NoAttrs;

export const elementwiseUnaryOps = {
  relu: unary('relu', { f: (x) => (x > 0 ? x : 0), i64: (x) => (x > 0n ? x : 0n) }, 'Out', onnxUnary('Relu'), { dtypes: INT_TOO }),
  sigmoid: unary('sigmoid', { f: sigmoid }, 'Out', onnxUnary('Sigmoid')),
  tanh: unary('tanh', { f: Math.tanh }, 'Out', onnxUnary('Tanh')),
  exp: unary('exp', { f: Math.exp }, 'Out', onnxUnary('Exp')),
  log: unary('log', { f: Math.log }, 'X', onnxUnary('Log')),
  sqrt: unary('sqrt', { f: Math.sqrt }, 'Out', onnxUnary('Sqrt')),
  square: unary('square', { f: (x) => x * x, i64: (x) => x * x }, 'X', (ctx) => void ctx.node('Mul', [ctx.input('X'), ctx.input('X')], [ctx.output('Out')]), { dtypes: INT_TOO }),
  abs: unary('abs', { f: Math.abs, i64: (x) => (x < 0n ? -x : x) }, 'X', onnxUnary('Abs'), { dtypes: INT_TOO }),
  leaky_relu: unary('leaky_relu', { f: (x) => x }, 'X', onnxUnary('LeakyRelu', (ctx) => ({ alpha: { float: (ctx as OnnxCtx<'leaky_relu'>).attrs.alpha } })), {
    defaults: { alpha: 0.02 },
    paddleAttrs: { alpha: 'float' },
    map: (k) => {
      const alpha = k.attrs.alpha;
      return (x) => (x > 0 ? x : alpha * x);
    },
  }),
  // Paddle's relu6: min(max(x, 0), threshold); its gradient op reads Out
  relu6: unary('relu6', { f: (x) => x }, 'Out', (ctx) => {
    const dtype = ctx.inputVar('X').dtype;
    ctx.node('Clip', [ctx.input('X'), ctx.scalar(0, dtype), ctx.scalar(ctx.attrs.threshold, dtype)], [ctx.output('Out')]);
  }, {
    defaults: { threshold: 6 },
    paddleAttrs: { threshold: 'float' },
    map: (k) => {
      const t = k.attrs.threshold;
      return (x) => (x < 0 ? 0 : x > t ? t : x);
    },
  }),
  gelu: unary('gelu', { f: geluExact }, 'X', geluOnnx, {
    defaults: { approximate: false },
    paddleAttrs: { approximate: 'bool' },
    map: (k) => (k.attrs.approximate ? geluTanh : geluExact),
  }),
  pow: unary('pow', { f: (x) => x }, 'X', (ctx) => void ctx.node('Pow', [ctx.input('X'), ctx.scalar(ctx.attrs.factor, ctx.inputVar('X').dtype)], [ctx.output('Out')]), {
    defaults: { factor: 1 },
    paddleAttrs: { factor: 'float' },
    map: (k) => {
      const p = k.attrs.factor;
      return (x) => Math.pow(x, p);
    },
  }),
} satisfies { [K in UnaryType]: OpDef<K> };

const K_GELU = Math.sqrt(2 / Math.PI);

export const elementwiseUnaryGradOps = {
  relu_grad: unaryGrad('relu_grad', 'Out', none, {}, () => (o, g) => (o > 0 ? g : 0)),
  sigmoid_grad: unaryGrad('sigmoid_grad', 'Out', none, {}, () => (o, g) => g * o * (1 - o)),
  tanh_grad: unaryGrad('tanh_grad', 'Out', none, {}, () => (o, g) => g * (1 - o * o)),
  exp_grad: unaryGrad('exp_grad', 'Out', none, {}, () => (o, g) => g * o),
  log_grad: unaryGrad('log_grad', 'X', none, {}, () => (x, g) => g / x),
  sqrt_grad: unaryGrad('sqrt_grad', 'Out', none, {}, () => (o, g) => (0.5 * g) / o),
  square_grad: unaryGrad('square_grad', 'X', none, {}, () => (x, g) => 2 * g * x),
  abs_grad: unaryGrad('abs_grad', 'X', none, {}, () => (x, g) => (x > 0 ? g : x < 0 ? -g : 0)),
  leaky_relu_grad: unaryGrad('leaky_relu_grad', 'X', { alpha: 0.02 }, { alpha: 'float' }, (k) => {
    const a = k.attrs.alpha;
    return (x, g) => (x > 0 ? g : a * g);
  }),
  relu6_grad: unaryGrad('relu6_grad', 'Out', { threshold: 6 }, { threshold: 'float' }, (k) => {
    const t = k.attrs.threshold;
    return (o, g) => (o > 0 && o < t ? g : 0);
  }),
  gelu_grad: unaryGrad('gelu_grad', 'X', { approximate: false }, { approximate: 'bool' }, (k) =>
    k.attrs.approximate
      ? (x, g) => {
          const t = Math.tanh(K_GELU * (x + 0.044715 * x * x * x));
          return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K_GELU * (1 + 3 * 0.044715 * x * x));
        }
      : (x, g) => g * (0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI)),
  ),
  pow_grad: unaryGrad('pow_grad', 'X', { factor: 1 }, { factor: 'float' }, (k) => {
    const p = k.attrs.factor;
    return (x, g) => g * p * Math.pow(x, p - 1);
  }),
} satisfies { [K in UnaryGradType]: OpDef<K> };

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
  onnx(ctx) {
    const { scale: s, bias: b, bias_after_scale: after } = ctx.attrs;
    const dt = ctx.inputVar('X').dtype;
    const x = ctx.input('X');
    if (after) ctx.node('Add', [ctx.node('Mul', [x, ctx.scalar(s, dt)], 1)[0], ctx.scalar(b, dt)], [ctx.output('Out')]);
    else ctx.node('Mul', [ctx.node('Add', [x, ctx.scalar(b, dt)], 1)[0], ctx.scalar(s, dt)], [ctx.output('Out')]);
  },
  // Paddle's ScaleGradMaker: the gradient is a scale op with the same factor and no bias.
  grad(g) {
    g.append('scale', { X: g.outGrad('Out')! }, { Out: g.inputGrad('X') }, { scale: g.attrs.scale, bias: 0, bias_after_scale: true });
  },
};

