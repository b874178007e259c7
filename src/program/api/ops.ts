/**
 * ops.*: Paddle's tensor functions in camelCase. Each appends one or a few Paddle ops to the block
 * of its inputs and returns the new variables.
 */
import { appendSimple, appendWithOutputs, asVar, blockOf } from '../builder';
import { DTYPES, DType, isDType } from '../dtype';
import { ArgumentError } from '../errors';
import type { OpAttrMap, OpType } from '../ops/types';
import { bindVariableArith, Variable } from '../variable';

type BinaryType = 'elementwise_add' | 'elementwise_sub' | 'elementwise_mul' | 'elementwise_div' | 'elementwise_max' | 'elementwise_min' | 'elementwise_pow';

function binary(type: BinaryType, fn: string, x: Variable, y: Variable, axis = -1): Variable {
  asVar(x, fn, 'x');
  asVar(y, fn, 'y');
  return appendSimple(blockOf(x, y), type, { X: x, Y: y }, { axis });
}

function unary(type: OpType, fn: string, x: Variable): Variable {
  asVar(x, fn, 'x');
  return appendSimple(x.block, type, { X: x }, {});
}

function finiteArg(v: unknown, fn: string, arg: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError(`${fn}: ${arg} must be a finite number, received ${String(v)}`);
  return v;
}

export function scale(x: Variable, scaleValue = 1, bias = 0, biasAfterScale = true): Variable {
  asVar(x, 'ops.scale', 'x');
  finiteArg(scaleValue, 'ops.scale', 'scale');
  finiteArg(bias, 'ops.scale', 'bias');
  return appendSimple(x.block, 'scale', { X: x }, { scale: scaleValue, bias, bias_after_scale: biasAfterScale });
}

/** x + y; a number y becomes a scale op (x * 1 + y), as Paddle's operator overloads do. */
export function add(x: Variable, y: Variable | number): Variable {
  return typeof y === 'number' ? scale(asVar(x, 'ops.add', 'x'), 1, y) : binary('elementwise_add', 'ops.add', x, y);
}
export function subtract(x: Variable, y: Variable | number): Variable {
  return typeof y === 'number' ? scale(asVar(x, 'ops.subtract', 'x'), 1, -y) : binary('elementwise_sub', 'ops.subtract', x, y);
}
export function multiply(x: Variable, y: Variable | number): Variable {
  return typeof y === 'number' ? scale(asVar(x, 'ops.multiply', 'x'), y) : binary('elementwise_mul', 'ops.multiply', x, y);
}
/** x / y; a number y multiplies by 1/y (Paddle's _scalar_div_). */
export function divide(x: Variable, y: Variable | number): Variable {
  if (typeof y === 'number') {
    if (y === 0) throw new ArgumentError('ops.divide: division by the number 0');
    return scale(asVar(x, 'ops.divide', 'x'), 1 / y);
  }
  return binary('elementwise_div', 'ops.divide', x, y);
}
export function maximum(x: Variable, y: Variable): Variable {
  return binary('elementwise_max', 'ops.maximum', x, y);
}
export function minimum(x: Variable, y: Variable): Variable {
  return binary('elementwise_min', 'ops.minimum', x, y);
}
/** x ** y: a number y gives the `pow` op, a variable y `elementwise_pow`. */
export function pow(x: Variable, y: Variable | number): Variable {
  if (typeof y === 'number') {
    asVar(x, 'ops.pow', 'x');
    return appendSimple(x.block, 'pow', { X: x }, { factor: finiteArg(y, 'ops.pow', 'y') });
  }
  return binary('elementwise_pow', 'ops.pow', x, y);
}

export function matmul(x: Variable, y: Variable, transposeX = false, transposeY = false): Variable {
  asVar(x, 'ops.matmul', 'x');
  asVar(y, 'ops.matmul', 'y');
  return appendSimple(blockOf(x, y), 'matmul_v2', { X: x, Y: y }, { trans_x: transposeX, trans_y: transposeY });
}

