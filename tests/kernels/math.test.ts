import { erf } from '../../src/kernels/cpu/math';
import { fromBFloat16Bits, fromFloat16Bits, toBFloat16Bits, toFloat16Bits } from '../../src/program/dtype';
import { refErf } from '../reference';

test('erf matches numerical integration over its whole range', () => {
  for (let x = -6; x <= 6; x += 0.173) {
    expect(Math.abs(erf(x) - refErf(x))).toBeLessThan(2e-15 + 1e-13 * Math.abs(refErf(x)));
  }
  // published values
  expect(erf(1)).toBeCloseTo(0.8427007929497149, 15);
  expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 15);
  expect(erf(4)).toBeCloseTo(0.9999999845827421, 15);
  expect(erf(-Infinity)).toBe(-1);
  expect(Number.isNaN(erf(NaN))).toBe(true);
});

test('binary16 conversion rounds to nearest even, with subnormals and overflow', () => {
  const cases: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [65519.99, 0x7bff],
    [65520, 0x7c00],
    [Infinity, 0x7c00],
    [2 ** -24, 0x0001],
    [2 ** -25, 0x0000], // a tie between 0 and the smallest subnormal goes to even (0)
    [3 * 2 ** -25, 0x0002], // a tie between 1 and 2 subnormal units goes to 2
    [2 ** -14, 0x0400],
    [1 + 2 ** -11, 0x3c00], // tie, to even
    [1 + 3 * 2 ** -11, 0x3c02], // tie, to even (up)
    [0.1, 0x2e66],
  ];
  for (const [x, bits] of cases) expect([x, toFloat16Bits(x)]).toEqual([x, bits]);
  expect(toFloat16Bits(NaN) & 0x7c00).toBe(0x7c00);
  for (let h = 0; h < 0x7c00; h += 37) expect(toFloat16Bits(fromFloat16Bits(h))).toBe(h);
});

test('bfloat16 conversion keeps float32 exponent and rounds the mantissa to even', () => {
  expect(toBFloat16Bits(1)).toBe(0x3f80);
  expect(fromBFloat16Bits(0x3f80)).toBe(1);
  expect(toBFloat16Bits(1 + 2 ** -8)).toBe(0x3f80);
  expect(toBFloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
  // 3e38 / 2^120 (the spacing there) = 225.7 -> 226 units
  expect(fromBFloat16Bits(toBFloat16Bits(3e38))).toBe(226 * 2 ** 120);
});
