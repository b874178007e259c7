import { ArgumentError, ShapeError, Tensor } from '../../src';

test('Tensor.from infers shape and dtype from nested arrays', () => {
  const t = Tensor.from([[1, 2, 3], [4, 5, 6]]);
  expect(t.dtype).toBe('float32');
  expect(t.shape).toEqual([2, 3]);
  expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
  expect(Tensor.from([1n, 2n]).dtype).toBe('int64');
  expect(Tensor.from([true, false]).dtype).toBe('bool');
  expect(Tensor.from(3).shape).toEqual([]);
  expect(Tensor.from(3).toArray()).toBe(3);
  expect(Tensor.from([], { shape: [0, 2] }).shape).toEqual([0, 2]);
});

test('Tensor.from converts with dtype and shape, and typed arrays keep their dtype', () => {
  const t = Tensor.from([1.9, -1.9], { dtype: 'int32' });
  expect([...(t.data as Int32Array)]).toEqual([1, -1]);
  const f = Tensor.from(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] });
  expect(f.dtype).toBe('float64');
  expect(f.shape).toEqual([2, 2]);
  expect(Tensor.from(new Int32Array([1, 2]), { dtype: 'int64' }).data).toEqual(new BigInt64Array([1n, 2n]));
});

test('bad inputs give clear errors', () => {
  expect(() => Tensor.from([[1, 2], [3]])).toThrow(ShapeError);
  expect(() => Tensor.from([[1, 2], [3]])).toThrow('ragged nested array at [1] (expected length 2, found 1)');
  expect(() => Tensor.from([1, 2, 3], { shape: [2, 2] })).toThrow('shape [2,2] needs 4 elements, 3 given');
  expect(() => Tensor.from(['a'] as never)).toThrow("element [0] is string, expected a number");
  expect(() => Tensor.from([1], { dtype: 'float8' as never })).toThrow(ArgumentError);
  expect(() => new Tensor('float32', [2], new Float64Array(2))).toThrow('a Float64Array cannot hold float32 values');
  expect(() => Tensor.from(new Uint16Array(2))).toThrow('pass dtype float16 or bfloat16');
});

test('cast follows C conversions', () => {
  const t = Tensor.from([-2.5, 0, 300.7]);
  expect([...(t.cast('int8').data as Int8Array)]).toEqual([-2, 0, 44]);
  expect([...(t.cast('bool').data as Uint8Array)]).toEqual([1, 0, 1]);
  expect(t.cast('float64').toFlat()).toEqual([-2.5, 0, Math.fround(300.7)]);
});
