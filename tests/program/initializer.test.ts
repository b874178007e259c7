import { Executor, Program, Scope, Tensor, data, initializer, nn, programGuard, uniqueName, ParamAttr } from '../../src';
import { refErf } from '../reference';

const SHAPE = [500, 400];

/** Runs a startup program holding one [500, 400] parameter made with `init`, returns its values. */
async function sample(init: initializer.Initializer, seed = 0, shape = SHAPE, dtype: 'float32' | 'float16' = 'float32'): Promise<number[]> {
  const main = new Program();
  const startup = new Program();
  startup.randomSeed = seed;
  uniqueName.guard(() =>
    programGuard(main, startup, () => {
      const x = data('x', [-1, shape[0]], dtype);
      nn.fc(x, shape[1], { weightAttr: new ParamAttr({ name: 'w', initializer: init }), biasAttr: false });
    }),
  );
  const scope = new Scope();
  await new Executor().run(startup, { scope });
  const t = scope.findVar('w') as Tensor;
  expect(t.shape).toEqual(shape);
  expect(t.dtype).toBe(dtype);
  return t.toFlat();
}

function stats(v: number[]): { mean: number; std: number; min: number; max: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const varc = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
  return { mean, std: Math.sqrt(varc), min: v.reduce((a, b) => Math.min(a, b)), max: v.reduce((a, b) => Math.max(a, b)) };
}

describe('initializers', () => {
  test('the same seed gives the same values; another seed other values', async () => {
    const a = await sample(new initializer.Normal(), 7, [20, 30]);
    const b = await sample(new initializer.Normal(), 7, [20, 30]);
    const c = await sample(new initializer.Normal(), 8, [20, 30]);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a).size).toBe(600);
  });

  test('two parameters of one program get different values', async () => {
    const main = new Program();
    const startup = new Program();
    uniqueName.guard(() => programGuard(main, startup, () => nn.fc(nn.fc(data('x', [-1, 4]), 4), 4)));
    const scope = new Scope();
    await new Executor().run(startup, { scope });
    expect(scope.findVar('fc_0.w_0')!.toFlat()).not.toEqual(scope.findVar('fc_1.w_0')!.toFlat());
  });

  test('Constant', async () => {
    expect(new Set(await sample(new initializer.Constant({ value: 0.5 }), 0, [3, 4]))).toEqual(new Set([0.5]));
  });

  test('Uniform: bounds, mean (a+b)/2, variance (b-a)^2/12', async () => {
    const s = stats(await sample(new initializer.Uniform({ low: -2, high: 3 })));
    expect(s.min).toBeGreaterThanOrEqual(-2);
    expect(s.max).toBeLessThan(3);
    expect(Math.abs(s.mean - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(s.std ** 2 - 25 / 12)).toBeLessThan(0.03);
  });

  test('Normal: mean and std', async () => {
    const s = stats(await sample(new initializer.Normal({ mean: 1, std: 2 })));
    expect(Math.abs(s.mean - 1)).toBeLessThan(0.03);
    expect(Math.abs(s.std - 2)).toBeLessThan(0.02);
  });

  test('TruncatedNormal: within ±2 std, and the truncated variance', async () => {
    const s = stats(await sample(new initializer.TruncatedNormal({ mean: 0, std: 1 })));
    expect(s.min).toBeGreaterThanOrEqual(-2);
    expect(s.max).toBeLessThanOrEqual(2);
    // Var of N(0,1) truncated to [-2, 2]: 1 - 2·2·φ(2) / (Φ(2) - Φ(-2))
    const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI);
    const mass = refErf(Math.SQRT2);
    const std = Math.sqrt(1 - (4 * phi2) / mass);
    expect(std).toBeCloseTo(0.8796, 3);
    expect(Math.abs(s.std - std)).toBeLessThan(0.01);
    expect(Math.abs(s.mean)).toBeLessThan(0.01);
  });

  test('Xavier: fans of a [500, 400] weight', async () => {
    const limit = Math.sqrt(6 / (500 + 400));
    const u = stats(await sample(new initializer.XavierUniform()));
    expect(u.max).toBeLessThanOrEqual(limit);
    expect(u.min).toBeGreaterThanOrEqual(-limit);
    expect(Math.abs(u.std - limit / Math.sqrt(3)) / (limit / Math.sqrt(3))).toBeLessThan(0.01);
    const n = stats(await sample(new initializer.XavierNormal()));
    expect(Math.abs(n.std - Math.sqrt(2 / 900)) / Math.sqrt(2 / 900)).toBeLessThan(0.01);
    const g = stats(await sample(new initializer.XavierNormal({ fanIn: 10, fanOut: 40, gain: 2 })));
    expect(Math.abs(g.std - 2 * Math.sqrt(2 / 50)) / (2 * Math.sqrt(2 / 50))).toBeLessThan(0.01);
  });

  test('Kaiming: gain sqrt(2) for relu over fanIn', async () => {
    const limit = Math.sqrt(2) * Math.sqrt(3 / 500);
    const u = stats(await sample(new initializer.KaimingUniform()));
    expect(u.max).toBeLessThanOrEqual(limit);
    expect(Math.abs(u.std - limit / Math.sqrt(3)) / (limit / Math.sqrt(3))).toBeLessThan(0.01);
    const n = stats(await sample(new initializer.KaimingNormal()));
    expect(Math.abs(n.std - Math.sqrt(2 / 500)) / Math.sqrt(2 / 500)).toBeLessThan(0.01);
    const leaky = stats(await sample(new initializer.KaimingNormal({ nonlinearity: 'leaky_relu', negativeSlope: 0.2 })));
    const want = Math.sqrt(2 / (1 + 0.04)) / Math.sqrt(500);
    expect(Math.abs(leaky.std - want) / want).toBeLessThan(0.01);
  });

  test('fans of a conv filter [OC, IC, KH, KW] count the receptive field', () => {
    expect(initializer.computeFans([8, 4, 3, 3])).toEqual({ fanIn: 36, fanOut: 72 });
  });

  test('float16 parameters are initialised in float16', async () => {
    const v = await sample(new initializer.Uniform({ low: 0, high: 1 }), 3, [4, 4], 'float16');
    // binary16 keeps 11 significant bits: x·2^(10 - floor(log2 x)) is an integer
    for (const x of v) if (x > 0) expect(Number.isInteger(x * 2 ** (10 - Math.floor(Math.log2(x))))).toBe(true);
    expect(new Set(v).size).toBeGreaterThan(10);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
  });

  test('bad arguments are refused with the argument named', () => {
    expect(() => new initializer.Uniform({ low: 2, high: 1 })).toThrow('Uniform: low 2 must not exceed high 1');
    expect(() => new initializer.Normal({ std: -1 })).toThrow('Normal: std must be >= 0, received -1');
    expect(() => new initializer.KaimingNormal({ nonlinearity: 'swish' })).toThrow("unknown nonlinearity 'swish'");
    expect(() => new initializer.Constant({ value: NaN })).toThrow('Constant: value must be a finite number, received NaN');
  });
});
