/**
 * ops.*: Paddle's tensor functions in camelCase. On static variables each appends Paddle ops to the
 * block of its inputs and returns new variables; on eager tensors it computes at once (through the
 * same op definitions and kernels) and returns tensors. Mixing the two is an error.
 */
import { appendWithOutputs, applyOp, asValue, targetOf, Value } from '../builder';
import { DTYPES, DType, isDType } from '../dtype';
import { ArgumentError } from '../errors';
import type { OpAttrMap, OpType } from '../ops/types';
import { bindVariableArith, Variable } from '../variable';

type BinaryType = 'elementwise_add' | 'elementwise_sub' | 'elementwise_mul' | 'elementwise_div' | 'elementwise_max' | 'elementwise_min' | 'elementwise_pow';

function binary<V extends Value>(type: BinaryType, fn: string, x: V, y: V, axis = -1): V {
  asValue(x, fn, 'x');
  asValue(y, fn, 'y');
  return applyOp<V, BinaryType>(targetOf(fn, x, y), type, { X: x, Y: y }, { axis });
}

function unary<V extends Value>(type: OpType, fn: string, x: V, attrs: Partial<OpAttrMap[OpType]> = {}): V {
  asValue(x, fn, 'x');
  return applyOp<V, OpType>(targetOf(fn, x), type, { X: x }, attrs);
}

function finiteArg(v: unknown, fn: string, arg: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError(`${fn}: ${arg} must be a finite number, received ${String(v)}`);
  return v;
}

export function scale<V extends Value>(x: V, scaleValue = 1, bias = 0, biasAfterScale = true): V {
  finiteArg(scaleValue, 'ops.scale', 'scale');
  finiteArg(bias, 'ops.scale', 'bias');
  return unary('scale', 'ops.scale', x, { scale: scaleValue, bias, bias_after_scale: biasAfterScale } as never);
}

/** x + y; a number y becomes a scale op (x * 1 + y), as Paddle's operator overloads do. */
export function add<V extends Value>(x: V, y: V | number): V {
  return typeof y === 'number' ? scale(asValue(x, 'ops.add', 'x'), 1, y) : binary('elementwise_add', 'ops.add', x, y);
}
export function subtract<V extends Value>(x: V, y: V | number): V {
  return typeof y === 'number' ? scale(asValue(x, 'ops.subtract', 'x'), 1, -y) : binary('elementwise_sub', 'ops.subtract', x, y);
}
export function multiply<V extends Value>(x: V, y: V | number): V {
  return typeof y === 'number' ? scale(asValue(x, 'ops.multiply', 'x'), y) : binary('elementwise_mul', 'ops.multiply', x, y);
}
/** x / y; a number y multiplies by 1/y (Paddle's _scalar_div_). */
export function divide<V extends Value>(x: V, y: V | number): V {
  if (typeof y === 'number') {
    if (y === 0) throw new ArgumentError('ops.divide: division by the number 0');
    return scale(asValue(x, 'ops.divide', 'x'), 1 / y);
  }
  return binary('elementwise_div', 'ops.divide', x, y);
}
export function maximum<V extends Value>(x: V, y: V): V {
  return binary('elementwise_max', 'ops.maximum', x, y);
}
export function minimum<V extends Value>(x: V, y: V): V {
  return binary('elementwise_min', 'ops.minimum', x, y);
}
/** x ** y: a number y gives the `pow` op, a variable y `elementwise_pow`. */
export function pow<V extends Value>(x: V, y: V | number): V {
  if (typeof y === 'number') return unary('pow', 'ops.pow', x, { factor: finiteArg(y, 'ops.pow', 'y') } as never);
  return binary('elementwise_pow', 'ops.pow', x, y);
}

export function matmul<V extends Value>(x: V, y: V, transposeX = false, transposeY = false): V {
  asValue(x, 'ops.matmul', 'x');
  asValue(y, 'ops.matmul', 'y');
  return applyOp<V, 'matmul_v2'>(targetOf('ops.matmul', x, y), 'matmul_v2', { X: x, Y: y }, { trans_x: transposeX, trans_y: transposeY });
}

