/**
 * nn.*: Paddle's static layers. Each creates its parameters in the default main program (with their
 * initialisers in the default startup program) and appends Paddle's ops.
 */
import { appendSimple, appendWithOutputs, asVar, createParameter, createPersistableState, createTemp, ParamAttrArg } from '../builder';
import { ArgumentError, ProgramError } from '../errors';
import { Normal, Constant } from '../initializer';
import { defaultMainProgram } from '../program';
import { generate } from '../unique-name';
import type { Variable } from '../variable';
import { ParamAttr } from '../variable';
import * as ops from './ops';

export type Activation = 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'gelu' | 'leaky_relu' | null | undefined;

function activate(x: Variable, act: Activation, layer: string): Variable {
  switch (act) {
    case null:
    case undefined:
      return x;
    case 'relu':
      return ops.relu(x);
    case 'sigmoid':
      return ops.sigmoid(x);
    case 'tanh':
      return ops.tanh(x);
    case 'softmax':
      return ops.softmax(x);
    case 'gelu':
      return ops.gelu(x);
    case 'leaky_relu':
      return ops.leakyRelu(x);
    default:
      throw new ArgumentError(`${layer}: unknown activation ${JSON.stringify(act)} (expected relu, sigmoid, tanh, softmax, gelu or leaky_relu)`);
  }
}

function inMain(x: Variable, layer: string): void {
  if (x.block.program !== defaultMainProgram()) {
    throw new ProgramError(`${layer}: input ${x.name} belongs to another program than the default main program; build the layer inside programGuard(main, startup, ...)`);
  }
}

