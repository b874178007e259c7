import { Tensor } from '../../src';
import { expectTensor, out1, randomArray, runOp, T } from '../helpers';
import { prod, refConv2d } from '../reference';

const i64 = (v: number[][] | number[]): Tensor => Tensor.from(v, { dtype: 'int64' });

describe('losses and metrics', () => {
  test('softmax_with_cross_entropy with hard labels, by hand', () => {
    const r = runOp('softmax_with_cross_entropy', { Logits: T([[1, 2, 3], [0, 0, 0]]), Label: i64([[2], [0]]) }, {}, { Softmax: 1, Loss: 1 });
    const z = 1 + Math.exp(-1) + Math.exp(-2);
    expectTensor(r.Loss[0], [2, 1], [Math.log(z), Math.log(3)]);
    expectTensor(r.Softmax[0], [2, 3], [Math.exp(-2) / z, Math.exp(-1) / z, 1 / z, 1 / 3, 1 / 3, 1 / 3]);
  });

  test('soft labels, ignore_index, use_softmax false, another axis', () => {
    const soft = runOp('softmax_with_cross_entropy', { Logits: T([[0, Math.log(3)]]), Label: T([[0.25, 0.75]]) }, { soft_label: true }, { Softmax: 1, Loss: 1 });
    expectTensor(soft.Loss[0], [1, 1], [-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75))]);
    const ign = runOp('softmax_with_cross_entropy', { Logits: T([[1, 2], [3, 4]]), Label: i64([[-100], [1]]) }, {}, { Softmax: 1, Loss: 1 });
    expectTensor(ign.Loss[0], [2, 1], [0, Math.log(1 + Math.exp(-1))]);
    const probs = runOp('softmax_with_cross_entropy', { Logits: T([[0.2, 0.8]]), Label: i64([[1]]) }, { use_softmax: false }, { Softmax: 1, Loss: 1 });
    expectTensor(probs.Loss[0], [1, 1], [-Math.log(0.8)]);
    // classes along axis 0: columns are samples
    const ax = runOp('softmax_with_cross_entropy', { Logits: T([[0, 5], [Math.log(3), 5]]), Label: i64([[1, 0]]) }, { axis: 0 }, { Softmax: 1, Loss: 1 });
    expectTensor(ax.Loss[0], [1, 2], [-Math.log(0.75), Math.log(2)]);
    expect(() => runOp('softmax_with_cross_entropy', { Logits: T([[1, 2]]), Label: i64([[2]]) }, {}, { Softmax: 1, Loss: 1 })).toThrow(/label 2 of sample 0 is out of range \[0, 2\)/);
  });

  test('top_k_v2 and accuracy', () => {
    const t = runOp('top_k_v2', { X: T([[1, 3, 2], [5, 4, 6]]) }, { k: 2 }, { Out: 1, Indices: 1 });
    expectTensor(t.Out[0], [2, 2], [3, 2, 6, 5]);
    expect([...(t.Indices[0].data as BigInt64Array)]).toEqual([1n, 2n, 2n, 0n]);
    const acc = runOp('accuracy', { Out: T([[3], [6]]), Indices: i64([[1], [2]]), Label: i64([[1], [0]]) }, {}, { Accuracy: 1, Correct: 1, Total: 1 });
    expectTensor(acc.Accuracy[0], [1], [0.5]);
    expect(acc.Correct[0].data[0]).toBe(1);
    expect(acc.Total[0].data[0]).toBe(2);
    const acc2 = runOp('accuracy', { Out: t.Out[0], Indices: t.Indices[0], Label: i64([[2], [4]]) }, {}, { Accuracy: 1 });
    expectTensor(acc2.Accuracy[0], [1], [0.5]);
  });
});