export const relu = <V extends Value>(x: V): V => unary('relu', 'ops.relu', x);
export const sigmoid = <V extends Value>(x: V): V => unary('sigmoid', 'ops.sigmoid', x);
export const tanh = <V extends Value>(x: V): V => unary('tanh', 'ops.tanh', x);
export const exp = <V extends Value>(x: V): V => unary('exp', 'ops.exp', x);
export const log = <V extends Value>(x: V): V => unary('log', 'ops.log', x);
export const sqrt = <V extends Value>(x: V): V => unary('sqrt', 'ops.sqrt', x);
export const square = <V extends Value>(x: V): V => unary('square', 'ops.square', x);
export const abs = <V extends Value>(x: V): V => unary('abs', 'ops.abs', x);

export function leakyRelu<V extends Value>(x: V, negativeSlope = 0.01): V {
  return unary('leaky_relu', 'ops.leakyRelu', x, { alpha: finiteArg(negativeSlope, 'ops.leakyRelu', 'negativeSlope') } as never);
}

export function gelu<V extends Value>(x: V, approximate = false): V {
  return unary('gelu', 'ops.gelu', x, { approximate } as never);
}

export function softmax<V extends Value>(x: V, axis = -1): V {
  return unary('softmax', 'ops.softmax', x, { axis } as never);
}

export function logSoftmax<V extends Value>(x: V, axis = -1): V {
  return unary('log_softmax', 'ops.logSoftmax', x, { axis } as never);
}

function axes(axis: number | number[] | undefined, fn: string): number[] {
  if (axis === undefined) return [];
  const list = Array.isArray(axis) ? axis : [axis];
  for (const a of list) if (!Number.isInteger(a)) throw new ArgumentError(`${fn}: axis must be an integer or a list of integers, received ${JSON.stringify(axis)}`);
  return list;
}

function reduce<V extends Value>(type: 'reduce_mean' | 'reduce_sum' | 'reduce_max', fn: string, x: V, axis?: number | number[], keepdim = false): V {
  const dim = axes(axis, fn);
  return unary(type, fn, x, { dim, keep_dim: keepdim, reduce_all: dim.length === 0 } as never);
}

/** Mean over `axis` (all elements when omitted: a 0-D result, as Paddle 2.5+). */
export const mean = <V extends Value>(x: V, axis?: number | number[], keepdim = false): V => reduce('reduce_mean', 'ops.mean', x, axis, keepdim);
export const sum = <V extends Value>(x: V, axis?: number | number[], keepdim = false): V => reduce('reduce_sum', 'ops.sum', x, axis, keepdim);
export const max = <V extends Value>(x: V, axis?: number | number[], keepdim = false): V => reduce('reduce_max', 'ops.max', x, axis, keepdim);

function intList(v: unknown, fn: string, arg: string): number[] {
  if (!Array.isArray(v) || v.some((d) => !Number.isInteger(d))) throw new ArgumentError(`${fn}: ${arg} must be a list of integers, received ${JSON.stringify(v)}`);
  return v as number[];
}

/** Ops with Paddle's XShape output (the input's shape, for the gradient op). */
function withXShape<V extends Value, K extends 'reshape2' | 'transpose2' | 'flatten_contiguous_range'>(x: V, fn: string, type: K, attrs: Partial<OpAttrMap[K]>): V {
  asValue(x, fn, 'x');
  const r = appendWithOutputs(targetOf(fn, x), type, { X: x }, attrs, { Out: 1, XShape: 1 });
  (r.XShape[0] as Value).stopGradient = true;
  return r.Out[0] as unknown as V;
}

export function reshape<V extends Value>(x: V, shape: number[]): V {
  return withXShape(x, 'ops.reshape', 'reshape2', { shape: intList(shape, 'ops.reshape', 'shape') });
}

export function transpose<V extends Value>(x: V, perm: number[]): V {
  return withXShape(x, 'ops.transpose', 'transpose2', { axis: intList(perm, 'ops.transpose', 'perm') });
}

export function flatten<V extends Value>(x: V, startAxis = 0, stopAxis = -1): V {
  return withXShape(x, 'ops.flatten', 'flatten_contiguous_range', { start_axis: startAxis, stop_axis: stopAxis });
}

export function concat<V extends Value>(xs: V[], axis = 0): V {
  if (!Array.isArray(xs) || xs.length === 0) throw new ArgumentError('ops.concat: xs must be a non-empty list of Variables or Tensors');
  xs.forEach((x, i) => asValue(x, 'ops.concat', `xs[${i}]`));
  return applyOp<V, 'concat'>(targetOf('ops.concat', ...xs), 'concat', { X: xs }, { axis });
}

