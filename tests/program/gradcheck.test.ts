/**
 * Table-driven gradient check: for every differentiable op, the appended gradient ops against
 * central differences of the forward program, in float64, on small random inputs. The loss is
 * Σ_k sum(out_k · R_k) with fixed random R_k, so every output element is weighted differently.
 */
import { Executor, Program, Scope, Tensor, Variable, gradients } from '../../src';
import type { DType, OpAttrMap, OpType } from '../../src';
import { randomArray } from '../helpers';

interface InputSpec {
  shape: number[];
  /** Values (default: uniform in [-1, 1] from the case's seed). */
  values?: number[];
  dtype?: DType;
  /** Whether the gradient with respect to this input is checked (default: float inputs). */
  grad?: boolean;
}

interface Case<K extends OpType = OpType> {
  name: string;
  type: K;
  inputs: Record<string, InputSpec | InputSpec[]>;
  attrs?: Partial<OpAttrMap[K]>;
  /** Output slots with their counts; the loss is built from `loss` (default: every output). */
  outputs?: Record<string, number>;
  loss?: string[];
  tol?: number;
}

const away = (seed: number, n: number, gap = 0.1): number[] => randomArray(n, seed).map((v) => (v >= 0 ? v + gap : v - gap));
const positive = (seed: number, n: number): number[] => randomArray(n, seed, 0.5, 2);
const distinct = (n: number, seed: number): number[] => {
  const v = randomArray(n, seed);
  return v.map((x, i) => x + i * 1e-3);
};
const ids = (values: number[]): InputSpec => ({ shape: [values.length], values, dtype: 'int64', grad: false });

