import { RuntimeOpError, ShapeError, Tensor } from '../../src';
import { expectTensor, out1, randomArray, runOp, T } from '../helpers';
import { prod, refMatmul2d } from '../reference';

const f64 = (shape: number[], values: number[]): Tensor => Tensor.from(values, { shape, dtype: 'float64' });

describe('matmul_v2 and mul', () => {
  test('2x3 @ 3x2 by hand, and with transposes', () => {
    const a = T([[1, 2, 3], [4, 5, 6]]);
    const b = T([[7, 8], [9, 10], [11, 12]]);
    expectTensor(out1('matmul_v2', { X: a, Y: b }), [2, 2], [58, 64, 139, 154]);
    // aᵀ (3x2) @ a (2x3)
    expectTensor(out1('matmul_v2', { X: a, Y: a }, { trans_x: true }), [3, 3], [17, 22, 27, 22, 29, 36, 27, 36, 45]);
    // a @ aᵀ
    expectTensor(out1('matmul_v2', { X: a, Y: a }, { trans_y: true }), [2, 2], [14, 32, 32, 77]);
  });

  test('batched with broadcast batch dims, against the reference', () => {
    const xs = [2, 1, 3, 4];
    const ys = [3, 4, 5];
    const x = randomArray(prod(xs), 1);
    const y = randomArray(prod(ys), 2);
    const got = out1('matmul_v2', { X: f64(xs, x), Y: f64(ys, y) });
    expect(got.shape).toEqual([2, 3, 3, 5]);
    const want: number[] = [];
    for (let b0 = 0; b0 < 2; b0++) {
      for (let b1 = 0; b1 < 3; b1++) {
        want.push(...refMatmul2d(x.slice(b0 * 12, b0 * 12 + 12), 3, 4, y.slice(b1 * 20, b1 * 20 + 20), 4, 5));
      }
    }
    expectTensor(got, [2, 3, 3, 5], want, { rtol: 1e-14 });
    // transposed batched
    const gotT = out1('matmul_v2', { X: f64([2, 4, 3], x.slice(0, 24)), Y: f64([2, 5, 4], y.slice(0, 40)) }, { trans_x: true, trans_y: true });
    const wantT = [0, 1].flatMap((b) => refMatmul2d(x.slice(b * 12, b * 12 + 12), 4, 3, y.slice(b * 20, b * 20 + 20), 5, 4, true, true));
    expectTensor(gotT, [2, 3, 5], wantT, { rtol: 1e-14 });
  });

  test('1-D operands are promoted and squeezed as in Paddle', () => {
    const m = T([[1, 2], [3, 4], [5, 6]]);
    expectTensor(out1('matmul_v2', { X: T([1, 1, 1]), Y: m }), [2], [9, 12]);
    expectTensor(out1('matmul_v2', { X: m, Y: T([1, -1]) }), [3], [-1, -1, -1]);
    expectTensor(out1('matmul_v2', { X: T([1, 2, 3]), Y: T([4, 5, 6]) }), [], [32]);
  });

  test('an inner dim of 0 gives zeros; mismatched inner dims are an error', () => {
    expectTensor(out1('matmul_v2', { X: Tensor.zeros('float32', [2, 0]), Y: Tensor.zeros('float32', [0, 3]) }), [2, 3], [0, 0, 0, 0, 0, 0]);
    expect(() => out1('matmul_v2', { X: T([[1, 2]]), Y: T([[1, 2]]) })).toThrow(ShapeError);
    expect(() => out1('matmul_v2', { X: T([[1, 2]]), Y: T([[1, 2]]) })).toThrow(/op #0 matmul_v2.*inner dims 2 and 1 differ/);
  });

  test('mul flattens X at x_num_col_dims', () => {
    const x = f64([2, 2, 3], [...Array(12).keys()]);
    const y = f64([3, 2], [1, 0, 0, 1, 1, 1]);
    const got = runOp('mul', { X: x, Y: y }, { x_num_col_dims: 2 }).Out[0];
    expectTensor(got, [2, 2, 2], refMatmul2d([...Array(12).keys()], 4, 3, [1, 0, 0, 1, 1, 1], 3, 2));
    const got1 = runOp('mul', { X: f64([2, 2, 3], [...Array(12).keys()]), Y: f64([6, 1], [1, 1, 1, 1, 1, 1]) }, { x_num_col_dims: 1 }).Out[0];
    expectTensor(got1, [2, 1], [15, 51]);
  });
});

describe('reductions', () => {
  const x = T([[1, 2, 3], [4, 5, 6]]);
  test('mean, sum, max over dims, keep_dim, reduce_all', () => {
    expectTensor(out1('reduce_mean', { X: x }, { reduce_all: true }), [], [3.5]);
    expectTensor(out1('reduce_sum', { X: x }, { dim: [0] }), [3], [5, 7, 9]);
    expectTensor(out1('reduce_sum', { X: x }, { dim: [-1], keep_dim: true }), [2, 1], [6, 15]);
    expectTensor(out1('reduce_max', { X: x }, { dim: [1] }), [2], [3, 6]);
    expectTensor(out1('reduce_mean', { X: x }, { dim: [0, 1], keep_dim: true }), [1, 1], [3.5]);
    const x3 = Tensor.from([...Array(24).keys()], { shape: [2, 3, 4] });
    // sum over dims 0 and 2: for j, sum_i sum_k (12 i + 4 j + k) = 2*(0+1+2+3) + 8*4j + 4*12 = 12 + 32j + 48
    expectTensor(out1('reduce_sum', { X: x3 }, { dim: [0, 2] }), [3], [60, 92, 124]);
  });

  test('integers, empty inputs, and bad dims', () => {
    const xi = Tensor.from([2n ** 60n, 2n ** 60n, 5n], { dtype: 'int64' });
    expect([...(out1('reduce_sum', { X: xi }, { reduce_all: true }).data as BigInt64Array)]).toEqual([2n ** 61n + 5n]);
    expectTensor(out1('reduce_sum', { X: Tensor.zeros('float32', [0, 3]) }, { dim: [0] }), [3], [0, 0, 0]);
    expectTensor(out1('reduce_mean', { X: Tensor.zeros('float32', [0]) }, { reduce_all: true }), [], [NaN]);
    expect(() => out1('reduce_max', { X: Tensor.zeros('float32', [0, 2]) }, { dim: [0] })).toThrow(RuntimeOpError);
    expect(() => out1('reduce_sum', { X: x }, { dim: [2] })).toThrow(/dim: axis 2 is out of range for a tensor of rank 2/);
  });

  test('sum of a list', () => {
    expectTensor(runOp('sum', { X: [T([1, 2]), T([10, 20]), T([100, 200])] }).Out[0], [2], [111, 222]);
  });

  test('softmax and log_softmax along an axis', () => {
    const e = Math.exp;
    const z = 1 + e(1) + e(2);
    expectTensor(out1('softmax', { X: T([[0, 1, 2], [5, 5, 5]]) }), [2, 3], [1 / z, e(1) / z, e(2) / z, 1 / 3, 1 / 3, 1 / 3]);
    expectTensor(out1('log_softmax', { X: T([[0, 1, 2]]) }), [1, 3], [-Math.log(z), 1 - Math.log(z), 2 - Math.log(z)]);
    // along axis 0: columns [0, ln 3] give [1/4, 3/4]
    expectTensor(out1('softmax', { X: T([[0, 7], [Math.log(3), 7]]) }, { axis: 0 }), [2, 2], [0.25, 0.5, 0.75, 0.5]);
    // large logits do not overflow
    expectTensor(out1('softmax', { X: T([[1000, 1000]]) }), [1, 2], [0.5, 0.5]);
  });
});