/** Splits into `numOrSections` equal parts, or parts of the given sizes (one may be -1). */
export function split<V extends Value>(x: V, numOrSections: number | number[], axis = 0): V[] {
  asValue(x, 'ops.split', 'x');
  const sections = Array.isArray(numOrSections) ? intList(numOrSections, 'ops.split', 'numOrSections') : [];
  const num = Array.isArray(numOrSections) ? 0 : numOrSections;
  if (!Array.isArray(numOrSections) && !(Number.isInteger(num) && num > 0)) {
    throw new ArgumentError(`ops.split: numOrSections must be a positive integer or a list of sizes, received ${JSON.stringify(numOrSections)}`);
  }
  const n = sections.length || num;
  return appendWithOutputs(targetOf('ops.split', x), 'split', { X: x }, { axis, num, sections }, { Out: n }).Out as unknown as V[];
}

export function slice<V extends Value>(x: V, axesArg: number[], starts: number[], ends: number[]): V {
  asValue(x, 'ops.slice', 'x');
  return applyOp<V, 'slice'>(targetOf('ops.slice', x), 'slice', { Input: x }, {
    axes: intList(axesArg, 'ops.slice', 'axes'),
    starts: intList(starts, 'ops.slice', 'starts'),
    ends: intList(ends, 'ops.slice', 'ends'),
    infer_flags: axesArg.map(() => 1),
  });
}

export function gather<V extends Value>(x: V, index: V, axis = 0): V {
  asValue(x, 'ops.gather', 'x');
  asValue(index, 'ops.gather', 'index');
  return applyOp<V, 'gather'>(targetOf('ops.gather', x, index), 'gather', { X: x, Index: index }, { axis });
}

export function oneHot<V extends Value>(x: V, numClasses: number): V {
  if (!(Number.isInteger(numClasses) && numClasses > 0)) throw new ArgumentError(`ops.oneHot: numClasses must be a positive integer, received ${numClasses}`);
  return unary('one_hot_v2', 'ops.oneHot', x, { depth: numClasses, dtype: 'float32' } as never);
}

function dtypeArg(d: unknown, fn: string): DType {
  if (!isDType(d)) throw new ArgumentError(`${fn}: dtype ${String(d)} is not one of ${DTYPES.join(', ')}`);
  return d;
}

export function cast<V extends Value>(x: V, dtype: DType): V {
  asValue(x, 'ops.cast', 'x');
  return unary('cast', 'ops.cast', x, { in_dtype: x.dtype, out_dtype: dtypeArg(dtype, 'ops.cast') } as never);
}

export function fullLike<V extends Value>(x: V, fillValue: number, dtype?: DType): V {
  if (typeof fillValue !== 'number') throw new ArgumentError(`ops.fullLike: fillValue must be a number, received ${String(fillValue)}`);
  return unary('fill_any_like', 'ops.fullLike', x, { value: fillValue, dtype: dtype === undefined ? null : dtypeArg(dtype, 'ops.fullLike') } as never);
}

/** A copy of x (into `output` when given; static programs only). */
export function assign<V extends Value>(x: V, output?: V): V {
  asValue(x, 'ops.assign', 'x');
  if (output) {
    const t = targetOf('ops.assign', x, output);
    if (typeof t === 'symbol') throw new ArgumentError('ops.assign: an output argument is for static programs; in eager code use the returned tensor');
    t.appendOp({ type: 'assign', inputs: { X: x as Variable }, outputs: { Out: output as Variable } });
    return output;
  }
  return unary('assign', 'ops.assign', x);
}

type Reduction = 'mean' | 'sum' | 'none';
function reduction(r: unknown, fn: string): Reduction {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new ArgumentError(`${fn}: reduction must be 'mean', 'sum' or 'none', received ${JSON.stringify(r)}`);
  return r;
}

function applyReduction<V extends Value>(v: V, r: Reduction): V {
  return r === 'mean' ? mean(v) : r === 'sum' ? sum(v) : v;
}