export const relu = (x: Variable): Variable => unary('relu', 'ops.relu', x);
export const sigmoid = (x: Variable): Variable => unary('sigmoid', 'ops.sigmoid', x);
export const tanh = (x: Variable): Variable => unary('tanh', 'ops.tanh', x);
export const exp = (x: Variable): Variable => unary('exp', 'ops.exp', x);
export const log = (x: Variable): Variable => unary('log', 'ops.log', x);
export const sqrt = (x: Variable): Variable => unary('sqrt', 'ops.sqrt', x);
export const square = (x: Variable): Variable => unary('square', 'ops.square', x);
export const abs = (x: Variable): Variable => unary('abs', 'ops.abs', x);

export function leakyRelu(x: Variable, negativeSlope = 0.01): Variable {
  asVar(x, 'ops.leakyRelu', 'x');
  return appendSimple(x.block, 'leaky_relu', { X: x }, { alpha: finiteArg(negativeSlope, 'ops.leakyRelu', 'negativeSlope') });
}

export function gelu(x: Variable, approximate = false): Variable {
  asVar(x, 'ops.gelu', 'x');
  return appendSimple(x.block, 'gelu', { X: x }, { approximate });
}

export function softmax(x: Variable, axis = -1): Variable {
  asVar(x, 'ops.softmax', 'x');
  return appendSimple(x.block, 'softmax', { X: x }, { axis });
}

export function logSoftmax(x: Variable, axis = -1): Variable {
  asVar(x, 'ops.logSoftmax', 'x');
  return appendSimple(x.block, 'log_softmax', { X: x }, { axis });
}

function axes(axis: number | number[] | undefined, fn: string): number[] {
  if (axis === undefined) return [];
  const list = Array.isArray(axis) ? axis : [axis];
  for (const a of list) if (!Number.isInteger(a)) throw new ArgumentError(`${fn}: axis must be an integer or a list of integers, received ${JSON.stringify(axis)}`);
  return list;
}

function reduce(type: 'reduce_mean' | 'reduce_sum' | 'reduce_max', fn: string, x: Variable, axis?: number | number[], keepdim = false): Variable {
  asVar(x, fn, 'x');
  const dim = axes(axis, fn);
  return appendSimple(x.block, type, { X: x }, { dim, keep_dim: keepdim, reduce_all: dim.length === 0 });
}

/** Mean over `axis` (all elements when omitted: a 0-D result, as Paddle 2.5+). */
export const mean = (x: Variable, axis?: number | number[], keepdim = false): Variable => reduce('reduce_mean', 'ops.mean', x, axis, keepdim);
export const sum = (x: Variable, axis?: number | number[], keepdim = false): Variable => reduce('reduce_sum', 'ops.sum', x, axis, keepdim);
export const max = (x: Variable, axis?: number | number[], keepdim = false): Variable => reduce('reduce_max', 'ops.max', x, axis, keepdim);

function intList(v: unknown, fn: string, arg: string): number[] {
  if (!Array.isArray(v) || v.some((d) => !Number.isInteger(d))) throw new ArgumentError(`${fn}: ${arg} must be a list of integers, received ${JSON.stringify(v)}`);
  return v as number[];
}

/** Ops with Paddle's XShape output (the input's shape, for the gradient op). */
function withXShape<K extends 'reshape2' | 'transpose2' | 'flatten_contiguous_range'>(x: Variable, type: K, attrs: Partial<OpAttrMap[K]>): Variable {
  const r = appendWithOutputs(x.block, type, { X: x }, attrs, { Out: 1, XShape: 1 });
  r.XShape[0].stopGradient = true;
  return r.Out[0];
}

export function reshape(x: Variable, shape: number[]): Variable {
  asVar(x, 'ops.reshape', 'x');
  return withXShape(x, 'reshape2', { shape: intList(shape, 'ops.reshape', 'shape') });
}

export function transpose(x: Variable, perm: number[]): Variable {
  asVar(x, 'ops.transpose', 'x');
  return withXShape(x, 'transpose2', { axis: intList(perm, 'ops.transpose', 'perm') });
}

