/**
 * The op registry: one definition per op type, typed against the closed union so that a missing
 * op or a definition of the wrong shape is a compile error.
 */
import { assign, cast, concat, flatten, gather, oneHot, reshape2, slice, split, transpose2 } from './manipulation';
import { accuracy, softmaxWithCrossEntropy, topKV2 } from './loss';
import { batchNorm, conv2d, dropout, lookupTableV2, pool2d } from './nn';
import { elementwiseBinaryOps, elementwiseUnaryOps, gelu, leakyRelu, pow, scale } from './elementwise';
import { fillAnyLike, fillConstant, gaussianRandom, truncatedGaussianRandom, uniformRandom } from './creation';
import { matmulV2, mul } from './linalg';
import { logSoftmax, reduceOps, softmax, sum } from './reduce';
import type { AnyOpDef, OpDef, OpType } from './types';

export const opRegistry: { readonly [K in OpType]: OpDef<K> } = {
  ...elementwiseBinaryOps,
  ...elementwiseUnaryOps,
  leaky_relu: leakyRelu,
  gelu,
  pow,
  scale,
  matmul_v2: matmulV2,
  mul,
  softmax,
  log_softmax: logSoftmax,
  ...reduceOps,
  sum,
  reshape2,
  transpose2,
  flatten_contiguous_range: flatten,
  concat,
  split,
  slice,
  gather,
  one_hot_v2: oneHot,
  cast,
  assign,
  fill_constant: fillConstant,
  fill_any_like: fillAnyLike,
  uniform_random: uniformRandom,
  gaussian_random: gaussianRandom,
  truncated_gaussian_random: truncatedGaussianRandom,
  softmax_with_cross_entropy: softmaxWithCrossEntropy,
  top_k_v2: topKV2,
  accuracy,
  conv2d,
  pool2d,
  batch_norm: batchNorm,
  lookup_table_v2: lookupTableV2,
  dropout,
};

export function isOpType(t: string): t is OpType {
  return Object.prototype.hasOwnProperty.call(opRegistry, t);
}

/** The definition of `type`, or undefined for a type sagraph does not implement. */
export function findOpDef<K extends OpType>(type: K): OpDef<K>;
export function findOpDef(type: string): AnyOpDef | undefined;
export function findOpDef(type: string): AnyOpDef | undefined {
  return isOpType(type) ? (opRegistry[type] as AnyOpDef) : undefined;
}

export function listOpTypes(): OpType[] {
  return Object.keys(opRegistry) as OpType[];
}
