import { Tensor } from '../../src';
import { expectTensor, out1, runOp, T } from '../helpers';

const r = (shape: number[]): Tensor => Tensor.from([...Array(shape.reduce((a, b) => a * b, 1)).keys()], { shape });

describe('shape manipulation', () => {
  test('reshape2 with 0 (copy) and -1 (infer); errors', () => {
    expectTensor(out1('reshape2', { X: r([2, 3, 4]) }, { shape: [0, -1] }), [2, 12], [...Array(24).keys()]);
    expectTensor(out1('reshape2', { X: r([2, 3]) }, { shape: [3, 2] }), [3, 2], [0, 1, 2, 3, 4, 5]);
    expect(() => out1('reshape2', { X: r([2, 3]) }, { shape: [4, -1] })).toThrow(/cannot reshape \[2,3\] \(6 elements\) to \[4,-1\]/);
    expect(() => out1('reshape2', { X: r([2, 3]) }, { shape: [-1, -1] })).toThrow(/more than one -1/);
  });

  test('transpose2', () => {
    expectTensor(out1('transpose2', { X: r([2, 3]) }, { axis: [1, 0] }), [3, 2], [0, 3, 1, 4, 2, 5]);
    // [2,3,4] -> [4,2,3]: out[k,i,j] = 12i + 4j + k
    const want: number[] = [];
    for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) want.push(12 * i + 4 * j + k);
    expectTensor(out1('transpose2', { X: r([2, 3, 4]) }, { axis: [2, 0, 1] }), [4, 2, 3], want);
    expect(() => out1('transpose2', { X: r([2, 3]) }, { axis: [0, 0] })).toThrow(/not a permutation/);
  });

  test('flatten_contiguous_range', () => {
    expectTensor(out1('flatten_contiguous_range', { X: r([2, 3, 4, 5]) }, { start_axis: 1, stop_axis: 2 }), [2, 12, 5], [...Array(120).keys()]);
    expect(out1('flatten_contiguous_range', { X: r([2, 3, 4]) }, { start_axis: 0, stop_axis: -1 }).shape).toEqual([24]);
  });

  test('concat and split, including zero-size pieces and int64', () => {
    const a = T([[1, 2], [3, 4]]);
    const b = T([[5], [6]]);
    expectTensor(runOp('concat', { X: [a, b, Tensor.zeros('float32', [2, 0])] }, { axis: 1 }).Out[0], [2, 3], [1, 2, 5, 3, 4, 6]);
    expectTensor(runOp('concat', { X: [a, T([[9, 9]])] }, { axis: 0 }).Out[0], [3, 2], [1, 2, 3, 4, 9, 9]);
    const parts = runOp('split', { X: r([2, 5]) }, { axis: 1, sections: [2, -1] }, { Out: 2 }).Out;
    expectTensor(parts[0], [2, 2], [0, 1, 5, 6]);
    expectTensor(parts[1], [2, 3], [2, 3, 4, 7, 8, 9]);
    const eq = runOp('split', { X: Tensor.from([1n, 2n, 3n, 4n], { dtype: 'int64' }) }, { num: 2 }, { Out: 2 }).Out;
    expect([...(eq[1].data as BigInt64Array)]).toEqual([3n, 4n]);
    expect(() => runOp('split', { X: r([5]) }, { num: 2 }, { Out: 2 })).toThrow(/does not split into 2 equal parts/);
    expect(() => runOp('concat', { X: [a, T([[1, 2, 3]])] }, { axis: 0 })).toThrow(/does not match X\[0\]/);
  });

  test('slice with negative bounds, clamping and decrease_axis', () => {
    const x = r([3, 4]);
    expectTensor(out1('slice', { Input: x }, { axes: [1], starts: [-3], ends: [100] }), [3, 3], [1, 2, 3, 5, 6, 7, 9, 10, 11]);
    expectTensor(out1('slice', { Input: x }, { axes: [0, 1], starts: [1, 0], ends: [2, 2], decrease_axis: [0] }), [2], [4, 5]);
    expectTensor(out1('slice', { Input: x }, { axes: [0], starts: [2], ends: [1] }), [0, 4], []);
  });

  test('gather along an axis, with int32 and int64 indices; out-of-range index', () => {
    const x = r([3, 2]);
    expectTensor(out1('gather', { X: x, Index: Tensor.from([2, 0, 2], { dtype: 'int64' }) }), [3, 2], [4, 5, 0, 1, 4, 5]);
    expectTensor(out1('gather', { X: x, Index: Tensor.from([1], { dtype: 'int32' }) }, { axis: 1 }), [3, 1], [1, 3, 5]);
    expect(() => out1('gather', { X: x, Index: Tensor.from([3], { dtype: 'int64' }) })).toThrow(/op #0 gather: index 3 at element 0 is out of range \[0, 3\)/);
    expect(() => out1('gather', { X: x, Index: T([1]) })).toThrow(/Index \(Index_0\) is float32, expected int32 or int64/);
  });

  test('one_hot_v2', () => {
    expectTensor(out1('one_hot_v2', { X: Tensor.from([[1], [0]], { dtype: 'int64' }) }, { depth: 3 }), [2, 1, 3], [0, 1, 0, 1, 0, 0]);
    expect(() => out1('one_hot_v2', { X: Tensor.from([3], { dtype: 'int64' }) }, { depth: 3 })).toThrow(/index 3 at element 0 is out of range \[0, 3\)/);
    expectTensor(out1('one_hot_v2', { X: Tensor.from([3, 1], { dtype: 'int32' }) }, { depth: 3, allow_out_of_range: true }), [2, 3], [0, 0, 0, 0, 1, 0]);
  });

  test('cast between all kinds, with C truncation and half rounding', () => {
    const x = T([-1.7, 0.5, 2.9, 0.1]);
    expect([...(out1('cast', { X: x }, { in_dtype: 'float32', out_dtype: 'int32' }).data as Int32Array)]).toEqual([-1, 0, 2, 0]);
    expect([...(out1('cast', { X: x }, { in_dtype: 'float32', out_dtype: 'int64' }).data as BigInt64Array)]).toEqual([-1n, 0n, 2n, 0n]);
    expect([...(out1('cast', { X: x }, { in_dtype: 'float32', out_dtype: 'bool' }).data as Uint8Array)]).toEqual([1, 1, 1, 1]);
    const h = out1('cast', { X: x }, { in_dtype: 'float32', out_dtype: 'float16' });
    // binary16 nearest values: -1.7 -> -1.7001953125, 0.1 -> 0.0999755859375
    expect(h.toFlat()).toEqual([-1.7001953125, 0.5, 2.900390625, 0.0999755859375]);
    const bf = out1('cast', { X: T([1.00390625, 3.14159]) }, { in_dtype: 'float32', out_dtype: 'bfloat16' });
    // bfloat16 keeps 8 bits of mantissa: 1 + 2^-8 is a tie rounded to even (1), pi -> 3.140625
    expect(bf.toFlat()).toEqual([1, 3.140625]);
    const back = out1('cast', { X: Tensor.from([2n ** 53n + 1n], { dtype: 'int64' }) }, { in_dtype: 'int64', out_dtype: 'float64' });
    expect(back.data[0]).toBe(2 ** 53);
    expect(() => out1('cast', { X: x }, { in_dtype: 'float64', out_dtype: 'int32' })).toThrow(/in_dtype says float64/);
  });

  test('assign, fill_constant, fill_any_like', () => {
    expectTensor(out1('assign', { X: T([[1, 2]]) }), [1, 2], [1, 2]);
    const fc = runOp('fill_constant', {}, { shape: [2, 2], dtype: 'int64', value: 7 }).Out[0];
    expect([...(fc.data as BigInt64Array)]).toEqual([7n, 7n, 7n, 7n]);
    const fh = runOp('fill_constant', {}, { shape: [3], dtype: 'float16', value: 0.1 }).Out[0];
    expect(fh.toFlat()).toEqual([0.0999755859375, 0.0999755859375, 0.0999755859375]);
    expectTensor(out1('fill_any_like', { X: Tensor.zeros('float64', [2, 0, 1]) }, { value: 3 }), [2, 0, 1], [], { dtype: 'float64' });
    expectTensor(out1('fill_any_like', { X: T([1, 2]) }, { value: 1, dtype: 'int32' }), [2], [1, 1], { dtype: 'int32' });
  });
});
