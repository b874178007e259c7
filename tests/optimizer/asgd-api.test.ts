import {
  ASGD,
  ArgumentError,
  CompiledProgram,
  ClipGradByGlobalNorm,
  ClipGradByValue,
  Executor,
  L2Decay,
  OpRole,
  ParamAttr,
  Parameter,
  ProgramError,
  Scope,
  Tensor,
  data,
  lr,
  nn,
  ops,
} from '../../src';
import { fromFloat16Bits, toFloat16Bits } from '../../src/program/dtype';
import { build, randomArray } from '../helpers';

function regression(opt: () => ASGD, o: { dtype?: 'float32' | 'float16' } = {}) {
  return build(() => {
    const x = data('x', [-1, 3], o.dtype ?? 'float32');
    const y = data('y', [-1, 1], o.dtype ?? 'float32');
    const h = nn.fc(x, 4, { activation: 'tanh' });
    const loss = ops.mseLoss(nn.fc(h, 1), y);
    const optimizer = opt();
    const [optimizeOps, pairs] = optimizer.minimize(loss);
    return { loss, optimizer, optimizeOps, pairs };
  });
}

const XS = Tensor.from(randomArray(24, 5), { shape: [8, 3] });
const YS = Tensor.from(XS.toFlat().filter((_, i) => i % 3 === 0).map((v, i) => v * 0.5 - 0.2 + 0.1 * Math.sin(i)), { shape: [8, 1] });

describe('ASGD: construction errors name the argument and the value (SPEC §1.6)', () => {
  test.each([
    [{ learningRate: undefined }, 'ASGD: learningRate must be a number or an LRScheduler, received undefined'],
    [{ learningRate: null as never }, 'ASGD: learningRate must be a number or an LRScheduler, received null'],
    [{ learningRate: 'fast' as never }, 'ASGD: learningRate must be a number >= 0 or an LRScheduler, received string fast'],
    [{ batchNum: undefined }, 'ASGD: batchNum must be a positive integer, received undefined'],
    [{ batchNum: 0 }, 'ASGD: batchNum must be a positive integer, received number 0'],
    [{ batchNum: 2.5 }, 'ASGD: batchNum must be a positive integer, received number 2.5'],
    [{ gradClip: 1 as never }, 'ASGD: gradClip must be a ClipGradByValue, ClipGradByNorm or ClipGradByGlobalNorm, received number 1'],
    [{ weightDecay: -1 }, 'ASGD: weightDecay must be a number >= 0, an L1Decay or an L2Decay, received -1'],
  ])('%j', (o, message) => {
    expect(() => new ASGD(o as never)).toThrow(ArgumentError);
    expect(() => new ASGD(o as never)).toThrow(message);
  });

  test('parameters: entries must be parameters, each in one group', () => {
    build(() => {
      const x = data('x', [-1, 2]);
      const out = nn.fc(x, 2);
      const [w, b] = out.block.program.allParameters();
      expect(() => new ASGD({ parameters: [w, x as never] })).toThrow("ASGD: parameters[1] is not a Parameter (received Variable 'x')");
      expect(() => new ASGD({ parameters: [{ params: [w] }, { params: [w, b] }] })).toThrow("ASGD: parameter 'fc_0.w_0' is in two parameter groups (0 and 1)");
      expect(() => new ASGD({ parameters: [{ params: [b], learningRate: -2 }] })).toThrow('ASGD: parameters[0].learningRate must be a number >= 0');
      expect(new ASGD({ parameters: [w, b] })).toBeInstanceOf(ASGD);
    });
  });

  test('clip constructors check their arguments', () => {
    expect(() => new ClipGradByValue(-1)).toThrow('ClipGradByValue: max must be > 0 when min is not given (min defaults to -max), received -1');
    expect(() => new ClipGradByValue(1, 2)).toThrow('ClipGradByValue: min must be a finite number <= max (1), received 2');
    expect(new ClipGradByValue(2).min).toBe(-2);
    expect(() => new ClipGradByGlobalNorm(0)).toThrow('ClipGradByGlobalNorm: clipNorm must be a finite number > 0, received 0');
    expect(() => new L2Decay(-1)).toThrow('L2Decay: coeff must be a finite number >= 0, received -1');
  });

  test('step() and clearGrad() in static mode say what to use', () => {
    build(() => {
      const out = nn.fc(data('x', [-1, 2]), 1);
      const opt = new ASGD({ learningRate: 0.1, parameters: out.block.program.allParameters() });
      expect(() => opt.step()).toThrow(ProgramError);
      expect(() => opt.step()).toThrow('call minimize(loss) and run the program with an Executor');
      expect(() => opt.clearGrad()).toThrow('ASGD.clearGrad() works on eager tensors');
    });
    expect(() => new ASGD({ learningRate: 0.1 }).step()).toThrow('for a static program, call minimize(loss) and run the program with an Executor');
  });
});