export function flatten(x: Variable, startAxis = 0, stopAxis = -1): Variable {
  asVar(x, 'ops.flatten', 'x');
  return withXShape(x, 'flatten_contiguous_range', { start_axis: startAxis, stop_axis: stopAxis });
}

export function concat(xs: Variable[], axis = 0): Variable {
  if (!Array.isArray(xs) || xs.length === 0) throw new ArgumentError('ops.concat: xs must be a non-empty list of Variables');
  xs.forEach((x, i) => asVar(x, 'ops.concat', `xs[${i}]`));
  return appendSimple(blockOf(...xs), 'concat', { X: xs }, { axis });
}

/** Splits into `numOrSections` equal parts, or parts of the given sizes (one may be -1). */
export function split(x: Variable, numOrSections: number | number[], axis = 0): Variable[] {
  asVar(x, 'ops.split', 'x');
  const sections = Array.isArray(numOrSections) ? intList(numOrSections, 'ops.split', 'numOrSections') : [];
  const num = Array.isArray(numOrSections) ? 0 : numOrSections;
  if (!Array.isArray(numOrSections) && !(Number.isInteger(num) && num > 0)) {
    throw new ArgumentError(`ops.split: numOrSections must be a positive integer or a list of sizes, received ${JSON.stringify(numOrSections)}`);
  }
  const n = sections.length || num;
  return appendWithOutputs(x.block, 'split', { X: x }, { axis, num, sections }, { Out: n }).Out;
}

export function slice(x: Variable, axesArg: number[], starts: number[], ends: number[]): Variable {
  asVar(x, 'ops.slice', 'x');
  return appendSimple(x.block, 'slice', { Input: x }, {
    axes: intList(axesArg, 'ops.slice', 'axes'),
    starts: intList(starts, 'ops.slice', 'starts'),
    ends: intList(ends, 'ops.slice', 'ends'),
    infer_flags: axesArg.map(() => 1),
  });
}

export function gather(x: Variable, index: Variable, axis = 0): Variable {
  asVar(x, 'ops.gather', 'x');
  asVar(index, 'ops.gather', 'index');
  return appendSimple(blockOf(x, index), 'gather', { X: x, Index: index }, { axis });
}

export function oneHot(x: Variable, numClasses: number): Variable {
  asVar(x, 'ops.oneHot', 'x');
  if (!(Number.isInteger(numClasses) && numClasses > 0)) throw new ArgumentError(`ops.oneHot: numClasses must be a positive integer, received ${numClasses}`);
  return appendSimple(x.block, 'one_hot_v2', { X: x }, { depth: numClasses, dtype: 'float32' });
}

function dtypeArg(d: unknown, fn: string): DType {
  if (!isDType(d)) throw new ArgumentError(`${fn}: dtype ${String(d)} is not one of ${DTYPES.join(', ')}`);
  return d;
}

export function cast(x: Variable, dtype: DType): Variable {
  asVar(x, 'ops.cast', 'x');
  return appendSimple(x.block, 'cast', { X: x }, { in_dtype: x.dtype, out_dtype: dtypeArg(dtype, 'ops.cast') });
}

export function fullLike(x: Variable, fillValue: number, dtype?: DType): Variable {
  asVar(x, 'ops.fullLike', 'x');
  return appendSimple(x.block, 'fill_any_like', { X: x }, { value: finiteOrInf(fillValue), dtype: dtype === undefined ? null : dtypeArg(dtype, 'ops.fullLike') });
}

function finiteOrInf(v: unknown): number {
  if (typeof v !== 'number') throw new ArgumentError(`ops.fullLike: fillValue must be a number, received ${String(v)}`);
  return v;
}

/** A copy of x (into `output` when given). */
export function assign(x: Variable, output?: Variable): Variable {
  asVar(x, 'ops.assign', 'x');
  if (output) {
    blockOf(x, output).appendOp({ type: 'assign', inputs: { X: x }, outputs: { Out: output } });
    return output;
  }
  return appendSimple(x.block, 'assign', { X: x });
}

type Reduction = 'mean' | 'sum' | 'none';
function reduction(r: unknown, fn: string): Reduction {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new ArgumentError(`${fn}: reduction must be 'mean', 'sum' or 'none', received ${JSON.stringify(r)}`);
  return r;
}

