import {
  castKernel,
  concatGradKernel,
  concatKernel,
  copyGradKernel,
  gatherGradKernel,
  sliceGradKernel,
  transposeGradKernel,
  copyKernel,
  gatherKernel,
  oneHotKernel,
  sliceBounds,
  sliceKernel,
  splitKernel,
  transposeKernel,
} from '../../kernels/cpu/manipulation';
import { DTYPES, isDType } from '../dtype';
import { DTypeError } from '../errors';
import { formatShape, normAxis, numel } from '../shape';
import { checkDType, checkSameDType, dimsAgree, INDEX, shapeFail } from './check';
import type { GradCtx, InferCtx, OnnxCtx, OpDef, VarInfo } from './types';

/** reshape2: 0 copies the input dim at that position, one -1 is inferred. */
export function reshapeTarget(input: readonly number[], target: readonly number[]): number[] {
  let infer = -1;
  const out = target.map((d, i) => {
    if (d === 0) {
      if (i >= input.length) shapeFail(`shape ${formatShape(target)}: 0 at position ${i} copies a dim the input ${formatShape(input)} lacks`);
      return input[i];
    }
    if (d === -1) {
      if (infer >= 0) shapeFail(`shape ${formatShape(target)} has more than one -1`);
      infer = i;
      return -1;
    }
    if (!Number.isInteger(d) || d < 0) shapeFail(`shape ${formatShape(target)} holds ${d}; expected positive sizes, 0 (copy) or one -1`);
    return d;
  });
  const total = numel(input);
  const known = out.reduce((a, d, i) => (i === infer ? a : a * d), 1);
  if (infer >= 0) {
    if (total >= 0 && out.every((d, i) => i === infer || d >= 0)) {
      if (known === 0 || total % known !== 0) shapeFail(`cannot reshape ${formatShape(input)} (${total} elements) to ${formatShape(target)}`);
      out[infer] = total / known;
    }
  } else if (total >= 0 && out.every((d) => d >= 0) && known !== total) {
    shapeFail(`cannot reshape ${formatShape(input)} (${total} elements) to ${formatShape(target)} (${known} elements)`);
  }
  return out;
}

export const reshape2: OpDef<'reshape2'> = {
  type: 'reshape2',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }, { name: 'XShape', optional: true }],
  defaults: { shape: [] },
  paddleAttrs: { shape: 'ints' },
  infer(ctx) {
    const x = ctx.input('X');
    ctx.setOutput('Out', reshapeTarget(x.shape, ctx.attrs.shape), x.dtype);
    setXShape(ctx, x);
  },
  cpu: copyKernel,
  halfNative: true,
  grad: (g) => xshapeGrad(g, 'reshape2_grad'),
  // Paddle's 0 (keep the dim) and -1 (infer it) mean the same to ONNX's Reshape
  onnx(ctx) {
    ctx.node('Reshape', [ctx.input('X'), ctx.ints(ctx.attrs.shape)], [ctx.output('Out')]);
    xshapeOnnx(ctx);
  },
};

/**
 * Paddle's XShape: a tensor of shape [0, ...X.shape], holding no data, that carries the input's
 * run-time shape to the gradient op.
 */
function setXShape<K extends 'reshape2' | 'transpose2' | 'flatten_contiguous_range'>(ctx: InferCtx<K>, x: VarInfo): void {
  ctx.setOutput('XShape', [0, ...x.shape], x.dtype);
}

function xshapeGrad<K extends 'reshape2' | 'transpose2' | 'flatten_contiguous_range'>(g: GradCtx<K>, type: `${K}_grad`): void {
  const inputs: Record<string, string | string[]> = { 'Out@GRAD': g.outGrad('Out')! };
  if (g.output('XShape').length) inputs.XShape = g.output('XShape');
  else inputs.X = g.input('X');
  g.append(type, inputs, { 'X@GRAD': g.inputGrad('X') }, { ...g.attrs } as never);
}

/**
 * Paddle's XShape holds no data, only X's shape for the gradient op: in ONNX its value is X's shape
 * itself (an int64 vector), which the gradient's Reshape takes as it is. Unused, it is dropped.
 */
function xshapeOnnx(ctx: OnnxCtx<'reshape2' | 'transpose2' | 'flatten_contiguous_range'>): void {
  if (ctx.hasOutput('XShape')) ctx.node('Shape', [ctx.input('X')], [ctx.output('XShape')]);
}