describe('ASGD.minimize', () => {
  test('returns the optimize ops (clip and decay included) and the pairs sorted by name; state in startup', () => {
    const { main, startup, out } = regression(() => new ASGD({ learningRate: 0.1, batchNum: 2, gradClip: new ClipGradByGlobalNorm(1), weightDecay: new L2Decay(0.01) }));
    expect(out.pairs.map(([p]) => p.name)).toEqual(['fc_0.b_0', 'fc_0.w_0', 'fc_1.b_0', 'fc_1.w_0']);
    const types = out.optimizeOps.map((o) => o.type);
    expect(types.filter((t) => t === 'squared_l2_norm')).toHaveLength(4);
    expect(types.filter((t) => t === 'asgd')).toHaveLength(4);
    expect(types.filter((t) => t === 'scatter')).toHaveLength(4);
    expect(out.optimizeOps.every((o) => o.role === OpRole.Optimize)).toBe(true);
    expect(out.optimizeOps[0]).toBe(main.globalBlock().ops.find((o) => o.role === OpRole.Optimize));
    const state = startup.globalBlock().ops.filter((o) => o.type === 'fill_constant').map((o) => o.output('Out')[0]);
    expect(state).toEqual(expect.arrayContaining(['learning_rate_0', 'fc_0.w_0_d_0', 'fc_0.w_0_y_0', 'fc_0.w_0_m_0']));
    expect(main.globalBlock().var('fc_0.w_0_y_0').shape).toEqual([2, 3, 4]);
    expect(main.globalBlock().var('fc_0.w_0_m_0').dtype).toBe('int64');
    expect(main.globalBlock().var('learning_rate_0').persistable).toBe(true);
  });

  test('an optimizer name goes into the state names', () => {
    const { out } = regression(() => new ASGD({ learningRate: 0.1, name: 'opt' }));
    expect(out.optimizer.stateNames()['fc_0.w_0']).toEqual({ d: 'fc_0.w_0_opt_d_0', y: 'fc_0.w_0_opt_y_0', m: 'fc_0.w_0_opt_m_0', master: undefined });
  });

  test('training lowers the loss, deterministically', async () => {
    const train = async (): Promise<number[]> => {
      const { main, startup, out } = regression(() => new ASGD({ learningRate: 0.2, batchNum: 2 }));
      startup.randomSeed = 11;
      const scope = new Scope();
      const exe = new Executor();
      await exe.run(startup, { scope });
      const losses: number[] = [];
      for (let s = 0; s < 60; s++) {
        const [l] = await exe.run(main, { feed: { x: XS, y: YS }, fetchList: [out.loss], scope });
        losses.push(l.data[0] as number);
      }
      return losses;
    };
    const a = await train();
    const b = await train();
    expect(a).toEqual(b);
    expect(a[59]).toBeLessThan(a[0] * 0.2);
  });

  test('the minimize tuple in fetchList runs clip, decay and update; fetching the loss with usePrune trains too', async () => {
    const { main, startup, out } = regression(() => new ASGD({ learningRate: 0.1, batchNum: 2, gradClip: new ClipGradByValue(0.5), weightDecay: 0.01 }));
    const scope = new Scope();
    const exe = new Executor();
    await exe.run(startup, { scope });
    const unfused = new CompiledProgram(main, { buildStrategy: { fuseAllOptimizerOps: false } });
    await exe.run(unfused, { feed: { x: XS, y: YS }, fetchList: [out.loss, [out.optimizeOps, out.pairs]], scope });
    const ran = exe.lastRun!.opTypes;
    for (const t of ['clip', 'elementwise_sub', 'asgd', 'scatter']) expect(ran).toContain(t);
    expect(ran.filter((t) => t === 'asgd')).toHaveLength(4);
    await exe.run(unfused, { feed: { x: XS, y: YS }, fetchList: [out.loss], usePrune: true, scope });
    expect(exe.lastRun!.opTypes.filter((t) => t === 'asgd')).toHaveLength(4);
    // fused (the default): the tuple maps to the fused op
    await exe.run(main, { feed: { x: XS, y: YS }, fetchList: [out.loss, [out.optimizeOps, out.pairs]], scope });
    expect(exe.lastRun!.opTypes.filter((t) => t === 'fused_asgd')).toHaveLength(1);
    await exe.run(main, { feed: { x: XS, y: YS }, fetchList: [out.loss], usePrune: true, scope });
    expect(exe.lastRun!.opTypes.filter((t) => t === 'fused_asgd')).toHaveLength(1);
    expect([...(scope.findVar('fc_0.w_0_m_0')!.data as BigInt64Array)]).toEqual([4n]);
  });

  test('stateDict / setStateDict restore the exact next step', async () => {
    const make = () => {
      const sched = new lr.StepDecay({ learningRate: 0.2, stepSize: 2 });
      return { sched, ...regression(() => new ASGD({ learningRate: sched, batchNum: 3 })) };
    };
    const a = make();
    const scope = new Scope();
    const exe = new Executor();
    await exe.run(a.startup, { scope });
    for (let s = 0; s < 4; s++) {
      await exe.run(a.main, { feed: { x: XS, y: YS }, fetchList: [a.out.loss], scope });
      a.sched.step();
    }
    const params = Object.fromEntries(a.main.allParameters().map((p) => [p.name, scope.findVar(p.name)!]));
    const sd = a.out.optimizer.stateDict(scope);
    expect(Object.keys(sd)).toEqual(expect.arrayContaining(['fc_0.w_0_d_0', 'fc_0.w_0_y_0', 'fc_0.w_0_m_0', 'learning_rate_0', 'LR_Scheduler']));
    await exe.run(a.main, { feed: { x: XS, y: YS }, fetchList: [a.out.loss], scope });
    const next = scope.findVar('fc_1.w_0')!.toFlat();

    const b = make();
    const scope2 = new Scope();
    await exe.run(b.startup, { scope: scope2 });
    for (const [n, t] of Object.entries(params)) scope2.setVar(n, t);
    b.out.optimizer.setStateDict(sd, scope2);
    // StepDecay(0.2, stepSize 2, gamma 0.1) after 4 steps: 0.2 · 0.1^2
    expect(b.out.optimizer.getLr()).toBeCloseTo(0.002, 15);
    expect(b.sched.lastEpoch).toBe(4);
    await exe.run(b.main, { feed: { x: XS, y: YS }, fetchList: [b.out.loss], scope: scope2 });
    expect(scope2.findVar('fc_1.w_0')!.toFlat()).toEqual(next);
    expect(() => b.out.optimizer.setStateDict({ nope: Tensor.from([1]) }, scope2)).toThrow("ASGD.setStateDict: 'nope' is not a state variable of this optimizer");
  });

  test('getLr / setLr; a scheduler is written into the learning-rate variable before each run', async () => {
    const sched = new lr.ExponentialDecay({ learningRate: 0.5, gamma: 0.5 });
    const { main, startup, out } = regression(() => new ASGD({ learningRate: sched }));
    const scope = new Scope();
    const exe = new Executor();
    await exe.run(startup, { scope });
    expect(out.optimizer.getLr()).toBe(0.5);
    sched.step();
    await exe.run(main, { feed: { x: XS, y: YS }, fetchList: [out.loss], scope });
    expect(scope.findVar('learning_rate_0')!.toFlat()).toEqual([0.25]);
    expect(() => out.optimizer.setLr(1)).toThrow('ASGD.setLr: the learning rate is an LRScheduler; call its step() instead');
    const c = regression(() => new ASGD({ learningRate: 0.1 }));
    const scope2 = new Scope();
    await exe.run(c.startup, { scope: scope2 });
    expect(scope2.findVar('learning_rate_0')!.toFlat()).toEqual([Math.fround(0.1)]);
    c.out.optimizer.setLr(0.03);
    expect(c.out.optimizer.getLr()).toBe(0.03);
    await exe.run(c.main, { feed: { x: XS, y: YS }, fetchList: [c.out.loss], scope: scope2 });
    expect(scope2.findVar('learning_rate_0')!.toFlat()).toEqual([Math.fround(0.03)]);
  });

  test('multiPrecision keeps float32 master weights; the float16 parameter is their cast', async () => {
    const { main, startup, out } = regression(() => new ASGD({ learningRate: 0.1, batchNum: 2, multiPrecision: true }), { dtype: 'float16' });
    const st = out.optimizer.stateNames()['fc_0.w_0'];
    expect(st.master).toBe('fc_0.w_0_fp32_master_0');
    expect(main.globalBlock().var(st.d).dtype).toBe('float32');
    expect(main.globalBlock().var(st.y).dtype).toBe('float32');
    const castOp = startup.globalBlock().ops.find((o) => o.type === 'cast' && o.output('Out')[0] === st.master)!;
    expect(castOp.input('X')).toEqual(['fc_0.w_0']);
    const scope = new Scope();
    const exe = new Executor();
    await exe.run(startup, { scope });
    expect(scope.findVar(st.master!)!.toFlat()).toEqual(scope.findVar('fc_0.w_0')!.toFlat());
    for (let s = 0; s < 3; s++) await exe.run(main, { feed: { x: XS.cast('float16'), y: YS.cast('float16') }, fetchList: [out.loss], scope });
    const master = scope.findVar(st.master!)!.toFlat();
    const param = scope.findVar('fc_0.w_0')!.toFlat();
    expect(param).toEqual(master.map((v) => fromFloat16Bits(toFloat16Bits(v))));
    expect(master).not.toEqual(param);
  });

  test('float16 parameters without multiPrecision update in float16 and warn once', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    regression(() => new ASGD({ learningRate: 0.1 }), { dtype: 'float16' });
    regression(() => new ASGD({ learningRate: 0.1 }), { dtype: 'float16' });
    expect(warn.mock.calls.filter((c) => String(c[0]).includes('multiPrecision'))).toHaveLength(1);
    warn.mockRestore();
  });

  test('frozen parameters get no state and no update', () => {
    const { main } = build(() => {
      const x = data('x', [-1, 2]);
      const loss = ops.mean(nn.fc(x, 1, { weightAttr: new ParamAttr({ trainable: false, name: 'frozen' }) }));
      new ASGD({ learningRate: 0.1 }).minimize(loss);
    });
    expect(main.globalBlock().hasVar('frozen_d_0')).toBe(false);
    expect(main.globalBlock().ops.filter((o) => o.type === 'asgd').map((o) => o.input('param')[0])).toEqual(['fc_0.b_0']);
    expect(main.allParameters().find((p) => p.name === 'frozen')).toBeInstanceOf(Parameter);
  });
});

