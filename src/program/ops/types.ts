/**
 * The closed set of op types, their typed attributes, and the shape of an op definition. Every op
 * has exactly one definition (see registry.ts); a missing piece is a compile error.
 */
import type { DType } from '../dtype';
import type { Tensor } from '../../executor/tensor';
import type { Rng } from '../../executor/rng';

export type ReduceAttrs = { dim: number[]; keep_dim: boolean; reduce_all: boolean };
export type AxisAttrs = { axis: number };
export type NoAttrs = Record<string, never>;
export type RandomAttrs = { seed: number };

export interface OpAttrMap {
  // elementwise binary
  elementwise_add: AxisAttrs;
  elementwise_sub: AxisAttrs;
  elementwise_mul: AxisAttrs;
  elementwise_div: AxisAttrs;
  elementwise_max: AxisAttrs;
  elementwise_min: AxisAttrs;
  elementwise_pow: AxisAttrs;
  // elementwise unary
  relu: NoAttrs;
  sigmoid: NoAttrs;
  tanh: NoAttrs;
  exp: NoAttrs;
  log: NoAttrs;
  sqrt: NoAttrs;
  square: NoAttrs;
  abs: NoAttrs;
  leaky_relu: { alpha: number };
  gelu: { approximate: boolean };
  pow: { factor: number };
  scale: { scale: number; bias: number; bias_after_scale: boolean };
  // linear algebra
  matmul_v2: { trans_x: boolean; trans_y: boolean };
  mul: { x_num_col_dims: number; y_num_col_dims: number };
  // normalisation along an axis
  softmax: AxisAttrs;
  log_softmax: AxisAttrs;
  // reductions
  reduce_mean: ReduceAttrs;
  reduce_sum: ReduceAttrs;
  reduce_max: ReduceAttrs;
  sum: NoAttrs;
  // manipulation
  reshape2: { shape: number[] };
  transpose2: { axis: number[] };
  flatten_contiguous_range: { start_axis: number; stop_axis: number };
  concat: AxisAttrs;
  split: { axis: number; num: number; sections: number[] };
  slice: { axes: number[]; starts: number[]; ends: number[]; decrease_axis: number[]; infer_flags: number[] };
  gather: AxisAttrs;
  one_hot_v2: { depth: number; dtype: DType; allow_out_of_range: boolean };
  cast: { in_dtype: DType; out_dtype: DType };
  assign: NoAttrs;
  // creation
  fill_constant: { shape: number[]; dtype: DType; value: number };
  fill_any_like: { value: number; dtype: DType | null };
  uniform_random: RandomAttrs & { shape: number[]; dtype: DType; min: number; max: number };
  gaussian_random: RandomAttrs & { shape: number[]; dtype: DType; mean: number; std: number };
  truncated_gaussian_random: RandomAttrs & { shape: number[]; dtype: DType; mean: number; std: number; a: number; b: number };
  // losses and metrics
  softmax_with_cross_entropy: {
    soft_label: boolean;
    use_softmax: boolean;
    numeric_stable_mode: boolean;
    ignore_index: number;
    axis: number;
  };
  top_k_v2: { k: number; axis: number; largest: boolean; sorted: boolean };
  accuracy: NoAttrs;
  // layers
  conv2d: {
    strides: number[];
    paddings: number[];
    dilations: number[];
    groups: number;
    padding_algorithm: 'EXPLICIT' | 'SAME' | 'VALID';
    data_format: 'NCHW' | 'NHWC' | 'AnyLayout';
  };
  pool2d: {
    pooling_type: 'max' | 'avg';
    ksize: number[];
    strides: number[];
    paddings: number[];
    global_pooling: boolean;
    ceil_mode: boolean;
    exclusive: boolean;
    adaptive: boolean;
    padding_algorithm: 'EXPLICIT' | 'SAME' | 'VALID';
    data_format: 'NCHW' | 'NHWC' | 'AnyLayout';
  };
  batch_norm: {
    epsilon: number;
    momentum: number;
    is_test: boolean;
    data_layout: 'NCHW' | 'NHWC' | 'AnyLayout';
    use_global_stats: boolean;
    trainable_statistics: boolean;
  };
  lookup_table_v2: { padding_idx: number };
  dropout: {
    dropout_prob: number;
    is_test: boolean;
    dropout_implementation: 'downgrade_in_infer' | 'upscale_in_train';
    seed: number;
    fix_seed: boolean;
  };
}

export type OpType = keyof OpAttrMap;

/** How Paddle's framework.proto stores an attribute (used by the .pdmodel writer). */
export type PaddleAttrKind = 'int' | 'float' | 'string' | 'ints' | 'floats' | 'bool' | 'long' | 'dtype' | 'dtype_or_unset';

export interface SlotSpec {
  readonly name: string;
  /** The slot holds a list of variables (Paddle's duplicable). */
  readonly multi?: boolean;
  /** The slot may be left empty (Paddle's dispensable). */
  readonly optional?: boolean;
}

/** What shape inference sees of a variable: the build-time shape may hold -1 (unknown). */
export interface VarInfo {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export interface InferCtx<K extends OpType> {
  readonly attrs: Readonly<OpAttrMap[K]>;
  /** The single variable of a slot; throws if the slot is empty. */
  input(slot: string): VarInfo;
  /** The variable of an optional slot, or undefined. */
  maybeInput(slot: string): VarInfo | undefined;
  inputs(slot: string): VarInfo[];
  /** The number of variables in an output slot. */
  outputCount(slot: string): number;
  setOutput(slot: string, shape: readonly number[], dtype: DType, index?: number): void;
  /** True while inferring concrete run-time shapes (no -1 left). */
  readonly runtime: boolean;
}

export interface KernelArgs<K extends OpType> {
  readonly attrs: Readonly<OpAttrMap[K]>;
  input(slot: string): Tensor;
  maybeInput(slot: string): Tensor | undefined;
  inputs(slot: string): Tensor[];
  output(slot: string): Tensor;
  maybeOutput(slot: string): Tensor | undefined;
  outputs(slot: string): Tensor[];
  /** A generator seeded for this op (deterministic for the program's seed and the op). */
  rng(): Rng;
  /** "op #3 elementwise_add" for error messages. */
  readonly label: string;
}

export type CpuKernel<K extends OpType> = (k: KernelArgs<K>) => void;

export interface OpDef<K extends OpType> {
  readonly type: K;
  readonly inputs: readonly SlotSpec[];
  readonly outputs: readonly SlotSpec[];
  readonly defaults: OpAttrMap[K];
  /** Paddle's mapping: the op type and slots are Paddle's own; this gives each attribute's proto kind. */
  readonly paddleAttrs: { readonly [A in keyof OpAttrMap[K]]-?: PaddleAttrKind };
  /** Shape and dtype inference; throws ShapeError/DTypeError with a message the caller prefixes. */
  infer(ctx: InferCtx<K>): void;
  readonly cpu: CpuKernel<K>;
  /**
   * The CPU kernel reads float16/bfloat16 storage itself. Other kernels see such tensors widened
   * to float32, and their float32 results are rounded back.
   */
  readonly halfNative?: boolean;
  /** The op draws random numbers (initialisers, dropout). */
  readonly random?: boolean;
  /** The kernel may write an output over an input of the same variable without a copy. */
  readonly inplaceSafe?: boolean;
  /** The op has side effects beyond its outputs and is never removed as dead code. */
  readonly sideEffects?: boolean;
}

export type AnyOpDef = { [K in OpType]: OpDef<K> }[OpType];