function xshapeGradDef<G extends 'reshape2_grad' | 'transpose2_grad' | 'flatten_contiguous_range_grad'>(
  type: G,
  defaults: OpDef<G>['defaults'],
  paddleAttrs: OpDef<G>['paddleAttrs'],
  cpu: OpDef<G>['cpu'],
): OpDef<G> {
  return {
    type,
    inputs: [{ name: 'XShape', optional: true }, { name: 'X', optional: true }, { name: 'Out@GRAD' }],
    outputs: [{ name: 'X@GRAD' }],
    defaults,
    paddleAttrs,
    infer(ctx) {
      const xs = ctx.maybeInput('XShape');
      const g = ctx.input('Out@GRAD');
      const shape = xs ? xs.shape.slice(1) : ctx.input('X').shape;
      ctx.setOutput('X@GRAD', shape, g.dtype);
    },
    cpu,
    halfNative: true,
    onnx(ctx) {
      const g = ctx.input('Out@GRAD');
      if (type === 'transpose2_grad') {
        const perm = (ctx.attrs as unknown as { axis: number[] }).axis;
        const rank = perm.length;
        const inverse = new Array<number>(rank);
        perm.forEach((p, i) => (inverse[p < 0 ? p + rank : p] = i));
        ctx.node('Transpose', [g], [ctx.output('X@GRAD')], { perm: inverse });
        return;
      }
      // back to X's shape, which the forward mapping made XShape's value (see xshapeOnnx)
      const shape = ctx.has('XShape') ? ctx.input('XShape') : ctx.node('Shape', [ctx.input('X')], 1)[0];
      ctx.node('Reshape', [g, shape], [ctx.output('X@GRAD')]);
    },
  };
}

export const reshape2Grad = xshapeGradDef('reshape2_grad', { shape: [] }, { shape: 'ints' }, copyGradKernel);
export const transpose2Grad = xshapeGradDef('transpose2_grad', { axis: [] }, { axis: 'ints' }, transposeGradKernel);
export const flattenGrad = xshapeGradDef('flatten_contiguous_range_grad', { start_axis: 1, stop_axis: -1 }, { start_axis: 'int', stop_axis: 'int' }, copyGradKernel);

export const transpose2: OpDef<'transpose2'> = {
  type: 'transpose2',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }, { name: 'XShape', optional: true }],
  defaults: { axis: [] },
  paddleAttrs: { axis: 'ints' },
  infer(ctx) {
    const x = ctx.input('X');
    const perm = ctx.attrs.axis.map((a) => normAxis(a, x.shape.length, 'axis'));
    if (perm.length !== x.shape.length || new Set(perm).size !== perm.length) {
      shapeFail(`axis ${JSON.stringify(ctx.attrs.axis)} is not a permutation of the ${x.shape.length} dims of X ${formatShape(x.shape)}`);
    }
    ctx.setOutput('Out', perm.map((p) => x.shape[p]), x.dtype);
    setXShape(ctx, x);
  },
  cpu: transposeKernel,
  halfNative: true,
  grad: (g) => xshapeGrad(g, 'transpose2_grad'),
  onnx(ctx) {
    const rank = ctx.inputVar('X').shape.length;
    ctx.node('Transpose', [ctx.input('X')], [ctx.output('Out')], { perm: ctx.attrs.axis.map((a) => (a < 0 ? a + rank : a)) });
    xshapeOnnx(ctx);
  },
};