test('a small classifier trained with ASGD gets better, deterministically', async () => {
  // three Gaussian blobs in 2-D
  const pts = randomArray(90 * 2, 7, -0.5, 0.5);
  const labels = Array.from({ length: 90 }, (_, i) => i % 3);
  const centers = [
    [2, 0],
    [-1, 1.7],
    [-1, -1.7],
  ];
  const xs = Tensor.from(pts.map((v, k) => v + centers[labels[Math.floor(k / 2)]][k % 2]), { shape: [90, 2] });
  const ys = Tensor.from(labels.map(BigInt));
  const run = async (): Promise<number[]> => {
    const { main, startup, out } = build(() => {
      const x = data('x', [-1, 2]);
      const label = data('label', [-1], 'int64');
      const logits = nn.fc(nn.fc(x, 8, { activation: 'relu' }), 3);
      const loss = ops.crossEntropy(logits, label);
      const acc = ops.accuracy(logits, ops.reshape(label, [-1, 1]));
      new ASGD({ learningRate: 0.2, batchNum: 3, gradClip: new ClipGradByGlobalNorm(5), weightDecay: 0.001 }).minimize(loss);
      return { loss, acc };
    });
    startup.randomSeed = 21;
    const scope = new Scope();
    const exe = new Executor();
    await exe.run(startup, { scope });
    const trace: number[] = [];
    for (let s = 0; s < 60; s++) {
      const b = s % 3;
      const feed = { x: Tensor.from(xs.toFlat().slice(b * 60, b * 60 + 60), { shape: [30, 2] }), label: Tensor.from(ys.toFlat().slice(b * 30, b * 30 + 30).map(BigInt)) };
      const [l] = await exe.run(main, { feed, fetchList: [out.loss], scope });
      trace.push(l.data[0] as number);
    }
    const [acc] = await exe.run(main.clone({ forTest: true }), { feed: { x: xs, label: ys }, fetchList: [out.acc.name], scope });
    return [...trace, acc.data[0] as number];
  };
  const a = await run();
  expect(await run()).toEqual(a);
  const first = (a[0] + a[1] + a[2]) / 3;
  const last = (a[57] + a[58] + a[59]) / 3;
  expect(last).toBeLessThan(first * 0.3);
  expect(a[60]).toBeGreaterThan(0.9);
});