describe('conv2d', () => {
  test('a 2x2 filter by hand', () => {
    const x = Tensor.from([1, 2, 3, 4, 5, 6, 7, 8, 9], { shape: [1, 1, 3, 3] });
    const w = Tensor.from([1, 0, 0, 1], { shape: [1, 1, 2, 2] });
    expectTensor(runOp('conv2d', { Input: x, Filter: w }, {}, { Output: 1 }).Output[0], [1, 1, 2, 2], [6, 8, 12, 14]);
  });

  test('strides, asymmetric paddings, dilations and groups against the padded-copy reference', () => {
    const cases = [
      { xs: [2, 3, 5, 6], ws: [4, 3, 3, 2], strides: [1, 2], paddings: [1, 0, 2, 1], dilations: [1, 1], groups: 1 },
      { xs: [1, 4, 7, 7], ws: [6, 2, 3, 3], strides: [2, 2], paddings: [1, 1], dilations: [2, 1], groups: 2 },
      { xs: [1, 3, 4, 4], ws: [3, 1, 1, 1], strides: [1, 1], paddings: [0, 0], dilations: [1, 1], groups: 3 },
    ];
    cases.forEach((c, i) => {
      const xv = randomArray(prod(c.xs), 100 + i);
      const wv = randomArray(prod(c.ws), 200 + i);
      const pad = (c.paddings.length === 2 ? [c.paddings[0], c.paddings[0], c.paddings[1], c.paddings[1]] : c.paddings) as [number, number, number, number];
      const ref = refConv2d(xv, c.xs, wv, c.ws, { stride: c.strides as [number, number], pad, dil: c.dilations as [number, number], groups: c.groups });
      const got = runOp('conv2d', { Input: Tensor.from(xv, { shape: c.xs, dtype: 'float64' }), Filter: Tensor.from(wv, { shape: c.ws, dtype: 'float64' }) }, {
        strides: c.strides,
        paddings: c.paddings,
        dilations: c.dilations,
        groups: c.groups,
      }, { Output: 1 }).Output[0];
      expectTensor(got, ref.shape, ref.data, { rtol: 1e-13, atol: 1e-14 });
    });
  });

  test('SAME and VALID padding', () => {
    const xv = randomArray(25, 7);
    const wv = randomArray(9, 8);
    const same = runOp('conv2d', { Input: Tensor.from(xv, { shape: [1, 1, 5, 5], dtype: 'float64' }), Filter: Tensor.from(wv, { shape: [1, 1, 3, 3], dtype: 'float64' }) }, { strides: [2, 2], padding_algorithm: 'SAME', paddings: [9, 9] }, { Output: 1 }).Output[0];
    const ref = refConv2d(xv, [1, 1, 5, 5], wv, [1, 1, 3, 3], { stride: [2, 2], pad: [1, 1, 1, 1], dil: [1, 1], groups: 1 });
    expectTensor(same, [1, 1, 3, 3], ref.data, { rtol: 1e-13 });
    const valid = runOp('conv2d', { Input: Tensor.from(xv, { shape: [1, 1, 5, 5], dtype: 'float64' }), Filter: Tensor.from(wv, { shape: [1, 1, 3, 3], dtype: 'float64' }) }, { padding_algorithm: 'VALID', paddings: [4, 4] }, { Output: 1 }).Output[0];
    expect(valid.shape).toEqual([1, 1, 3, 3]);
  });

  test('shape errors name the channels', () => {
    expect(() => runOp('conv2d', { Input: Tensor.zeros('float32', [1, 3, 4, 4]), Filter: Tensor.zeros('float32', [2, 2, 3, 3]) }, {}, { Output: 1 })).toThrow(/has 3 channels but Filter \[2,2,3,3\] expects 2 x 1 groups = 2/);
    expect(() => runOp('conv2d', { Input: Tensor.zeros('float32', [1, 1, 2, 2]), Filter: Tensor.zeros('float32', [1, 1, 3, 3]) }, {}, { Output: 1 })).toThrow(/larger than the padded input/);
  });
});

describe('pool2d', () => {
  const x = Tensor.from([...Array(16).keys()], { shape: [1, 1, 4, 4] });
  test('max and avg 2x2 by hand', () => {
    expectTensor(out1('pool2d', { X: x }, { pooling_type: 'max', ksize: [2, 2], strides: [2, 2] }), [1, 1, 2, 2], [5, 7, 13, 15]);
    expectTensor(out1('pool2d', { X: x }, { pooling_type: 'avg', ksize: [2, 2], strides: [2, 2] }), [1, 1, 2, 2], [2.5, 4.5, 10.5, 12.5]);
  });

  test('padding with exclusive and inclusive averages', () => {
    const attrs = { pooling_type: 'avg' as const, ksize: [3, 3], strides: [2, 2], paddings: [1, 1] };
    expectTensor(out1('pool2d', { X: x }, attrs), [1, 1, 2, 2], [10 / 4, 24 / 6, 51 / 6, 90 / 9]);
    expectTensor(out1('pool2d', { X: x }, { ...attrs, exclusive: false }), [1, 1, 2, 2], [10 / 9, 24 / 9, 51 / 9, 90 / 9]);
    expectTensor(out1('pool2d', { X: x }, { ...attrs, pooling_type: 'max' }), [1, 1, 2, 2], [5, 7, 13, 15]);
  });

  test('ceil_mode, global and adaptive pooling', () => {
    const x5 = Tensor.from([...Array(25).keys()], { shape: [1, 1, 5, 5] });
    expectTensor(out1('pool2d', { X: x5 }, { ksize: [2, 2], strides: [2, 2] }), [1, 1, 2, 2], [6, 8, 16, 18]);
    expectTensor(out1('pool2d', { X: x5 }, { ksize: [2, 2], strides: [2, 2], ceil_mode: true }), [1, 1, 3, 3], [6, 8, 9, 16, 18, 19, 21, 23, 24]);
    expectTensor(out1('pool2d', { X: x }, { pooling_type: 'avg', global_pooling: true }), [1, 1, 1, 1], [7.5]);
    const ad = out1('pool2d', { X: x }, { pooling_type: 'avg', adaptive: true, ksize: [3, 3] });
    expect(ad.shape).toEqual([1, 1, 3, 3]);
    expect(ad.toFlat()[0]).toBe(2.5);
    expect(ad.toFlat()[4]).toBe(7.5);
    expect(ad.toFlat()[8]).toBe(12.5);
  });
});