export const flatten: OpDef<'flatten_contiguous_range'> = {
  type: 'flatten_contiguous_range',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }, { name: 'XShape', optional: true }],
  defaults: { start_axis: 1, stop_axis: -1 },
  paddleAttrs: { start_axis: 'int', stop_axis: 'int' },
  infer(ctx) {
    const x = ctx.input('X');
    setXShape(ctx, x);
    if (x.shape.length === 0) {
      ctx.setOutput('Out', [1], x.dtype);
      return;
    }
    const s = normAxis(ctx.attrs.start_axis, x.shape.length, 'start_axis');
    const e = normAxis(ctx.attrs.stop_axis, x.shape.length, 'stop_axis');
    if (s > e) shapeFail(`start_axis ${ctx.attrs.start_axis} comes after stop_axis ${ctx.attrs.stop_axis}`);
    const mid = numel(x.shape.slice(s, e + 1));
    ctx.setOutput('Out', [...x.shape.slice(0, s), mid, ...x.shape.slice(e + 1)], x.dtype);
  },
  cpu: copyKernel,
  halfNative: true,
  grad: (g) => xshapeGrad(g, 'flatten_contiguous_range_grad'),
  onnx(ctx) {
    const x = ctx.input('X');
    const rank = ctx.inputVar('X').shape.length;
    xshapeOnnx(ctx);
    if (rank === 0) {
      ctx.node('Reshape', [x, ctx.ints([1])], [ctx.output('Out')]);
      return;
    }
    const s = normAxis(ctx.attrs.start_axis, rank, 'start_axis');
    const e = normAxis(ctx.attrs.stop_axis, rank, 'stop_axis');
    // the dims outside [s, e] come from the input at run time (one of them may be the batch)
    const shape = ctx.node('Shape', [x], 1)[0];
    const parts = [ctx.ints([-1])];
    if (s > 0) parts.unshift(ctx.node('Slice', [shape, ctx.ints([0]), ctx.ints([s])], 1)[0]);
    if (e < rank - 1) parts.push(ctx.node('Slice', [shape, ctx.ints([e + 1]), ctx.ints([rank])], 1)[0]);
    const target = parts.length === 1 ? parts[0] : ctx.node('Concat', parts, 1, { axis: 0 })[0];
    ctx.node('Reshape', [x, target], [ctx.output('Out')]);
  },
};

export const concat: OpDef<'concat'> = {
  type: 'concat',
  inputs: [{ name: 'X', multi: true }],
  outputs: [{ name: 'Out' }],
  defaults: { axis: 0 },
  paddleAttrs: { axis: 'int' },
  infer(ctx) {
    const xs = ctx.inputs('X');
    const first = xs[0];
    const rank = first.shape.length;
    const axis = normAxis(ctx.attrs.axis, rank, 'axis');
    const out = [...first.shape];
    out[axis] = 0;
    xs.forEach((x, i) => {
      checkSameDType(first, x, 'X[0]', `X[${i}]`);
      if (x.shape.length !== rank || x.shape.some((d, j) => j !== axis && !dimsAgree(d, first.shape[j]))) {
        shapeFail(`X[${i}] ${formatShape(x.shape)} does not match X[0] ${formatShape(first.shape)} outside axis ${axis}`);
      }
      out[axis] = out[axis] < 0 || x.shape[axis] < 0 ? -1 : out[axis] + x.shape[axis];
    });
    ctx.setOutput('Out', out, first.dtype);
  },
  cpu: concatKernel,
  halfNative: true,
  onnx(ctx) {
    const xs = [...Array(ctx.inputCount('X')).keys()].map((i) => ctx.input('X', i));
    ctx.node('Concat', xs, [ctx.output('Out')], { axis: ctx.attrs.axis });
  },
  grad(g) {
    // every piece is cut out; the ones that need no gradient go to scratch variables
    const outs = g.input('X').map((n, i) => (g.needs('X', i) ? g.inputGrad('X', i) : g.temp(n)));
    g.append('concat_grad', { X: g.input('X'), 'Out@GRAD': g.outGrad('Out')! }, { 'X@GRAD': outs }, { axis: g.attrs.axis });
  },
};

export const concatGrad: OpDef<'concat_grad'> = {
  type: 'concat_grad',
  inputs: [{ name: 'X', multi: true }, { name: 'Out@GRAD' }],
  outputs: [{ name: 'X@GRAD', multi: true }],
  defaults: { axis: 0 },
  paddleAttrs: { axis: 'int' },
  infer(ctx) {
    ctx.inputs('X').forEach((x, i) => ctx.setOutput('X@GRAD', x.shape, x.dtype, i));
  },
  cpu: concatGradKernel,
  onnx(ctx) {
    const n = ctx.inputCount('X');
    const rank = ctx.inputVar('X').shape.length;
    const axis = normAxis(ctx.attrs.axis, rank, 'axis');
    const sizes = [...Array(n).keys()].map((i) => ctx.inputVar('X', i).shape[axis]);
    if (sizes.some((d) => d < 0)) ctx.unsupported(`the pieces' sizes along axis ${axis} (${JSON.stringify(sizes)}) must be known`);
    ctx.node('Split', [ctx.input('Out@GRAD'), ctx.ints(sizes)], ctx.outputs('X@GRAD'), { axis });
  },
  halfNative: true,
};