/** A hard label of rank one less than the logits gets a size-1 axis, as Paddle's cross_entropy. */
function alignLabel<V extends Value>(input: V, label: V, softLabel: boolean, axis: number): V {
  if (!softLabel && label.shape.length === input.shape.length - 1) {
    const a = axis < 0 ? axis + input.shape.length : axis;
    const shape = label.shape.map(() => 0);
    shape.splice(a, 0, 1);
    return reshape(label, shape);
  }
  return label;
}

export interface SoftmaxWithCrossEntropyOptions {
  softLabel?: boolean;
  ignoreIndex?: number;
  axis?: number;
  returnSoftmax?: boolean;
}

/** The per-sample loss (size 1 at `axis`); with returnSoftmax, [loss, softmax]. */
export function softmaxWithCrossEntropy<V extends Value>(logits: V, label: V, o?: SoftmaxWithCrossEntropyOptions & { returnSoftmax?: false }): V;
export function softmaxWithCrossEntropy<V extends Value>(logits: V, label: V, o: SoftmaxWithCrossEntropyOptions & { returnSoftmax: true }): [V, V];
export function softmaxWithCrossEntropy<V extends Value>(logits: V, label: V, o: SoftmaxWithCrossEntropyOptions = {}): V | [V, V] {
  asValue(logits, 'ops.softmaxWithCrossEntropy', 'logits');
  asValue(label, 'ops.softmaxWithCrossEntropy', 'label');
  const axis = o.axis ?? -1;
  const lab = alignLabel(logits, label, o.softLabel ?? false, axis);
  const r = appendWithOutputs(targetOf('ops.softmaxWithCrossEntropy', logits, lab), 'softmax_with_cross_entropy', { Logits: logits, Label: lab }, {
    soft_label: o.softLabel ?? false,
    ignore_index: o.ignoreIndex ?? -100,
    axis,
  }, { Softmax: 1, Loss: 1 }) as unknown as Record<string, V[]>;
  return o.returnSoftmax ? [r.Loss[0], r.Softmax[0]] : r.Loss[0];
}

/** Paddle's nn.functional.cross_entropy: softmax (unless useSoftmax is false) + cross entropy + reduction. */
export function crossEntropy<V extends Value>(input: V, label: V, o: { softLabel?: boolean; reduction?: Reduction; useSoftmax?: boolean; axis?: number } = {}): V {
  asValue(input, 'ops.crossEntropy', 'input');
  asValue(label, 'ops.crossEntropy', 'label');
  const r = reduction(o.reduction ?? 'mean', 'ops.crossEntropy');
  const axis = o.axis ?? -1;
  const lab = alignLabel(input, label, o.softLabel ?? false, axis);
  const loss = appendWithOutputs(targetOf('ops.crossEntropy', input, lab), 'softmax_with_cross_entropy', { Logits: input, Label: lab }, {
    soft_label: o.softLabel ?? false,
    use_softmax: o.useSoftmax ?? true,
    axis,
  }, { Softmax: 1, Loss: 1 }).Loss[0] as unknown as V;
  return applyReduction(loss, r);
}

/** (input - label)², elementwise (fluid's square_error_cost). */
export function squareErrorCost<V extends Value>(input: V, label: V): V {
  return square(subtract(asValue(input, 'ops.squareErrorCost', 'input'), asValue(label, 'ops.squareErrorCost', 'label')));
}

export function mseLoss<V extends Value>(input: V, label: V, r: Reduction = 'mean'): V {
  return applyReduction(squareErrorCost(input, label), reduction(r, 'ops.mseLoss'));
}

/** The fraction of rows whose top-k predictions contain the label (a [1] float32). */
export function accuracy<V extends Value>(input: V, label: V, k = 1): V {
  asValue(input, 'ops.accuracy', 'input');
  asValue(label, 'ops.accuracy', 'label');
  if (!(Number.isInteger(k) && k >= 1)) throw new ArgumentError(`ops.accuracy: k must be a positive integer, received ${k}`);
  const t = targetOf('ops.accuracy', input, label);
  const top = appendWithOutputs(t, 'top_k_v2', { X: input }, { k }, { Out: 1, Indices: 1 });
  return appendWithOutputs(t, 'accuracy', { Out: top.Out[0], Indices: top.Indices[0], Label: label }, {}, { Accuracy: 1, Correct: 1, Total: 1 }).Accuracy[0] as unknown as V;
}

bindVariableArith({ add, sub: subtract, mul: multiply, div: divide, matmul: (x, y) => matmul(x, y) });
