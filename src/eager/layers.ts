/**
 * nn.Layer and the eager layers (Paddle's paddle.nn), computing through ops.* on eager tensors with
 * Paddle's parameter names (linear_0.w_0) and default initialisers.
 */
import { appendWithOutputs, EAGER, ParamAttrArg } from '../program/builder';
import { ArgumentError } from '../program/errors';
import { Constant, Normal } from '../program/initializer';
import { generate } from '../program/unique-name';
import { Tensor } from '../executor/tensor';
import * as ops from '../program/api/ops';
import { executeOp } from './execute';
import { createEagerParameter, EagerParameter } from './parameter';

function posInt(v: unknown, what: string, owner: string): number {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new ArgumentError(`${owner}: ${what} must be a positive integer, received ${String(v)}`);
  return v as number;
}

function pair(v: number | number[], what: string, owner: string): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || p.some((d) => !Number.isInteger(d))) throw new ArgumentError(`${owner}: ${what} must be an integer or a pair of integers, received ${JSON.stringify(v)}`);
  return [p[0], p[1]];
}

function asTensor(x: unknown, owner: string): Tensor {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${owner}.forward: expected an eager Tensor, received ${x === null ? 'null' : typeof x === 'object' ? (x as object).constructor.name : typeof x}`);
  return x;
}

export abstract class Layer {
  training = true;
  private readonly ownParams: EagerParameter[] = [];
  private readonly sublayers: Layer[] = [];

  protected addParameter<P extends EagerParameter>(p: P): P {
    this.ownParams.push(p);
    return p;
  }

  protected addSublayer<L extends Layer>(l: L): L {
    this.sublayers.push(l);
    return l;
  }

  /** This layer's parameters, then its sublayers', in the order they were created. */
  parameters(): EagerParameter[] {
    return [...this.ownParams, ...this.sublayers.flatMap((l) => l.parameters())];
  }

  train(): this {
    this.training = true;
    for (const l of this.sublayers) l.train();
    return this;
  }

  eval(): this {
    this.training = false;
    for (const l of this.sublayers) l.eval();
    return this;
  }

  abstract forward(...xs: Tensor[]): Tensor;
}

export class Linear extends Layer {
  readonly weight: EagerParameter;
  readonly bias: EagerParameter | null;
  constructor(inFeatures: number, outFeatures: number, o: { weightAttr?: ParamAttrArg; biasAttr?: ParamAttrArg; name?: string } = {}) {
    super();
    const name = o.name ?? generate('linear');
    posInt(inFeatures, 'inFeatures', 'Linear');
    posInt(outFeatures, 'outFeatures', 'Linear');
    this.weight = this.addParameter(createEagerParameter({ attr: o.weightAttr, shape: [inFeatures, outFeatures], dtype: 'float32', layerName: name, suffix: 'w' }));
    this.bias = o.biasAttr === false ? null : this.addParameter(createEagerParameter({ attr: o.biasAttr, shape: [outFeatures], dtype: 'float32', layerName: name, suffix: 'b' }));
  }
  forward(x: Tensor): Tensor {
    const y = ops.matmul(asTensor(x, 'Linear'), this.weight as Tensor);
    return this.bias ? ops.add(y, this.bias as Tensor) : y;
  }
}

export class Conv2D extends Layer {
  readonly weight: EagerParameter;
  readonly bias: EagerParameter | null;
  private readonly attrs: { strides: number[]; paddings: number[]; dilations: number[]; groups: number; padding_algorithm: 'EXPLICIT' | 'SAME' | 'VALID' };
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | number[],
    o: { stride?: number | number[]; padding?: number | number[] | 'SAME' | 'VALID'; dilation?: number | number[]; groups?: number; weightAttr?: ParamAttrArg; biasAttr?: ParamAttrArg; name?: string } = {},
  ) {
    super();
    const name = o.name ?? generate('conv2d');
    posInt(inChannels, 'inChannels', 'Conv2D');
    posInt(outChannels, 'outChannels', 'Conv2D');
    const groups = o.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1 || inChannels % groups || outChannels % groups) {
      throw new ArgumentError(`Conv2D: groups ${groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`);
    }
    const [kh, kw] = pair(kernelSize, 'kernelSize', 'Conv2D');
    // Paddle's default: Normal(0, sqrt(2 / (kh · kw · inChannels)))
    this.weight = this.addParameter(
      createEagerParameter({ attr: o.weightAttr, shape: [outChannels, inChannels / groups, kh, kw], dtype: 'float32', layerName: name, suffix: 'w', defaultInitializer: new Normal({ mean: 0, std: Math.sqrt(2 / (kh * kw * inChannels)) }) }),
    );
    this.bias = o.biasAttr === false ? null : this.addParameter(createEagerParameter({ attr: o.biasAttr, shape: [outChannels], dtype: 'float32', layerName: name, suffix: 'b' }));
    let algorithm: 'EXPLICIT' | 'SAME' | 'VALID' = 'EXPLICIT';
    let paddings: number[] = [0, 0];
    if (o.padding === 'SAME' || o.padding === 'VALID') algorithm = o.padding;
    else if (Array.isArray(o.padding) && o.padding.length === 4) paddings = [...o.padding];
    else if (o.padding !== undefined) paddings = pair(o.padding, 'padding', 'Conv2D');
    this.attrs = { strides: pair(o.stride ?? 1, 'stride', 'Conv2D'), paddings, dilations: pair(o.dilation ?? 1, 'dilation', 'Conv2D'), groups, padding_algorithm: algorithm };
  }
  forward(x: Tensor): Tensor {
    const y = appendWithOutputs(EAGER, 'conv2d', { Input: asTensor(x, 'Conv2D'), Filter: this.weight }, this.attrs, { Output: 1 }).Output[0] as unknown as Tensor;
    return this.bias ? (appendWithOutputs(EAGER, 'elementwise_add', { X: y, Y: this.bias }, { axis: 1 }, { Out: 1 }).Out[0] as unknown as Tensor) : y;
  }
}

export class BatchNorm2D extends Layer {
  readonly weight: EagerParameter;
  readonly bias: EagerParameter;
  readonly mean: EagerParameter;
  readonly variance: EagerParameter;
  readonly momentum: number;
  readonly epsilon: number;
  constructor(numFeatures: number, o: { momentum?: number; epsilon?: number; weightAttr?: ParamAttrArg; biasAttr?: ParamAttrArg; name?: string } = {}) {
    super();
    const name = o.name ?? generate('batch_norm2d');
    posInt(numFeatures, 'numFeatures', 'BatchNorm2D');
    const shape = [numFeatures];
    this.weight = this.addParameter(createEagerParameter({ attr: o.weightAttr, shape, dtype: 'float32', layerName: name, suffix: 'w', defaultInitializer: new Constant({ value: 1 }) }));
    this.bias = this.addParameter(createEagerParameter({ attr: o.biasAttr, shape, dtype: 'float32', layerName: name, suffix: 'b' }));
    this.mean = this.addParameter(createEagerParameter({ attr: { trainable: false }, shape, dtype: 'float32', layerName: name, suffix: 'w', defaultInitializer: new Constant({ value: 0 }) }));
    this.variance = this.addParameter(createEagerParameter({ attr: { trainable: false }, shape, dtype: 'float32', layerName: name, suffix: 'w', defaultInitializer: new Constant({ value: 1 }) }));
    this.momentum = o.momentum ?? 0.9;
    this.epsilon = o.epsilon ?? 1e-5;
  }
  forward(x: Tensor): Tensor {
    const r = executeOp(
      'batch_norm',
      { X: asTensor(x, 'BatchNorm2D'), Scale: this.weight, Bias: this.bias, Mean: this.mean, Variance: this.variance },
      { epsilon: this.epsilon, momentum: this.momentum, is_test: !this.training },
      { Y: 1, MeanOut: [this.mean], VarianceOut: [this.variance], SavedMean: 1, SavedVariance: 1 },
    );
    return r.Y[0];
  }
}

export class Embedding extends Layer {
  readonly weight: EagerParameter;
  private readonly paddingIdx: number;
  constructor(numEmbeddings: number, embeddingDim: number, o: { paddingIdx?: number | null; weightAttr?: ParamAttrArg; name?: string } = {}) {
    super();
    const name = o.name ?? generate('embedding');
    posInt(numEmbeddings, 'numEmbeddings', 'Embedding');
    posInt(embeddingDim, 'embeddingDim', 'Embedding');
    let pad = o.paddingIdx ?? -1;
    if (o.paddingIdx !== undefined && o.paddingIdx !== null) {
      if (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings) throw new ArgumentError(`Embedding: paddingIdx ${pad} must be in [-${numEmbeddings}, ${numEmbeddings})`);
      if (pad < 0) pad += numEmbeddings;
    }
    this.paddingIdx = pad;
    this.weight = this.addParameter(createEagerParameter({ attr: o.weightAttr, shape: [numEmbeddings, embeddingDim], dtype: 'float32', layerName: name, suffix: 'w' }));
  }
  forward(ids: Tensor): Tensor {
    return appendWithOutputs(EAGER, 'lookup_table_v2', { W: this.weight, Ids: asTensor(ids, 'Embedding') }, { padding_idx: this.paddingIdx }, { Out: 1 }).Out[0] as unknown as Tensor;
  }
}

export class Dropout extends Layer {
  constructor(
    readonly p = 0.5,
    readonly o: { mode?: 'upscale_in_train' | 'downgrade_in_infer' } = {},
  ) {
    super();
    if (!(typeof p === 'number' && p >= 0 && p <= 1)) throw new ArgumentError(`Dropout: p must be a number in [0, 1], received ${String(p)}`);
  }
  forward(x: Tensor): Tensor {
    return executeOp('dropout', { X: asTensor(x, 'Dropout') }, { dropout_prob: this.p, is_test: !this.training, dropout_implementation: this.o.mode ?? 'upscale_in_train' }, { Out: 1, Mask: 1 }).Out[0];
  }
}

export class ReLU extends Layer {
  forward(x: Tensor): Tensor {
    return ops.relu(asTensor(x, 'ReLU'));
  }
}

export class Sequential extends Layer {
  readonly layers: Layer[];
  constructor(...layers: Layer[]) {
    super();
    layers.forEach((l, i) => {
      if (!(l instanceof Layer)) throw new ArgumentError(`Sequential: argument ${i} is not a Layer`);
    });
    this.layers = layers.map((l) => this.addSublayer(l));
  }
  forward(x: Tensor): Tensor {
    return this.layers.reduce((h, l) => l.forward(h), x);
  }
}