export const split: OpDef<'split'> = {
  type: 'split',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out', multi: true }],
  defaults: { axis: 0, num: 0, sections: [] },
  paddleAttrs: { axis: 'int', num: 'int', sections: 'ints' },
  infer(ctx) {
    const x = ctx.input('X');
    const axis = normAxis(ctx.attrs.axis, x.shape.length, 'axis');
    const dim = x.shape[axis];
    const n = ctx.outputCount('Out');
    let sizes: number[];
    if (ctx.attrs.sections.length) {
      sizes = [...ctx.attrs.sections];
      const unknown = sizes.filter((s) => s === -1).length;
      if (unknown > 1) shapeFail(`sections ${JSON.stringify(sizes)} may hold at most one -1`);
      const known = sizes.reduce((a, s) => (s === -1 ? a : a + s), 0);
      if (dim >= 0) {
        if (unknown) sizes[sizes.indexOf(-1)] = dim - known;
        if (sizes.some((s) => s < 0) || sizes.reduce((a, b) => a + b, 0) !== dim) {
          shapeFail(`sections ${JSON.stringify(ctx.attrs.sections)} do not add up to dim ${axis} of X ${formatShape(x.shape)}`);
        }
      }
    } else {
      const num = ctx.attrs.num;
      if (!(num > 0)) shapeFail('split needs num > 0 or sections');
      if (dim >= 0 && dim % num !== 0) shapeFail(`dim ${axis} of X ${formatShape(x.shape)} (${dim}) does not split into ${num} equal parts`);
      sizes = new Array<number>(num).fill(dim < 0 ? -1 : dim / num);
    }
    if (sizes.length !== n) shapeFail(`split makes ${sizes.length} parts but the op has ${n} outputs`);
    sizes.forEach((s, i) => {
      const shape = [...x.shape];
      shape[axis] = s;
      ctx.setOutput('Out', shape, x.dtype, i);
    });
  },
  cpu: splitKernel,
  halfNative: true,
  onnx(ctx) {
    const inputs = [ctx.input('X')];
    if (ctx.attrs.sections.length) {
      const sizes = [...ctx.attrs.sections];
      if (sizes.includes(-1)) {
        const dim = ctx.inputVar('X').shape[normAxis(ctx.attrs.axis, ctx.inputVar('X').shape.length, 'axis')];
        if (dim < 0) ctx.unsupported(`sections ${JSON.stringify(sizes)} hold -1 on a dim whose size is known only at run time; ONNX's Split needs every size`);
        sizes[sizes.indexOf(-1)] = dim - sizes.reduce((a, v) => (v === -1 ? a : a + v), 0);
      }
      inputs.push(ctx.ints(sizes));
    }
    // without sizes, Split cuts the axis into as many equal parts as it has outputs
    ctx.node('Split', inputs, ctx.outputs('Out'), { axis: ctx.attrs.axis });
  },
  // Paddle's SplitGradMaker: the gradient is the concat of the parts' gradients.
  grad(g) {
    const parts = g.output('Out').map((_, i) => g.outGradOrZeros('Out', i));
    g.append('concat', { X: parts }, { Out: g.inputGrad('X') }, { axis: g.attrs.axis });
  },
};

export const slice: OpDef<'slice'> = {
  type: 'slice',
  inputs: [{ name: 'Input' }],
  outputs: [{ name: 'Out' }],
  defaults: { axes: [], starts: [], ends: [], decrease_axis: [], infer_flags: [] },
  paddleAttrs: { axes: 'ints', starts: 'ints', ends: 'ints', decrease_axis: 'ints', infer_flags: 'ints' },
  infer(ctx) {
    const x = ctx.input('Input');
    const { axes, starts, ends, decrease_axis } = ctx.attrs;
    if (axes.length !== starts.length || axes.length !== ends.length) {
      shapeFail(`axes, starts and ends must have the same length (${axes.length}, ${starts.length}, ${ends.length})`);
    }
    axes.forEach((a) => normAxis(a, x.shape.length, 'axes'));
    const { sizes } = sliceBounds(x.shape, ctx.attrs);
    const dec = decrease_axis.map((a) => normAxis(a, x.shape.length, 'decrease_axis'));
    for (const d of dec) if (sizes[d] !== 1 && sizes[d] !== -1) shapeFail(`decrease_axis ${d} has size ${sizes[d]}, expected 1`);
    ctx.setOutput('Out', sizes.filter((_, i) => !dec.includes(i)), x.dtype);
  },
  cpu: sliceKernel,
  halfNative: true,
  onnx(ctx) {
    const { axes, starts, ends, decrease_axis } = ctx.attrs;
    const rank = ctx.inputVar('Input').shape.length;
    // ONNX clamps out-of-range starts and ends as Paddle does
    const inputs = [ctx.input('Input'), ctx.ints(starts), ctx.ints(ends), ctx.ints(axes)];
    if (decrease_axis.length === 0) {
      ctx.node('Slice', inputs, [ctx.output('Out')]);
      return;
    }
    const cut = ctx.node('Slice', inputs, 1)[0];
    ctx.node('Squeeze', [cut, ctx.ints(decrease_axis.map((a) => (a < 0 ? a + rank : a)))], [ctx.output('Out')]);
  },
  grad(g) {
    g.append('slice_grad', { Input: g.input('Input'), 'Out@GRAD': g.outGrad('Out')! }, { 'Input@GRAD': g.inputGrad('Input') }, { ...g.attrs });
  },
};