const cases: Case[] = [
  // elementwise binary, with each broadcasting form
  ...(['elementwise_add', 'elementwise_sub', 'elementwise_mul', 'elementwise_div', 'elementwise_max', 'elementwise_min'] as const).flatMap((type, t) => [
    { name: `${type} same shape`, type, inputs: { X: { shape: [2, 3] }, Y: { shape: [2, 3], values: away(t, 6, 1.2) } } },
    { name: `${type} Y [3] over X [2,3]`, type, inputs: { X: { shape: [2, 3] }, Y: { shape: [3], values: away(t + 1, 3, 1.2) } } },
    { name: `${type} Y [3] at axis 1 of X [2,3,2]`, type, inputs: { X: { shape: [2, 3, 2] }, Y: { shape: [3], values: away(t + 2, 3, 1.2) } }, attrs: { axis: 1 } },
    { name: `${type} X [2,1] with Y [1,3]`, type, inputs: { X: { shape: [2, 1] }, Y: { shape: [1, 3], values: away(t + 3, 3, 1.2) } } },
  ]),
  { name: 'elementwise_pow', type: 'elementwise_pow', inputs: { X: { shape: [2, 3], values: positive(1, 6) }, Y: { shape: [3] } } },
  // elementwise unary
  { name: 'relu', type: 'relu', inputs: { X: { shape: [2, 4], values: away(2, 8) } } },
  { name: 'sigmoid', type: 'sigmoid', inputs: { X: { shape: [2, 4] } } },
  { name: 'tanh', type: 'tanh', inputs: { X: { shape: [2, 4] } } },
  { name: 'exp', type: 'exp', inputs: { X: { shape: [2, 4] } } },
  { name: 'log', type: 'log', inputs: { X: { shape: [2, 4], values: positive(3, 8) } } },
  { name: 'sqrt', type: 'sqrt', inputs: { X: { shape: [2, 4], values: positive(4, 8) } } },
  { name: 'square', type: 'square', inputs: { X: { shape: [2, 4] } } },
  { name: 'abs', type: 'abs', inputs: { X: { shape: [2, 4], values: away(5, 8) } } },
  { name: 'leaky_relu', type: 'leaky_relu', inputs: { X: { shape: [2, 4], values: away(6, 8) } }, attrs: { alpha: 0.1 } },
  { name: 'relu6', type: 'relu6', inputs: { X: { shape: [2, 4], values: [-1, 0.5, 2, 5.5, 6.5, 8, -0.3, 3] } } },
  { name: 'gelu exact', type: 'gelu', inputs: { X: { shape: [2, 4], values: randomArray(8, 7, -3, 3) } } },
  { name: 'gelu tanh', type: 'gelu', inputs: { X: { shape: [2, 4], values: randomArray(8, 8, -3, 3) } }, attrs: { approximate: true } },
  { name: 'pow', type: 'pow', inputs: { X: { shape: [2, 4], values: positive(9, 8) } }, attrs: { factor: 2.5 } },
  { name: 'scale', type: 'scale', inputs: { X: { shape: [2, 4] } }, attrs: { scale: -1.5, bias: 3 } },
  // linear algebra
  { name: 'matmul_v2', type: 'matmul_v2', inputs: { X: { shape: [2, 3] }, Y: { shape: [3, 4] } } },
  { name: 'matmul_v2 trans_x', type: 'matmul_v2', inputs: { X: { shape: [3, 2] }, Y: { shape: [3, 4] } }, attrs: { trans_x: true } },
  { name: 'matmul_v2 trans_y', type: 'matmul_v2', inputs: { X: { shape: [2, 3] }, Y: { shape: [4, 3] } }, attrs: { trans_y: true } },
  { name: 'matmul_v2 both transposed', type: 'matmul_v2', inputs: { X: { shape: [3, 2] }, Y: { shape: [4, 3] } }, attrs: { trans_x: true, trans_y: true } },
  { name: 'matmul_v2 batched with broadcast', type: 'matmul_v2', inputs: { X: { shape: [2, 1, 2, 3] }, Y: { shape: [3, 3, 2] } } },
  { name: 'matmul_v2 batched, transposed Y broadcast', type: 'matmul_v2', inputs: { X: { shape: [2, 2, 3] }, Y: { shape: [4, 3] } }, attrs: { trans_y: true } },
  { name: 'matmul_v2 vector @ matrix', type: 'matmul_v2', inputs: { X: { shape: [3] }, Y: { shape: [3, 2] } } },
  { name: 'matmul_v2 matrix @ vector', type: 'matmul_v2', inputs: { X: { shape: [2, 3] }, Y: { shape: [3] } } },
  { name: 'matmul_v2 vector @ vector', type: 'matmul_v2', inputs: { X: { shape: [3] }, Y: { shape: [3] } } },
  { name: 'mul', type: 'mul', inputs: { X: { shape: [2, 2, 3] }, Y: { shape: [3, 2] } }, attrs: { x_num_col_dims: 2 } },
  { name: 'mul flattening Y', type: 'mul', inputs: { X: { shape: [2, 6] }, Y: { shape: [2, 3, 2] } }, attrs: { y_num_col_dims: 2 } },
  // along an axis
  { name: 'softmax', type: 'softmax', inputs: { X: { shape: [2, 4] } } },
  { name: 'softmax axis 0', type: 'softmax', inputs: { X: { shape: [3, 2] } }, attrs: { axis: 0 } },
  { name: 'log_softmax', type: 'log_softmax', inputs: { X: { shape: [2, 4] } } },
  { name: 'reduce_mean dims', type: 'reduce_mean', inputs: { X: { shape: [2, 3, 2] } }, attrs: { dim: [0, 2] } },
  { name: 'reduce_mean all', type: 'reduce_mean', inputs: { X: { shape: [2, 3] } }, attrs: { reduce_all: true } },
  { name: 'reduce_sum keep_dim', type: 'reduce_sum', inputs: { X: { shape: [2, 3] } }, attrs: { dim: [1], keep_dim: true } },
  { name: 'reduce_max', type: 'reduce_max', inputs: { X: { shape: [3, 4], values: distinct(12, 10) } }, attrs: { dim: [-1] } },
  { name: 'sum of a list', type: 'sum', inputs: { X: [{ shape: [2, 2] }, { shape: [2, 2] }, { shape: [2, 2] }] } },
  // manipulation
  { name: 'reshape2', type: 'reshape2', inputs: { X: { shape: [2, 3, 2] } }, attrs: { shape: [3, -1] }, outputs: { Out: 1, XShape: 1 }, loss: ['Out'] },
  { name: 'transpose2', type: 'transpose2', inputs: { X: { shape: [2, 3, 2] } }, attrs: { axis: [2, 0, 1] }, outputs: { Out: 1, XShape: 1 }, loss: ['Out'] },
  { name: 'flatten_contiguous_range', type: 'flatten_contiguous_range', inputs: { X: { shape: [2, 3, 2] } }, attrs: { start_axis: 1 }, outputs: { Out: 1, XShape: 1 }, loss: ['Out'] },
  { name: 'concat', type: 'concat', inputs: { X: [{ shape: [2, 1] }, { shape: [2, 3] }] }, attrs: { axis: 1 } },
  { name: 'split with an unused part', type: 'split', inputs: { X: { shape: [2, 5] } }, attrs: { axis: 1, sections: [2, 3] }, outputs: { Out: 2 }, loss: ['Out:0'] },
  { name: 'slice with decrease_axis', type: 'slice', inputs: { Input: { shape: [3, 4] } }, attrs: { axes: [0, 1], starts: [1, -3], ends: [2, 10], decrease_axis: [0] } },
  { name: 'gather with repeated indices', type: 'gather', inputs: { X: { shape: [4, 2] }, Index: ids([3, 0, 3]) } },
  { name: 'gather along axis 1', type: 'gather', inputs: { X: { shape: [2, 3] }, Index: ids([2, 0]) }, attrs: { axis: 1 } },
  { name: 'cast', type: 'cast', inputs: { X: { shape: [2, 2] } }, attrs: { in_dtype: 'float64', out_dtype: 'float64' } },
  { name: 'assign', type: 'assign', inputs: { X: { shape: [2, 2] } } },
  // losses
  {
    name: 'softmax_with_cross_entropy hard labels, one ignored',
    type: 'softmax_with_cross_entropy',
    inputs: { Logits: { shape: [3, 4] }, Label: { shape: [3, 1], values: [2, -100, 0], dtype: 'int64', grad: false } },
    outputs: { Softmax: 1, Loss: 1 },
    loss: ['Loss'],
  },
  {
    name: 'softmax_with_cross_entropy soft labels',
    type: 'softmax_with_cross_entropy',
    inputs: { Logits: { shape: [2, 3] }, Label: { shape: [2, 3], values: positive(11, 6), grad: false } },
    attrs: { soft_label: true },
    outputs: { Softmax: 1, Loss: 1 },
    loss: ['Loss'],
  },
  {
    name: 'softmax_with_cross_entropy along axis 0',
    type: 'softmax_with_cross_entropy',
    inputs: { Logits: { shape: [3, 2] }, Label: { shape: [1, 2], values: [1, 2], dtype: 'int64', grad: false } },
    attrs: { axis: 0 },
    outputs: { Softmax: 1, Loss: 1 },
    loss: ['Loss'],
  },
  {
    name: 'softmax_with_cross_entropy without softmax',
    type: 'softmax_with_cross_entropy',
    inputs: { Logits: { shape: [2, 3], values: positive(12, 6) }, Label: { shape: [2, 1], values: [1, 2], dtype: 'int64', grad: false } },
    attrs: { use_softmax: false },
    outputs: { Softmax: 1, Loss: 1 },
    loss: ['Loss'],
  },
  // layers
  { name: 'conv2d', type: 'conv2d', inputs: { Input: { shape: [2, 2, 4, 4] }, Filter: { shape: [3, 2, 2, 2] } }, outputs: { Output: 1 } },
  {
    name: 'conv2d stride, padding, dilation, groups',
    type: 'conv2d',
    inputs: { Input: { shape: [1, 4, 5, 5] }, Filter: { shape: [2, 2, 2, 3] } },
    attrs: { strides: [2, 1], paddings: [1, 0, 1, 2], dilations: [1, 2], groups: 2 },
    outputs: { Output: 1 },
  },
  { name: 'pool2d max', type: 'pool2d', inputs: { X: { shape: [1, 2, 4, 4], values: distinct(32, 13) } }, attrs: { ksize: [2, 2], strides: [2, 2] } },
  { name: 'pool2d avg padded', type: 'pool2d', inputs: { X: { shape: [1, 1, 4, 4] } }, attrs: { pooling_type: 'avg', ksize: [3, 3], strides: [2, 2], paddings: [1, 1] } },
  { name: 'pool2d avg inclusive, ceil mode', type: 'pool2d', inputs: { X: { shape: [1, 1, 5, 5] } }, attrs: { pooling_type: 'avg', ksize: [2, 2], strides: [2, 2], exclusive: false, ceil_mode: true } },
  { name: 'pool2d adaptive', type: 'pool2d', inputs: { X: { shape: [1, 1, 5, 4] } }, attrs: { pooling_type: 'avg', adaptive: true, ksize: [3, 2] } },
  ...[false, true].map((isTest) => ({
    name: `batch_norm ${isTest ? 'test mode' : 'training'}`,
    type: 'batch_norm' as const,
    inputs: {
      X: { shape: [3, 2, 2, 2] },
      Scale: { shape: [2] },
      Bias: { shape: [2] },
      Mean: { shape: [2], grad: false },
      Variance: { shape: [2], values: [0.5, 2], grad: false },
    },
    attrs: { is_test: isTest },
    outputs: { Y: 1, MeanOut: 1, VarianceOut: 1, SavedMean: 1, SavedVariance: 1 },
    loss: ['Y'],
  })),
  {
    name: 'lookup_table_v2 with repeats and padding_idx',
    type: 'lookup_table_v2',
    inputs: { W: { shape: [4, 3] }, Ids: { shape: [2, 3], values: [1, 3, 1, 0, 2, 3], dtype: 'int64', grad: false } },
    attrs: { padding_idx: 3 },
  },
  {
    name: 'dropout training, fixed seed',
    type: 'dropout',
    inputs: { X: { shape: [4, 5] } },
    attrs: { dropout_prob: 0.4, seed: 3, fix_seed: true, dropout_implementation: 'upscale_in_train' },
    outputs: { Out: 1, Mask: 1 },
    loss: ['Out'],
  },
  { name: 'dropout test mode', type: 'dropout', inputs: { X: { shape: [2, 3] } }, attrs: { dropout_prob: 0.3, is_test: true }, outputs: { Out: 1, Mask: 1 }, loss: ['Out'] },
];

