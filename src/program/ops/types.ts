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

export interface ForwardAttrMap {
  // elementwise binary
  elementwise_add: AxisAttrs;
  elementwise_sub: AxisAttrs;
  elementwise_mul: AxisAttrs;
  elementwise_div: AxisAttrs;
  elementwise_max: AxisAttrs;
  elementwise_min: AxisAttrs;
  elementwise_pow: AxisAttrs;
  elementwise_mod: AxisAttrs;
  // elementwise unary
  relu: NoAttrs;
  sigmoid: NoAttrs;
  tanh: NoAttrs;
  exp: NoAttrs;
  log: NoAttrs;
  sqrt: NoAttrs;
  square: NoAttrs;
  abs: NoAttrs;
  sign: NoAttrs;
  leaky_relu: { alpha: number };
  relu6: { threshold: number };
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
  scatter: { overwrite: boolean };
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
  // gradient clipping and the optimizer
  clip: { min: number; max: number };
  clip_by_norm: { max_norm: number };
  squared_l2_norm: NoAttrs;
  asgd: { multi_precision: boolean };
  // sagraph-only ops made by the fuse_optimizer pass
  fused_global_norm_scale: { clip_norm: number };
  fused_asgd: {
    batch_num: number;
    lr_mults: number[];
    lambdas: number[];
    /** 0: none, 1: L1, 2: L2 (the regulariser added to each gradient) */
    reg_kinds: number[];
    reg_coeffs: number[];
    clip_kind: 'none' | 'value' | 'norm' | 'global';
    clip_min: number;
    clip_max: number;
    clip_norm: number;
    clipped: boolean[];
  };
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

/** Gradient ops: Paddle's `<type>_grad`, with the forward op's attributes. */
export interface GradOpAttrMap {
  elementwise_add_grad: AxisAttrs;
  elementwise_sub_grad: AxisAttrs;
  elementwise_mul_grad: AxisAttrs;
  elementwise_div_grad: AxisAttrs;
  elementwise_max_grad: AxisAttrs;
  elementwise_min_grad: AxisAttrs;
  elementwise_pow_grad: AxisAttrs;
  relu_grad: NoAttrs;
  sigmoid_grad: NoAttrs;
  tanh_grad: NoAttrs;
  exp_grad: NoAttrs;
  log_grad: NoAttrs;
  sqrt_grad: NoAttrs;
  square_grad: NoAttrs;
  abs_grad: NoAttrs;
  leaky_relu_grad: ForwardAttrMap['leaky_relu'];
  relu6_grad: ForwardAttrMap['relu6'];
  gelu_grad: ForwardAttrMap['gelu'];
  pow_grad: ForwardAttrMap['pow'];
  matmul_v2_grad: ForwardAttrMap['matmul_v2'];
  mul_grad: ForwardAttrMap['mul'];
  softmax_grad: AxisAttrs;
  log_softmax_grad: AxisAttrs;
  reduce_mean_grad: ReduceAttrs;
  reduce_sum_grad: ReduceAttrs;
  reduce_max_grad: ReduceAttrs;
  reshape2_grad: ForwardAttrMap['reshape2'];
  transpose2_grad: ForwardAttrMap['transpose2'];
  flatten_contiguous_range_grad: ForwardAttrMap['flatten_contiguous_range'];
  concat_grad: AxisAttrs;
  slice_grad: ForwardAttrMap['slice'];
  gather_grad: AxisAttrs;
  softmax_with_cross_entropy_grad: ForwardAttrMap['softmax_with_cross_entropy'];
  conv2d_grad: ForwardAttrMap['conv2d'];
  pool2d_grad: ForwardAttrMap['pool2d'];
  batch_norm_grad: ForwardAttrMap['batch_norm'];
  lookup_table_v2_grad: ForwardAttrMap['lookup_table_v2'];
  dropout_grad: ForwardAttrMap['dropout'];
}

export type OpAttrMap = ForwardAttrMap & GradOpAttrMap;

export type OpType = keyof OpAttrMap;

/** How Paddle's framework.proto stores an attribute (used by the .pdmodel writer). */
export type PaddleAttrKind = 'int' | 'float' | 'string' | 'ints' | 'floats' | 'bool' | 'bools' | 'long' | 'dtype' | 'dtype_or_unset';

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

/**
 * What a gradient rule sees: the forward op, the gradients flowing into its outputs, and which of
 * its inputs need a gradient. The rule appends ops (role backward) through `append` and names the
 * gradient of each input it handles with `inputGrad`.
 */
export interface GradCtx<K extends OpType> {
  readonly attrs: Readonly<OpAttrMap[K]>;
  /** The forward op's variable names in a slot. */
  input(slot: string): string[];
  output(slot: string): string[];
  /** The gradient flowing into output (slot, index), or undefined where none does. */
  outGrad(slot: string, index?: number): string | undefined;
  /** As outGrad, but a zero tensor shaped like the output where no gradient flows. */
  outGradOrZeros(slot: string, index?: number): string;
  /** Whether input (slot, index) needs a gradient. */
  needs(slot: string, index?: number): boolean;
  /** A new variable that will hold the gradient of input (slot, index); the rule must write it. */
  inputGrad(slot: string, index?: number): string;
  /** Appends a backward op whose outputs are existing variables (made by inputGrad or temp). */
  append<T extends OpType>(type: T, inputs: Record<string, string | string[]>, outputs: Record<string, string | string[]>, attrs?: Partial<OpAttrMap[T]>): void;
  /** A new temporary variable for an intermediate result of the rule. */
  temp(hint: string): string;
}

export type GradRule<K extends OpType> = (g: GradCtx<K>) => void;

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
  /** An op of sagraph's own (no PaddlePaddle equivalent); files mark it as such. */
  readonly sagraphOnly?: boolean;
  /** The kernel may write an output over an input of the same variable without a copy. */
  readonly inplaceSafe?: boolean;
  /** The op has side effects beyond its outputs and is never removed as dead code. */
  readonly sideEffects?: boolean;
  /**
   * The gradient rule; absent for ops that pass no gradient (integer outputs, random fills,
   * metrics). Gradient ops are ops of the registry themselves (Paddle's `<type>_grad`).
   */
  readonly grad?: GradRule<K>;
  /** The ONNX mapping (opset 17): the nodes that compute the op; absent where none is written yet. */
  readonly onnx?: OnnxRule<K>;
}