export const sliceGrad: OpDef<'slice_grad'> = {
  type: 'slice_grad',
  inputs: [{ name: 'Input' }, { name: 'Out@GRAD' }],
  outputs: [{ name: 'Input@GRAD' }],
  defaults: { axes: [], starts: [], ends: [], decrease_axis: [], infer_flags: [] },
  paddleAttrs: { axes: 'ints', starts: 'ints', ends: 'ints', decrease_axis: 'ints', infer_flags: 'ints' },
  infer(ctx) {
    const x = ctx.input('Input');
    ctx.setOutput('Input@GRAD', x.shape, x.dtype);
  },
  cpu: sliceGradKernel,
  onnx(ctx) {
    // the gradient padded with zeros back to Input's extent along the sliced axes
    const shape = ctx.inputVar('Input').shape;
    const rank = shape.length;
    const sliced = ctx.attrs.axes.map((a) => (a < 0 ? a + rank : a));
    if (sliced.some((a) => shape[a] < 0)) ctx.unsupported(`the gradient needs the sliced dims of Input [${shape}] known statically`);
    const { starts, sizes } = sliceBounds(shape, ctx.attrs);
    let g = ctx.input('Out@GRAD');
    const dec = ctx.attrs.decrease_axis.map((a) => (a < 0 ? a + rank : a));
    if (dec.length) g = ctx.node('Unsqueeze', [g, ctx.ints([...dec].sort((p, q) => p - q))], 1)[0];
    const before = shape.map((_, i) => (sliced.includes(i) ? starts[i] : 0));
    const after = shape.map((d, i) => (sliced.includes(i) ? d - starts[i] - sizes[i] : 0));
    ctx.node('Pad', [g, ctx.ints([...before, ...after]), ctx.scalar(0, ctx.inputVar('Input').dtype)], [ctx.output('Input@GRAD')]);
  },
};

export const gather: OpDef<'gather'> = {
  type: 'gather',
  inputs: [{ name: 'X' }, { name: 'Index' }],
  outputs: [{ name: 'Out' }],
  defaults: { axis: 0 },
  paddleAttrs: { axis: 'int' },
  infer(ctx) {
    const x = ctx.input('X');
    const index = ctx.input('Index');
    checkDType(index, INDEX, 'Index');
    if (index.shape.length > 1) shapeFail(`Index ${formatShape(index.shape)} must be 0-D or 1-D`);
    const axis = normAxis(ctx.attrs.axis, x.shape.length, 'axis');
    ctx.setOutput('Out', [...x.shape.slice(0, axis), ...index.shape, ...x.shape.slice(axis + 1)], x.dtype);
  },
  cpu: gatherKernel,
  halfNative: true,
  onnx: (ctx) => void ctx.node('Gather', [ctx.input('X'), ctx.input('Index')], [ctx.output('Out')], { axis: ctx.attrs.axis }),
  grad(g) {
    g.append('gather_grad', { X: g.input('X'), Index: g.input('Index'), 'Out@GRAD': g.outGrad('Out')! }, { 'X@GRAD': g.inputGrad('X') }, { axis: g.attrs.axis });
  },
};