function runCase(c: Case, seed: number): void {
  const p = new Program();
  const b = p.globalBlock();
  const feed: Record<string, Tensor> = {};
  const diff: Variable[] = [];
  const slots: Record<string, string[]> = {};
  let k = 0;
  for (const [slot, spec] of Object.entries(c.inputs)) {
    const list = Array.isArray(spec) ? spec : [spec];
    slots[slot] = list.map((s, i) => {
      const name = `${slot}_${i}`;
      const dtype = s.dtype ?? 'float64';
      const n = s.shape.reduce((a, d) => a * d, 1);
      const v = b.createVar({ name, shape: s.shape, dtype, isData: true });
      feed[name] = Tensor.from(s.values ?? randomArray(n, seed + 97 * k++), { shape: s.shape, dtype });
      if (s.grad ?? dtype === 'float64') diff.push(v);
      return name;
    });
  }
  const outputs = c.outputs ?? { Out: 1 };
  const outSlots: Record<string, string[]> = {};
  for (const [slot, n] of Object.entries(outputs)) {
    outSlots[slot] = Array.from({ length: n }, (_, i) => b.createVar({ name: `out_${slot}_${i}`, shape: [], dtype: 'float64' }).name);
  }
  b.appendOp({ type: c.type, inputs: slots, outputs: outSlots, attrs: c.attrs });
  const lossFrom = (c.loss ?? Object.keys(outputs)).flatMap((s) => {
    const [slot, idx] = s.split(':');
    return idx === undefined ? outSlots[slot] : [outSlots[slot][Number(idx)]];
  });
  // loss = Σ sum(out · R)
  const terms = lossFrom.map((name, i) => {
    const out = b.var(name);
    const r = b.createVar({ name: `R_${i}`, shape: out.shape, dtype: 'float64', isData: true });
    const rn = out.shape.reduce((a, d) => a * Math.max(d, 1), 1);
    feed[r.name] = Tensor.from(randomArray(rn, seed + 1000 + i, 0.5, 1.5), { shape: out.shape, dtype: 'float64' });
    const prod = b.createVar({ name: `prod_${i}`, shape: [], dtype: 'float64' });
    b.appendOp({ type: 'elementwise_mul', inputs: { X: name, Y: r }, outputs: { Out: prod } });
    const s = b.createVar({ name: `term_${i}`, shape: [], dtype: 'float64' });
    b.appendOp({ type: 'reduce_sum', inputs: { X: prod }, outputs: { Out: s }, attrs: { reduce_all: true } });
    return s;
  });
  let loss = terms[0];
  for (const t of terms.slice(1)) {
    const s = b.createVar({ name: `${loss.name}+`, shape: [], dtype: 'float64' });
    b.appendOp({ type: 'elementwise_add', inputs: { X: loss, Y: t }, outputs: { Out: s } });
    loss = s;
  }
  const grads = gradients([loss], diff);
  const exe = new Executor();
  const scope = new Scope();
  const analytic = exe.runSync(p, { feed, fetchList: grads.map((g, i) => {
    if (!g) throw new Error(`${c.name}: no gradient reached ${diff[i].name}`);
    return g;
  }), scope });
  const lossAt = (f: Record<string, Tensor>): number => exe.runSync(p, { feed: f, fetchList: [loss], scope, usePrune: true })[0].data[0] as number;
  const eps = 1e-6;
  const tol = c.tol ?? 1e-6;
  diff.forEach((v, vi) => {
    const base = feed[v.name];
    const got = analytic[vi].toFlat();
    expect(analytic[vi].shape).toEqual(base.shape);
    for (let e = 0; e < base.size; e++) {
      const plus = base.clone();
      const minus = base.clone();
      (plus.data as Float64Array)[e] += eps;
      (minus.data as Float64Array)[e] -= eps;
      const numeric = (lossAt({ ...feed, [v.name]: plus }) - lossAt({ ...feed, [v.name]: minus })) / (2 * eps);
      if (!(Math.abs(got[e] - numeric) <= tol * (1 + Math.abs(numeric)))) {
        throw new Error(`${c.name}: d loss / d ${v.name}[${e}] is ${got[e]} by the gradient ops but ${numeric} by central differences`);
      }
    }
  });
}

describe('gradient check against central differences (float64)', () => {
  test.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    runCase(c, 1 + i * 13);
  });

  test('every differentiable forward op has a case', () => {
    const differentiable = ['elementwise_add', 'elementwise_sub', 'elementwise_mul', 'elementwise_div', 'elementwise_max', 'elementwise_min', 'elementwise_pow', 'relu', 'sigmoid', 'tanh', 'exp', 'log', 'sqrt', 'square', 'abs', 'leaky_relu', 'relu6', 'gelu', 'pow', 'scale', 'matmul_v2', 'mul', 'softmax', 'log_softmax', 'reduce_mean', 'reduce_sum', 'reduce_max', 'sum', 'reshape2', 'transpose2', 'flatten_contiguous_range', 'concat', 'split', 'slice', 'gather', 'cast', 'assign', 'softmax_with_cross_entropy', 'conv2d', 'pool2d', 'batch_norm', 'lookup_table_v2', 'dropout'];
    const covered = new Set(cases.map((c) => c.type));
    expect(differentiable.filter((t) => !covered.has(t as OpType))).toEqual([]);
  });
});