/**
 * An ONNX attribute value: a number is an INT, an array of numbers INTS, a string STRING;
 * `{ float }` and `{ floats }` mark float attributes.
 */
export type OnnxAttr = number | number[] | string | { float: number } | { floats: number[] };

/** What an ONNX mapping sees: the ONNX value names of the op's slots and a graph to add nodes to. */
export interface OnnxCtx<K extends OpType> {
  readonly attrs: Readonly<OpAttrMap[K]>;
  /** The op as messages name it (`#3 conv2d`). */
  readonly label: string;
  has(slot: string): boolean;
  hasOutput(slot: string): boolean;
  input(slot: string, i?: number): string;
  /** The declared shape (-1 for unknown dims) and dtype of an input. */
  inputVar(slot: string, i?: number): { shape: readonly number[]; dtype: DType };
  inputCount(slot: string): number;
  output(slot: string, i?: number): string;
  outputs(slot: string): string[];
  /** ONNX's TensorProto.DataType number of a dtype. */
  onnxDType(dtype: DType): number;
  /** Adds a node; its outputs are the given names, or that many fresh names. Returns the output names. */
  node(opType: string, inputs: readonly string[], outputs?: readonly string[] | number, attrs?: Readonly<Record<string, OnnxAttr>>): string[];
  /** A constant int64 vector (shapes, axes, indices). */
  ints(values: readonly number[]): string;
  /** A constant scalar of the given dtype. */
  scalar(value: number, dtype: DType): string;
  /** Throws the export error for an attribute combination the mapping does not cover. */
  unsupported(why: string): never;
}

export type OnnxRule<K extends OpType> = (ctx: OnnxCtx<K>) => void;

export type AnyOpDef = { [K in OpType]: OpDef<K> }[OpType];
