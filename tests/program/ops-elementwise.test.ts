import { DTypeError, RuntimeOpError, ShapeError, Tensor } from '../../src';
import { expectTensor, out1, randomArray, T } from '../helpers';
import { prod, refElementwise, refErf } from '../reference';

const f32 = (shape: number[], values: number[]): Tensor => Tensor.from(values, { shape, dtype: 'float32' });

describe('elementwise binary ops, with Paddle broadcasting', () => {
  test('same shapes, by hand', () => {
    const x = T([[1, 2], [3, 4]]);
    const y = T([[10, 20], [30, 40]]);
    expectTensor(out1('elementwise_add', { X: x, Y: y }), [2, 2], [11, 22, 33, 44]);
    expectTensor(out1('elementwise_sub', { X: x, Y: y }), [2, 2], [-9, -18, -27, -36]);
    expectTensor(out1('elementwise_mul', { X: x, Y: y }), [2, 2], [10, 40, 90, 160]);
    expectTensor(out1('elementwise_div', { X: x, Y: y }), [2, 2], [0.1, 0.1, 0.1, 0.1]);
    expectTensor(out1('elementwise_max', { X: x, Y: T([[0, 5], [3, 1]]) }), [2, 2], [1, 5, 3, 4]);
    expectTensor(out1('elementwise_min', { X: x, Y: T([[0, 5], [3, 1]]) }), [2, 2], [0, 2, 3, 1]);
    expectTensor(out1('elementwise_pow', { X: x, Y: T([[2, 0.5], [0, 3]]) }), [2, 2], [1, Math.SQRT2, 1, 64]);
  });

  test('a bias row broadcast over the batch (axis -1)', () => {
    expectTensor(out1('elementwise_add', { X: T([[1, 2, 3], [4, 5, 6]]), Y: T([100, 200, 300]) }), [2, 3], [101, 202, 303, 104, 205, 306]);
  });

  test("axis aligns Y inside X (Paddle's elementwise axis)", () => {
    // X [2,3,2], Y [3] at axis 1: Y[j] is added to X[i, j, k]
    const x = f32([2, 3, 2], [...Array(12).keys()]);
    const got = out1('elementwise_add', { X: x, Y: T([100, 200, 300]) }, { axis: 1 });
    expectTensor(got, [2, 3, 2], [100, 101, 202, 203, 304, 305, 106, 107, 208, 209, 310, 311]);
    // Y [2,3] at axis 0 of X [2,3,2]
    const got2 = out1('elementwise_mul', { X: x, Y: T([[1, 2, 3], [4, 5, 6]]) }, { axis: 0 });
    expectTensor(got2, [2, 3, 2], [0, 1, 4, 6, 12, 15, 24, 28, 40, 45, 60, 66]);
  });

  test('numpy-style broadcasting of both operands, against the float64 reference', () => {
    const cases: [number[], number[], number][] = [
      [[2, 1, 4], [3, 1], -1],
      [[1, 3], [2, 1], -1],
      [[4, 3, 2], [3], 1],
      [[4, 3, 2], [4, 3], 0],
      [[3], [2, 3], -1],
      [[2, 3, 4, 5], [3, 1], 1],
      [[5], [], -1],
    ];
    const fns: [string, (a: number, b: number) => number][] = [
      ['elementwise_add', (a, b) => a + b],
      ['elementwise_sub', (a, b) => a - b],
      ['elementwise_mul', (a, b) => a * b],
      ['elementwise_div', (a, b) => a / b],
      ['elementwise_max', (a, b) => (a > b ? a : b)],
      ['elementwise_min', (a, b) => (a < b ? a : b)],
    ];
    cases.forEach(([xs, ys, axis], c) => {
      const xv = randomArray(prod(xs), 10 + c);
      const yv = randomArray(prod(ys), 50 + c).map((v) => v + 2);
      for (const [type, f] of fns) {
        const ref = refElementwise(xs, ys, axis, xv, yv, f);
        const got = out1(type as 'elementwise_add', { X: Tensor.from(xv, { shape: xs, dtype: 'float64' }), Y: Tensor.from(yv, { shape: ys, dtype: 'float64' }) }, { axis });
        expectTensor(got, ref.shape, ref.data, { rtol: 1e-15, atol: 0 });
      }
    });
  });

  test('zero-size dims broadcast to zero-size outputs', () => {
    const got = out1('elementwise_add', { X: f32([0, 3], []), Y: T([1, 2, 3]) });
    expectTensor(got, [0, 3], []);
    const got2 = out1('elementwise_mul', { X: f32([2, 0, 3], []), Y: f32([1, 1, 3], [1, 2, 3]) });
    expectTensor(got2, [2, 0, 3], []);
  });

  test('integer dtypes: exact int64, truncating int division, division by zero', () => {
    const big = 2n ** 53n + 1n;
    const x = Tensor.from([big, -7n, 9n], { dtype: 'int64' });
    const y = Tensor.from([1n, 2n, -4n], { dtype: 'int64' });
    const sum = out1('elementwise_add', { X: x, Y: y });
    expect(sum.dtype).toBe('int64');
    expect([...(sum.data as BigInt64Array)]).toEqual([2n ** 53n + 2n, -5n, 5n]);
    const q = out1('elementwise_div', { X: x, Y: y });
    expect([...(q.data as BigInt64Array)]).toEqual([big, -3n, -2n]);
    const xi = Tensor.from([-7, 7, 2 ** 30], { dtype: 'int32' });
    const yi = Tensor.from([2, -2, 4], { dtype: 'int32' });
    expect([...(out1('elementwise_div', { X: xi, Y: yi }).data as Int32Array)]).toEqual([-3, -3, 2 ** 28]);
    // 2^30 * 4 wraps in int32 like C
    expect([...(out1('elementwise_mul', { X: xi, Y: yi }).data as Int32Array)]).toEqual([-14, -14, 0]);
    expect(() => out1('elementwise_div', { X: xi, Y: Tensor.from([1, 0, 1], { dtype: 'int32' }) })).toThrow(/integer division by zero/);
    expect(() => out1('elementwise_div', { X: x, Y: Tensor.from([1n, 0n, 1n], { dtype: 'int64' }) })).toThrow(RuntimeOpError);
  });

  test('float64 keeps double precision', () => {
    const got = out1('elementwise_add', { X: Tensor.from([1], { dtype: 'float64' }), Y: Tensor.from([1e-12], { dtype: 'float64' }) });
    expect(got.data[0]).toBe(1 + 1e-12);
    const got32 = out1('elementwise_add', { X: T([1]), Y: T([1e-12]) });
    expect(got32.data[0]).toBe(1);
  });

  test('errors name the op, the shapes and the dtypes', () => {
    expect(() => out1('elementwise_add', { X: T([[1, 2, 3]]), Y: T([1, 2]) })).toThrow(ShapeError);
    expect(() => out1('elementwise_add', { X: T([[1, 2, 3]]), Y: T([1, 2]) })).toThrow(/elementwise_add.*\[1,3\] and \[2\] do not broadcast/);
    expect(() => out1('elementwise_add', { X: T([1]), Y: Tensor.from([1], { dtype: 'float64' }) })).toThrow(DTypeError);
    expect(() => out1('elementwise_add', { X: T([1]), Y: Tensor.from([1], { dtype: 'float64' }) })).toThrow(/X \(X_0\) is float32 but Y \(Y_0\) is float64/);
    expect(() => out1('elementwise_add', { X: T([[1, 2]]), Y: T([1, 2]) }, { axis: 2 })).toThrow(/axis 2/);
  });
});