function applyReduction(v: Variable, r: Reduction): Variable {
  return r === 'mean' ? mean(v) : r === 'sum' ? sum(v) : v;
}

/** A hard label of rank one less than the logits gets a size-1 axis, as Paddle's cross_entropy. */
function alignLabel(input: Variable, label: Variable, softLabel: boolean, axis: number): Variable {
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
export function softmaxWithCrossEntropy(logits: Variable, label: Variable, o?: SoftmaxWithCrossEntropyOptions & { returnSoftmax?: false }): Variable;
export function softmaxWithCrossEntropy(logits: Variable, label: Variable, o: SoftmaxWithCrossEntropyOptions & { returnSoftmax: true }): [Variable, Variable];
export function softmaxWithCrossEntropy(logits: Variable, label: Variable, o: SoftmaxWithCrossEntropyOptions = {}): Variable | [Variable, Variable] {
  asVar(logits, 'ops.softmaxWithCrossEntropy', 'logits');
  asVar(label, 'ops.softmaxWithCrossEntropy', 'label');
  const axis = o.axis ?? -1;
  const lab = alignLabel(logits, label, o.softLabel ?? false, axis);
  const r = appendWithOutputs(blockOf(logits, lab), 'softmax_with_cross_entropy', { Logits: logits, Label: lab }, {
    soft_label: o.softLabel ?? false,
    ignore_index: o.ignoreIndex ?? -100,
    axis,
  }, { Softmax: 1, Loss: 1 });
  return o.returnSoftmax ? [r.Loss[0], r.Softmax[0]] : r.Loss[0];
}

/** Paddle's nn.functional.cross_entropy: softmax (unless useSoftmax is false) + cross entropy + reduction. */
export function crossEntropy(input: Variable, label: Variable, o: { softLabel?: boolean; reduction?: Reduction; useSoftmax?: boolean; axis?: number } = {}): Variable {
  asVar(input, 'ops.crossEntropy', 'input');
  asVar(label, 'ops.crossEntropy', 'label');
  const r = reduction(o.reduction ?? 'mean', 'ops.crossEntropy');
  const axis = o.axis ?? -1;
  const lab = alignLabel(input, label, o.softLabel ?? false, axis);
  const loss = appendWithOutputs(blockOf(input, lab), 'softmax_with_cross_entropy', { Logits: input, Label: lab }, {
    soft_label: o.softLabel ?? false,
    use_softmax: o.useSoftmax ?? true,
    axis,
  }, { Softmax: 1, Loss: 1 }).Loss[0];
  return applyReduction(loss, r);
}

/** (input - label)², elementwise (fluid's square_error_cost). */
export function squareErrorCost(input: Variable, label: Variable): Variable {
  return square(subtract(asVar(input, 'ops.squareErrorCost', 'input'), asVar(label, 'ops.squareErrorCost', 'label')));
}

export function mseLoss(input: Variable, label: Variable, r: Reduction = 'mean'): Variable {
  return applyReduction(squareErrorCost(input, label), reduction(r, 'ops.mseLoss'));
}

/** The fraction of rows whose top-k predictions contain the label (a [1] float32). */
export function accuracy(input: Variable, label: Variable, k = 1): Variable {
  asVar(input, 'ops.accuracy', 'input');
  asVar(label, 'ops.accuracy', 'label');
  if (!(Number.isInteger(k) && k >= 1)) throw new ArgumentError(`ops.accuracy: k must be a positive integer, received ${k}`);
  const b = blockOf(input, label);
  const top = appendWithOutputs(b, 'top_k_v2', { X: input }, { k }, { Out: 1, Indices: 1 });
  return appendWithOutputs(b, 'accuracy', { Out: top.Out[0], Indices: top.Indices[0], Label: label }, {}, { Accuracy: 1, Correct: 1, Total: 1 }).Accuracy[0];
}

bindVariableArith({ add, sub: subtract, mul: multiply, div: divide, matmul: (x, y) => matmul(x, y) });
