/**
 * The op registry: one definition per op type, typed against the closed union so that a missing
 * op or a definition of the wrong shape is a compile error.
 */
import { assign, cast, concat, concatGrad, flatten, flattenGrad, gather, gatherGrad, oneHot, reshape2, reshape2Grad, slice, sliceGrad, split, transpose2, transpose2Grad } from './manipulation';
import { accuracy, softmaxWithCrossEntropy, softmaxWithCrossEntropyGrad, topKV2 } from './loss';
import { batchNorm, batchNormGrad, conv2d, conv2dGrad, dropout, dropoutGrad, lookupTableV2, lookupTableV2Grad, pool2d, pool2dGrad } from './nn';
import { elementwiseBinaryGradOps, elementwiseBinaryOps, elementwiseUnaryGradOps, elementwiseUnaryOps, scale, sign } from './elementwise';
import { asgd, clip, clipByNorm, fusedAsgd, fusedGlobalNormScale, scatter, squaredL2Norm } from './optimizer';
import { fillAnyLike, fillConstant, gaussianRandom, truncatedGaussianRandom, uniformRandom } from './creation';
import { matmulV2, matmulV2Grad, mul, mulGrad } from './linalg';
import { logSoftmax, logSoftmaxGrad, reduceGradOps, reduceOps, softmax, softmaxGrad, sum } from './reduce';
import type { AnyOpDef, OpDef, OpType } from './types';

export const opRegistry: { readonly [K in OpType]: OpDef<K> } = {
  ...elementwiseBinaryOps,
  ...elementwiseUnaryOps,
  sign,
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
  scatter,
  clip,
  clip_by_norm: clipByNorm,
  squared_l2_norm: squaredL2Norm,
  asgd,
  fused_global_norm_scale: fusedGlobalNormScale,
  fused_asgd: fusedAsgd,
  // gradient ops
  ...elementwiseBinaryGradOps,
  ...elementwiseUnaryGradOps,
  matmul_v2_grad: matmulV2Grad,
  mul_grad: mulGrad,
  softmax_grad: softmaxGrad,
  log_softmax_grad: logSoftmaxGrad,
  ...reduceGradOps,
  reshape2_grad: reshape2Grad,
  transpose2_grad: transpose2Grad,
  flatten_contiguous_range_grad: flattenGrad,
  concat_grad: concatGrad,
  slice_grad: sliceGrad,
  gather_grad: gatherGrad,
  softmax_with_cross_entropy_grad: softmaxWithCrossEntropyGrad,
  conv2d_grad: conv2dGrad,
  pool2d_grad: pool2dGrad,
  batch_norm_grad: batchNormGrad,
  lookup_table_v2_grad: lookupTableV2Grad,
  dropout_grad: dropoutGrad,
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