describe('elementwise unary ops', () => {
  const xs = [-2, -0.5, 0, 0.5, 3];
  test('relu, abs, square, leaky_relu, scale, pow by hand', () => {
    expectTensor(out1('relu', { X: T(xs) }), [5], [0, 0, 0, 0.5, 3]);
    expectTensor(out1('abs', { X: T(xs) }), [5], [2, 0.5, 0, 0.5, 3]);
    expectTensor(out1('square', { X: T(xs) }), [5], [4, 0.25, 0, 0.25, 9]);
    expectTensor(out1('leaky_relu', { X: T(xs) }, { alpha: 0.1 }), [5], [-0.2, -0.05, 0, 0.5, 3]);
    expectTensor(out1('relu6', { X: T([-1, 3, 7]) }), [3], [0, 3, 6]);
    expectTensor(out1('relu6', { X: T([-1, 3, 7]) }, { threshold: 2.5 }), [3], [0, 2.5, 2.5]);
    expectTensor(out1('scale', { X: T(xs) }, { scale: 2, bias: 1 }), [5], [-3, 0, 1, 2, 7]);
    expectTensor(out1('scale', { X: T(xs) }, { scale: 2, bias: 1, bias_after_scale: false }), [5], [-2, 1, 2, 3, 8]);
    expectTensor(out1('pow', { X: T([1, 2, 4]) }, { factor: 0.5 }), [3], [1, Math.SQRT2, 2]);
  });

  test('exp, log, sqrt, tanh, sigmoid at known points', () => {
    expectTensor(out1('exp', { X: T([0, 1, -1]) }), [3], [1, Math.E, 1 / Math.E]);
    expectTensor(out1('log', { X: T([1, Math.E, 0]) }), [3], [0, 1, -Infinity]);
    expectTensor(out1('sqrt', { X: T([4, 2, -1]) }), [3], [2, Math.SQRT2, NaN]);
    // tanh(ln 2) = 3/5, sigmoid(ln 3) = 3/4
    expectTensor(out1('tanh', { X: T([0, Math.LN2]) }), [2], [0, 0.6]);
    expectTensor(out1('sigmoid', { X: T([0, Math.log(3), -Math.log(3), -800]) }), [4], [0.5, 0.75, 0.25, 0], { atol: 1e-7 });
  });

  test('gelu exact against erf by numerical integration, and the tanh form', () => {
    const x = [-3, -1, -0.25, 0, 0.7, 2.5];
    const exact = x.map((v) => 0.5 * v * (1 + refErf(v / Math.SQRT2)));
    expectTensor(out1('gelu', { X: Tensor.from(x, { dtype: 'float64' }) }), [6], exact, { rtol: 1e-10, atol: 1e-12 });
    const approx = x.map((v) => 0.5 * v * (1 + Math.tanh(0.7978845608028654 * (v + 0.044715 * v ** 3))));
    expectTensor(out1('gelu', { X: Tensor.from(x, { dtype: 'float64' }) }, { approximate: true }), [6], approx, { rtol: 1e-14 });
  });

  test('integer relu/abs/square on int64 are exact; float-only ops refuse integers', () => {
    const x = Tensor.from([-(2n ** 40n), 3n], { dtype: 'int64' });
    expect([...(out1('abs', { X: x }).data as BigInt64Array)]).toEqual([2n ** 40n, 3n]);
    expect([...(out1('relu', { X: x }).data as BigInt64Array)]).toEqual([0n, 3n]);
    // (2^40)^2 = 2^80 wraps to 0 in 64 bits, as in C
    expect([...(out1('square', { X: x }).data as BigInt64Array)]).toEqual([0n, 9n]);
    expect([...(out1('scale', { X: x }, { scale: 2, bias: 1 }).data as BigInt64Array)]).toEqual([-(2n ** 41n) + 1n, 7n]);
    expect(() => out1('exp', { X: x })).toThrow(/exp.*X \(X_0\) is int64, expected float16 or bfloat16 or float32 or float64/);
  });

  test('float16 parameters compute through float32 and round back', () => {
    // 0.1 is 0x2E66 in binary16 (0.0999755859375); 0.1 + 0.1 = 0.199951171875 (0x3266)
    const x = Tensor.from([0.1, 1000, 65504], { dtype: 'float16' });
    expect([...(x.data as Uint16Array)]).toEqual([0x2e66, 0x63d0, 0x7bff]);
    const sum = out1('elementwise_add', { X: x, Y: x });
    expect(sum.dtype).toBe('float16');
    expect(sum.toFlat()).toEqual([0.199951171875, 2000, Infinity]);
  });
});