function pair(v: number | number[], what: string, layer: string): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || p.some((d) => !Number.isInteger(d))) {
    throw new ArgumentError(`${layer}: ${what} must be an integer or a pair of integers, received ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

export interface FcOptions {
  numFlattenDims?: number;
  weightAttr?: ParamAttrArg;
  biasAttr?: ParamAttrArg;
  activation?: Activation;
  name?: string;
}

/**
 * Fully connected layer: mul (x flattened at numFlattenDims) [+ sum over several inputs] +
 * bias (elementwise_add at axis numFlattenDims) + activation, as paddle.static.nn.fc.
 */
export function fc(x: Variable | Variable[], size: number, o: FcOptions = {}): Variable {
  const xs = Array.isArray(x) ? x : [x];
  if (xs.length === 0) throw new ArgumentError('nn.fc: x must be a Variable or a non-empty list of Variables');
  xs.forEach((v, i) => {
    asVar(v, 'nn.fc', xs.length > 1 ? `x[${i}]` : 'x');
    inMain(v, 'nn.fc');
  });
  if (!(Number.isInteger(size) && size > 0)) throw new ArgumentError(`nn.fc: size must be a positive integer, received ${size}`);
  const nfd = o.numFlattenDims ?? 1;
  const layer = o.name ?? generate('fc');
  const block = xs[0].block;
  const muls = xs.map((v) => {
    if (!(Number.isInteger(nfd) && nfd >= 1 && nfd < v.shape.length)) {
      throw new ArgumentError(`nn.fc: numFlattenDims ${nfd} must be in [1, ${v.shape.length - 1}] for input ${v.name} of shape [${v.shape}]`);
    }
    const inFeatures = v.shape.slice(nfd).reduce((a, b) => (a < 0 || b < 0 ? -1 : a * b), 1);
    if (inFeatures < 0) throw new ArgumentError(`nn.fc: the feature dims of ${v.name} [${v.shape.slice(nfd)}] must be known (only the batch dims may be -1)`);
    const w = createParameter({ attr: o.weightAttr, shape: [inFeatures, size], dtype: v.dtype, layerName: layer, suffix: 'w' });
    return appendWithOutputs(block, 'mul', { X: v, Y: w }, { x_num_col_dims: nfd, y_num_col_dims: 1 }, { Out: 1 }, layer).Out[0];
  });
  let out = muls.length === 1 ? muls[0] : appendWithOutputs(block, 'sum', { X: muls }, {}, { Out: 1 }, layer).Out[0];
  if (o.biasAttr !== false) {
    const b = createParameter({ attr: o.biasAttr, shape: [size], dtype: out.dtype, layerName: layer, suffix: 'b' });
    out = appendWithOutputs(block, 'elementwise_add', { X: out, Y: b }, { axis: nfd }, { Out: 1 }, layer).Out[0];
  }
  return activate(out, o.activation, 'nn.fc');
}

export interface Conv2dOptions {
  stride?: number | number[];
  padding?: number | number[] | 'SAME' | 'VALID';
  dilation?: number | number[];
  groups?: number;
  weightAttr?: ParamAttrArg;
  biasAttr?: ParamAttrArg;
  activation?: Activation;
  name?: string;
}

/** 2-D convolution over NCHW input, as paddle.static.nn.conv2d (filter Normal(0, sqrt(2 / (k·k·C)))). */
export function conv2d(input: Variable, numFilters: number, filterSize: number | number[], o: Conv2dOptions = {}): Variable {
  asVar(input, 'nn.conv2d', 'input');
  inMain(input, 'nn.conv2d');
  if (input.shape.length !== 4) throw new ArgumentError(`nn.conv2d: input ${input.name} must be NCHW (rank 4), has shape [${input.shape}]`);
  const C = input.shape[1];
  if (C < 0) throw new ArgumentError(`nn.conv2d: the channel dim of ${input.name} must be known, has shape [${input.shape}]`);
  const groups = o.groups ?? 1;
  if (!(Number.isInteger(groups) && groups >= 1 && C % groups === 0)) throw new ArgumentError(`nn.conv2d: groups ${groups} must divide the ${C} input channels`);
  if (!(Number.isInteger(numFilters) && numFilters > 0)) throw new ArgumentError(`nn.conv2d: numFilters must be a positive integer, received ${numFilters}`);
  const [kh, kw] = pair(filterSize, 'filterSize', 'nn.conv2d');
  const layer = o.name ?? generate('conv2d');
  const std = Math.sqrt(2 / (kh * kw * C));
  const w = createParameter({
    attr: o.weightAttr,
    shape: [numFilters, C / groups, kh, kw],
    dtype: input.dtype,
    layerName: layer,
    suffix: 'w',
    defaultInitializer: new Normal({ mean: 0, std }),
  });
  let algorithm: 'EXPLICIT' | 'SAME' | 'VALID' = 'EXPLICIT';
  let paddings: number[] = [0, 0];
  if (o.padding === 'SAME' || o.padding === 'VALID') algorithm = o.padding;
  else if (Array.isArray(o.padding) && o.padding.length === 4) paddings = [...o.padding];
  else if (o.padding !== undefined) paddings = pair(o.padding, 'padding', 'nn.conv2d');
  let out = appendWithOutputs(input.block, 'conv2d', { Input: input, Filter: w }, {
    strides: pair(o.stride ?? 1, 'stride', 'nn.conv2d'),
    paddings,
    dilations: pair(o.dilation ?? 1, 'dilation', 'nn.conv2d'),
    groups,
    padding_algorithm: algorithm,
  }, { Output: 1 }, layer).Output[0];
  if (o.biasAttr !== false) {
    const b = createParameter({ attr: o.biasAttr, shape: [numFilters], dtype: input.dtype, layerName: layer, suffix: 'b' });
    out = appendWithOutputs(input.block, 'elementwise_add', { X: out, Y: b }, { axis: 1 }, { Out: 1 }, layer).Out[0];
  }
  return activate(out, o.activation, 'nn.conv2d');
}

export interface Pool2dOptions {
  poolSize?: number | number[];
  poolType?: 'max' | 'avg';
  poolStride?: number | number[];
  poolPadding?: number | number[];
  globalPooling?: boolean;
  ceilMode?: boolean;
  exclusive?: boolean;
  adaptive?: boolean;
}

/** 2-D pooling over NCHW input (fluid.layers.pool2d's options in camelCase). */
export function pool2d(input: Variable, o: Pool2dOptions = {}): Variable {
  asVar(input, 'nn.pool2d', 'input');
  const type = o.poolType ?? 'max';
  if (type !== 'max' && type !== 'avg') throw new ArgumentError(`nn.pool2d: poolType must be 'max' or 'avg', received ${JSON.stringify(type)}`);
  const padding = o.poolPadding ?? 0;
  return appendSimple(input.block, 'pool2d', { X: input }, {
    pooling_type: type,
    ksize: pair(o.poolSize ?? 1, 'poolSize', 'nn.pool2d'),
    strides: pair(o.poolStride ?? 1, 'poolStride', 'nn.pool2d'),
    paddings: Array.isArray(padding) && padding.length === 4 ? [...padding] : pair(padding, 'poolPadding', 'nn.pool2d'),
    global_pooling: o.globalPooling ?? false,
    ceil_mode: o.ceilMode ?? false,
    exclusive: o.exclusive ?? true,
    adaptive: o.adaptive ?? false,
  });
}

export interface BatchNormOptions {
  activation?: Activation;
  isTest?: boolean;
  momentum?: number;
  epsilon?: number;
  weightAttr?: ParamAttrArg;
  biasAttr?: ParamAttrArg;
  dataLayout?: 'NCHW' | 'NHWC';
  name?: string;
  movingMeanName?: string;
  movingVarianceName?: string;
  useGlobalStats?: boolean;
}

/**
 * Batch normalisation (paddle.static.nn.batch_norm): scale `.w_0` = 1, bias `.b_0` = 0, and the
 * running mean `.w_1` and variance `.w_2`, persistable and updated in place while training.
 */
export function batchNorm(input: Variable, o: BatchNormOptions = {}): Variable {
  asVar(input, 'nn.batchNorm', 'input');
  inMain(input, 'nn.batchNorm');
  const layout = o.dataLayout ?? 'NCHW';
  if (input.shape.length < 2) throw new ArgumentError(`nn.batchNorm: input ${input.name} must have rank >= 2, has shape [${input.shape}]`);
  const C = layout === 'NHWC' ? input.shape[input.shape.length - 1] : input.shape[1];
  if (C < 0) throw new ArgumentError(`nn.batchNorm: the channel dim of ${input.name} must be known, has shape [${input.shape}]`);
  const layer = o.name ?? generate('batch_norm');
  const scale = createParameter({ attr: o.weightAttr, shape: [C], dtype: input.dtype, layerName: layer, suffix: 'w', defaultInitializer: new Constant({ value: 1 }) });
  const bias = createParameter({ attr: o.biasAttr, shape: [C], dtype: input.dtype, layerName: layer, suffix: 'b' });
  const mean = createPersistableState(o.movingMeanName ?? generate(`${layer}.w`), [C], input.dtype, 0);
  const variance = createPersistableState(o.movingVarianceName ?? generate(`${layer}.w`), [C], input.dtype, 1);
  mean.stopGradient = true;
  variance.stopGradient = true;
  const block = input.block;
  const savedMean = createTemp(block, layer);
  const savedVariance = createTemp(block, layer);
  const y = createTemp(block, layer);
  // MeanOut/VarianceOut are the running statistics themselves, updated in place as in Paddle.
  block.appendOp({
    type: 'batch_norm',
    inputs: { X: input, Scale: scale, Bias: bias, Mean: mean, Variance: variance },
    outputs: { Y: y, MeanOut: mean, VarianceOut: variance, SavedMean: savedMean, SavedVariance: savedVariance },
    attrs: {
      epsilon: o.epsilon ?? 1e-5,
      momentum: o.momentum ?? 0.9,
      is_test: o.isTest ?? false,
      data_layout: layout,
      use_global_stats: o.useGlobalStats ?? false,
    },
  });
  savedMean.stopGradient = true;
  savedVariance.stopGradient = true;
  return activate(y, o.activation, 'nn.batchNorm');
}

export interface EmbeddingOptions {
  paddingIdx?: number | null;
  weightAttr?: ParamAttrArg;
  dtype?: 'float32' | 'float64' | 'float16';
  name?: string;
}

/** Embedding lookup (lookup_table_v2): ids of any shape → [...ids.shape, D]. */
export function embedding(input: Variable, size: [number, number], o: EmbeddingOptions = {}): Variable {
  asVar(input, 'nn.embedding', 'input');
  inMain(input, 'nn.embedding');
  if (!Array.isArray(size) || size.length !== 2 || size.some((d) => !(Number.isInteger(d) && d > 0))) {
    throw new ArgumentError(`nn.embedding: size must be [vocabulary, dim] of positive integers, received ${JSON.stringify(size)}`);
  }
  const [V] = size;
  let pad = o.paddingIdx ?? -1;
  if (o.paddingIdx !== undefined && o.paddingIdx !== null) {
    if (!(Number.isInteger(pad) && pad >= -V && pad < V)) throw new ArgumentError(`nn.embedding: paddingIdx ${pad} must be in [-${V}, ${V})`);
    if (pad < 0) pad += V;
  }
  const layer = o.name ?? generate('embedding');
  const w = createParameter({ attr: o.weightAttr, shape: [...size], dtype: o.dtype ?? 'float32', layerName: layer, suffix: 'w' });
  return appendWithOutputs(input.block, 'lookup_table_v2', { W: w, Ids: input }, { padding_idx: pad }, { Out: 1 }, layer).Out[0];
}

export interface DropoutOptions {
  isTest?: boolean;
  seed?: number;
  /** 'upscale_in_train' (Paddle 2.x's default) or 'downgrade_in_infer'. */
  mode?: 'upscale_in_train' | 'downgrade_in_infer';
}

export function dropout(x: Variable, p = 0.5, o: DropoutOptions = {}): Variable {
  asVar(x, 'nn.dropout', 'x');
  if (!(typeof p === 'number' && p >= 0 && p <= 1)) throw new ArgumentError(`nn.dropout: p must be a number in [0, 1], received ${String(p)}`);
  const seed = o.seed ?? 0;
  const made = appendWithOutputs(x.block, 'dropout', { X: x }, {
    dropout_prob: p,
    is_test: o.isTest ?? false,
    dropout_implementation: o.mode ?? 'upscale_in_train',
    seed,
    fix_seed: seed !== 0,
  }, { Out: 1, Mask: 1 });
  made.Mask[0].stopGradient = true;
  return made.Out[0];
}

export { ParamAttr };
export { Layer, Linear, Conv2D, BatchNorm2D, Embedding, Dropout, ReLU, Sequential } from '../../eager/layers';