describe('batch_norm', () => {
  const inputs = () => ({
    X: T([[1, 2], [3, 6]]),
    Scale: T([2, 1]),
    Bias: T([0, 10]),
    Mean: T([0, 0]),
    Variance: T([1, 1]),
  });
  const outs = { Y: 1, MeanOut: 1, VarianceOut: 1, SavedMean: 1, SavedVariance: 1 };

  test('training: batch statistics (biased variance), running statistics, saved inverse std', () => {
    const r = runOp('batch_norm', inputs(), { epsilon: 0 }, outs);
    expectTensor(r.Y[0], [2, 2], [-2, 9, 2, 11]);
    expectTensor(r.MeanOut[0], [2], [0.2, 0.4]);
    expectTensor(r.VarianceOut[0], [2], [1.0, 1.3]);
    expectTensor(r.SavedMean[0], [2], [2, 4]);
    expectTensor(r.SavedVariance[0], [2], [1, 0.5]);
  });

  test('test mode uses the running statistics; NCHW input', () => {
    const r = runOp('batch_norm', { ...inputs(), Mean: T([1, 2]), Variance: T([4, 16]) }, { epsilon: 0, is_test: true }, outs);
    expectTensor(r.Y[0], [2, 2], [0, 10, 2, 11]);
    const x4 = Tensor.from([1, 3, 10, 30], { shape: [1, 2, 1, 2] });
    const r4 = runOp('batch_norm', { X: x4, Scale: T([1, 1]), Bias: T([0, 0]), Mean: T([0, 0]), Variance: T([1, 1]) }, { epsilon: 0 }, outs);
    expectTensor(r4.Y[0], [1, 2, 1, 2], [-1, 1, -1, 1]);
    expectTensor(r4.SavedMean[0], [2], [2, 20]);
  });
});

describe('embedding and dropout', () => {
  test('lookup_table_v2 with padding_idx', () => {
    const w = T([[0, 0.5], [1, 1.5], [2, 2.5]]);
    const ids = i64([[2, 0], [1, 1]]);
    expectTensor(out1('lookup_table_v2', { W: w, Ids: ids }), [2, 2, 2], [2, 2.5, 0, 0.5, 1, 1.5, 1, 1.5]);
    expectTensor(out1('lookup_table_v2', { W: w, Ids: ids }, { padding_idx: 1 }), [2, 2, 2], [2, 2.5, 0, 0.5, 0, 0, 0, 0]);
    expect(() => out1('lookup_table_v2', { W: w, Ids: i64([3]) })).toThrow(/id 3 at element 0 is out of range \[0, 3\)/);
  });

  test('dropout in test mode, and in training with its mask', () => {
    const x = T([1, 2, 3, 4]);
    expectTensor(out1('dropout', { X: x }, { dropout_prob: 0.25, is_test: true }), [4], [0.75, 1.5, 2.25, 3]);
    expectTensor(out1('dropout', { X: x }, { dropout_prob: 0.25, is_test: true, dropout_implementation: 'upscale_in_train' }), [4], [1, 2, 3, 4]);
    const n = 20000;
    const ones = Tensor.from(new Float32Array(n).fill(1));
    const r = runOp('dropout', { X: ones }, { dropout_prob: 0.3, dropout_implementation: 'upscale_in_train', seed: 5, fix_seed: true }, { Out: 1, Mask: 1 });
    const mask = r.Mask[0].data as Uint8Array;
    const kept = mask.reduce((a, b) => a + b, 0) / n;
    // binomial standard error sqrt(0.21 / 20000) ~ 0.0032; allow 5 of them
    expect(Math.abs(kept - 0.7)).toBeLessThan(0.017);
    const out = r.Out[0].toFlat();
    const wrong = out.filter((v, i) => v !== (mask[i] ? Math.fround(1 / 0.7) : 0)).length;
    expect(wrong).toBe(0);
    const again = runOp('dropout', { X: ones }, { dropout_prob: 0.3, seed: 5, fix_seed: true }, { Out: 1, Mask: 1 });
    expect([...(again.Mask[0].data as Uint8Array)]).toEqual([...mask]);
  });
});