export const gatherGrad: OpDef<'gather_grad'> = {
  type: 'gather_grad',
  inputs: [{ name: 'X' }, { name: 'Index' }, { name: 'Out@GRAD' }],
  outputs: [{ name: 'X@GRAD' }],
  defaults: { axis: 0 },
  paddleAttrs: { axis: 'int' },
  infer(ctx) {
    const x = ctx.input('X');
    ctx.setOutput('X@GRAD', x.shape, x.dtype);
  },
  cpu: gatherGradKernel,
  onnx(ctx) {
    if (normAxis(ctx.attrs.axis, ctx.inputVar('X').shape.length, 'axis') !== 0) ctx.unsupported('a gather gradient along an axis other than 0 is not mapped');
    if (ctx.inputVar('Index').shape.length !== 1) ctx.unsupported('a 0-D Index is not mapped');
    // the rows of X that were read accumulate their gradients; the rest are zero
    const zeros = ctx.node('Expand', [ctx.scalar(0, ctx.inputVar('X').dtype), ctx.node('Shape', [ctx.input('X')], 1)[0]], 1)[0];
    const idx = ctx.node('Unsqueeze', [ctx.node('Cast', [ctx.input('Index')], 1, { to: ctx.onnxDType('int64') })[0], ctx.ints([-1])], 1)[0];
    ctx.node('ScatterND', [zeros, idx, ctx.input('Out@GRAD')], [ctx.output('X@GRAD')], { reduction: 'add' });
  },
};

export const oneHot: OpDef<'one_hot_v2'> = {
  type: 'one_hot_v2',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }],
  defaults: { depth: 1, dtype: 'float32', allow_out_of_range: false },
  paddleAttrs: { depth: 'int', dtype: 'dtype', allow_out_of_range: 'bool' },
  infer(ctx) {
    const x = ctx.input('X');
    checkDType(x, INDEX, 'X');
    if (!(Number.isInteger(ctx.attrs.depth) && ctx.attrs.depth > 0)) shapeFail(`depth ${ctx.attrs.depth} must be a positive integer`);
    ctx.setOutput('Out', [...x.shape, ctx.attrs.depth], ctx.attrs.dtype);
  },
  cpu: oneHotKernel,
  onnx(ctx) {
    // X == class, class by class along a new last axis; an index outside [0, depth) gives a zero row
    const { depth, dtype } = ctx.attrs;
    const xdt = ctx.inputVar('X').dtype;
    const x = xdt === 'int64' ? ctx.input('X') : ctx.node('Cast', [ctx.input('X')], 1, { to: ctx.onnxDType('int64') })[0];
    const hit = ctx.node('Equal', [ctx.node('Unsqueeze', [x, ctx.ints([-1])], 1)[0], ctx.ints([...Array(depth).keys()])], 1)[0];
    ctx.node('Cast', [hit], [ctx.output('Out')], { to: ctx.onnxDType(dtype) });
  },
  halfNative: true,
};

export const cast: OpDef<'cast'> = {
  type: 'cast',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }],
  defaults: { in_dtype: 'float32', out_dtype: 'float32' },
  paddleAttrs: { in_dtype: 'dtype', out_dtype: 'dtype' },
  infer(ctx) {
    const x = ctx.input('X');
    if (!isDType(ctx.attrs.out_dtype)) throw new DTypeError(`out_dtype ${String(ctx.attrs.out_dtype)} is not one of ${DTYPES.join(', ')}`);
    if (x.dtype !== ctx.attrs.in_dtype) throw new DTypeError(`X (${x.name}) is ${x.dtype} but in_dtype says ${ctx.attrs.in_dtype}`);
    ctx.setOutput('Out', x.shape, ctx.attrs.out_dtype);
  },
  cpu: castKernel,
  halfNative: true,
  onnx: (ctx) => void ctx.node('Cast', [ctx.input('X')], [ctx.output('Out')], { to: ctx.onnxDType(ctx.attrs.out_dtype) }),
  // Paddle's CastOpGradMaker: a cast back to the input's dtype.
  grad(g) {
    g.append('cast', { X: g.outGrad('Out')! }, { Out: g.inputGrad('X') }, { in_dtype: g.attrs.out_dtype, out_dtype: g.attrs.in_dtype });
  },
};

export const assign: OpDef<'assign'> = {
  type: 'assign',
  inputs: [{ name: 'X' }],
  outputs: [{ name: 'Out' }],
  defaults: {},
  paddleAttrs: {},
  infer(ctx) {
    const x = ctx.input('X');
    ctx.setOutput('Out', x.shape, x.dtype);
  },
  cpu: copyKernel,
  halfNative: true,
  inplaceSafe: true,
  onnx: (ctx) => void ctx.node('Identity', [ctx.input('X')], [ctx.output('Out')]),
  grad(g) {
    g.append('assign', { X: g.outGrad('Out')! }, { Out: g.inputGrad('X') });
  },
};

