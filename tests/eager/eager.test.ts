import {
  ASGD,
  ArgumentError,
  ClipGradByGlobalNorm,
  ClipGradByNorm,
  ClipGradByValue,
  L1Decay,
  L2Decay,
  Variable,
  Executor,
  ParamAttr,
  Program,
  Scope,
  Tensor,
  data,
  lr,
  nn,
  ops,
  programGuard,
  seed,
  toTensor,
  uniqueName,
  EagerParameter,
} from '../../src';
import { createParameter } from '../../src/program/builder';
import { expectTensor, randomArray } from '../helpers';
import type { ASGDOptions } from '../../src';

describe('eager tensors and backward()', () => {
  test('ops compute at once and backward() gives the same gradients as the closed form', () => {
    const x = toTensor([[1, 2], [3, 4]], { stopGradient: false });
    const w = toTensor([[0.5], [-1]], { stopGradient: false });
    const y = ops.mean(ops.square(ops.matmul(x, w)));
    // xw = [-1.5, -2.5]; y = (2.25 + 6.25) / 2 = 4.25
    expectTensor(y, [], [4.25]);
    y.backward();
    // dy/dw = xᵀ (xw) = [1·-1.5 + 3·-2.5, 2·-1.5 + 4·-2.5] = [-9, -13]
    expectTensor(w.grad!, [2, 1], [-9, -13]);
    // dy/dx = (xw) wᵀ = [[-0.75, 1.5], [-1.25, 2.5]]
    expectTensor(x.grad!, [2, 2], [-0.75, 1.5, -1.25, 2.5]);
  });

  test('gradients accumulate over backward() calls; clearGradient zeroes or releases them', () => {
    const w = toTensor([2, 3], { stopGradient: false });
    ops.sum(ops.multiply(w, w)).backward();
    ops.sum(ops.multiply(w, w)).backward();
    expectTensor(w.grad!, [2], [8, 12]);
    w.clearGradient();
    expectTensor(w.grad!, [2], [0, 0]);
    w.clearGradient(false);
    expect(w.grad).toBeNull();
  });

  test('a non-scalar output uses an all-ones gradient; stopGradient tensors get none', () => {
    const a = toTensor([1, 2, 3], { stopGradient: false });
    const b = toTensor([10, 20, 30]);
    ops.multiply(a, b).backward();
    expectTensor(a.grad!, [3], [10, 20, 30]);
    expect(b.grad).toBeNull();
    expect(() => ops.relu(b).backward()).toThrow('does not depend on any tensor with stopGradient false');
  });

  test('mixing eager tensors with static variables is an error that says so', () => {
    const t = toTensor([1, 2]);
    programGuard(new Program(), new Program(), () => {
      const v = data('v', [2]);
      expect(() => ops.add(t, v as never)).toThrow(ArgumentError);
      expect(() => ops.add(t, v as never)).toThrow(/ops\.add: cannot mix eager Tensors \(.*\) with static Variables \(v\)/);
    });
  });
});

describe('nn layers', () => {
  test('Linear names its parameters as Paddle and exposes weight [in, out] and bias', () => {
    uniqueName.guard(() => {
      const l = new nn.Linear(3, 2);
      expect(l.parameters().map((p) => [p.name, p.shape])).toEqual([
        ['linear_0.w_0', [3, 2]],
        ['linear_0.b_0', [2]],
      ]);
      expect(l.weight.toFlat().every((v) => Math.abs(v) <= Math.sqrt(6 / 5))).toBe(true);
      expect(l.bias!.toFlat()).toEqual([0, 0]);
      const y = l.forward(toTensor([[1, 1, 1]]));
      expectTensor(y, [1, 2], [0, 1].map((j) => [0, 1, 2].reduce((s, i) => s + l.weight.toFlat()[i * 2 + j], 0)), { rtol: 1e-6 });
    });
  });

  test('Sequential of Conv2D, BatchNorm2D, ReLU, Dropout; train() and eval()', () => {
    uniqueName.guard(() => {
      seed(1);
      const conv = new nn.Conv2D(2, 3, 3, { padding: 1 });
      const bn = new nn.BatchNorm2D(3);
      const drop = new nn.Dropout(0.5);
      const model = new nn.Sequential(conv, bn, new nn.ReLU(), drop);
      expect(model.parameters().map((p) => p.name)).toEqual(['conv2d_0.w_0', 'conv2d_0.b_0', 'batch_norm2d_0.w_0', 'batch_norm2d_0.b_0', 'batch_norm2d_0.w_1', 'batch_norm2d_0.w_2']);
      const x = toTensor(randomArray(2 * 2 * 4 * 4, 3), { shape: [2, 2, 4, 4] });
      const y = model.forward(x);
      expect(y.shape).toEqual([2, 3, 4, 4]);
      expect(bn.mean.toFlat().some((v) => v !== 0)).toBe(true); // running mean moved in training
      model.eval();
      expect(drop.training).toBe(false);
      const before = bn.mean.toFlat();
      const a = model.forward(x).toFlat();
      const b = model.forward(x).toFlat();
      expect(a).toEqual(b); // no dropout, running statistics
      expect(bn.mean.toFlat()).toEqual(before);
      ops.mean(model.train().forward(x)).backward();
      expect(conv.weight.grad!.shape).toEqual([3, 2, 3, 3]);
      expect(bn.weight.grad!.shape).toEqual([3]);
      expect(bn.mean.grad).toBeNull();
    });
  });

  test('Embedding looks rows up and its gradient adds rows back', () => {
    uniqueName.guard(() => {
      const emb = new nn.Embedding(4, 2, { paddingIdx: 0 });
      const ids = Tensor.from([[1n, 1n, 0n]]);
      ops.sum(emb.forward(ids)).backward();
      expectTensor(emb.weight.grad!, [4, 2], [0, 0, 2, 2, 0, 0, 0, 0]);
    });
  });
});

describe('ASGD in eager mode', () => {
  test("Paddle's example: Linear(10, 10), out.backward(), step(), clearGrad() — the parameters after the step by hand", () => {
    uniqueName.guard(() => {
      seed(0);
      const inp = toTensor(randomArray(100, 9, -0.1, 0.1), { shape: [10, 10] });
      const linear = new nn.Linear(10, 10);
      const w0 = linear.weight.toFlat();
      const b0 = linear.bias!.toFlat();
      const out = linear.forward(inp);
      const opt = new ASGD({ learningRate: 0.001, batchNum: 10, parameters: linear.parameters(), weightDecay: 0.01 });
      out.backward();
      opt.step();
      opt.clearGrad();
      // out.backward() seeds ones: dW[i][j] = Σ_s inp[s][i], db[j] = 10. First step: n = 1, d = g.
      const lrf = Math.fround(0.001);
      const x = inp.toFlat();
      const wWant = w0.map((w, k) => {
        const i = Math.floor(k / 10);
        let g = 0;
        for (let s = 0; s < 10; s++) g += x[s * 10 + i];
        return w - lrf * (g + 0.01 * w);
      });
      expectTensor(linear.weight, [10, 10], wWant, { rtol: 1e-5, atol: 1e-7 });
      expectTensor(linear.bias!, [10], b0.map((b) => b - lrf * (10 + 0.01 * b)), { rtol: 1e-5, atol: 1e-7 });
      expect(linear.weight.grad!.toFlat().every((v) => v === 0)).toBe(true);
      expect(opt.getLr()).toBe(0.001);
    });
  });

  test('eager mode needs the parameters; a parameter without a gradient keeps its m', () => {
    expect(() => new ASGD({ learningRate: 0.1 }).step()).toThrow('ASGD.step(): eager mode needs the parameters to update: new ASGD({ parameters: layer.parameters(), ... })');
    uniqueName.guard(() => {
      const a = new nn.Linear(2, 1);
      const b = new nn.Linear(2, 1);
      const opt = new ASGD({ learningRate: 0.1, batchNum: 2, parameters: [...a.parameters(), ...b.parameters()] });
      const x = toTensor([[1, 2]]);
      ops.add(ops.mean(a.forward(x)), ops.mean(b.forward(x))).backward();
      opt.step();
      opt.clearGrad(false);
      ops.mean(a.forward(x)).backward();
      opt.step();
      const sd = opt.stateDict();
      expect([...((sd['linear_0.w_0_m_0'] as Tensor).data as BigInt64Array)]).toEqual([2n]);
      expect([...((sd['linear_1.w_0_m_0'] as Tensor).data as BigInt64Array)]).toEqual([1n]);
    });
  });

  const parity: [string, () => ASGDOptions, boolean][] = [
    ['StepDecay, global-norm clip, float decay', () => ({ learningRate: new lr.StepDecay({ learningRate: 0.1, stepSize: 4, gamma: 0.5 }), batchNum: 3, gradClip: new ClipGradByGlobalNorm(0.5), weightDecay: 0.01 }), false],
    ['L2Decay, value clip, parameter groups', () => ({ learningRate: 0.1, batchNum: 2, gradClip: new ClipGradByValue(0.05), weightDecay: new L2Decay(0.02) }), true],
    ['L1Decay, norm clip, minimize(loss)', () => ({ learningRate: new lr.LinearWarmup({ learningRate: 0.1, warmupSteps: 3, startLr: 0, endLr: 0.1 }), batchNum: 4, gradClip: new ClipGradByNorm(0.2), weightDecay: new L1Decay(0.01) }), false],
  ];

  test.each(parity)('12 steps eagerly and as a static program give bitwise the same parameters and state: %s', async (_name, options, groups) => {
    const B = 6;
    const xs = Array.from({ length: 3 }, (_, k) => randomArray(B * 4, 70 + k));
    const labels = Array.from({ length: 3 }, (_, k) => randomArray(B, 80 + k, 0, 3).map((v) => BigInt(Math.floor(v))));
    const model = <V extends Tensor | Variable>(x: V, p: V[]): V => ops.add(ops.matmul(ops.relu(ops.add(ops.matmul(x, p[0]), p[1])), p[2]), p[3]);
    const withGroups = <P,>(o: ASGDOptions, params: P[]): ASGDOptions =>
      groups ? { ...o, parameters: [{ params: params.slice(0, 2), learningRate: 0.5, weightDecay: 0.03 }, { params: params.slice(2) }] as never } : o;
    const stepOf = (o: ASGDOptions) => () => (o.learningRate instanceof lr.LRScheduler ? o.learningRate.step() : undefined);

    // eager
    const eager = uniqueName.guard(() => {
      seed(5);
      const l1 = new nn.Linear(4, 5);
      const l2 = new nn.Linear(5, 3);
      const params = [...l1.parameters(), ...l2.parameters()];
      const o = options();
      const opt = new ASGD(groups ? withGroups(o, params) : { ...o, parameters: params });
      for (let s = 0; s < 12; s++) {
        const logits = model(toTensor(xs[s % 3], { shape: [B, 4] }), params as Tensor[]);
        const loss = ops.crossEntropy(logits, Tensor.from(labels[s % 3]));
        loss.backward();
        if (s % 2) opt.minimize(loss);
        else opt.step();
        opt.clearGrad();
        stepOf(o)();
      }
      return { params, state: opt.stateDict(), opt };
    });

    // static, with the same parameters made in the same order
    const main = new Program();
    const startup = new Program();
    startup.randomSeed = 5;
    const o = options();
    const loss = uniqueName.guard(() =>
      programGuard(main, startup, () => {
        const mk = (name: string, shape: number[], suffix: 'w' | 'b') => createParameter({ attr: new ParamAttr({ name }), shape, dtype: 'float32', layerName: name, suffix });
        const p = [mk('linear_0.w_0', [4, 5], 'w'), mk('linear_0.b_0', [5], 'b'), mk('linear_1.w_0', [5, 3], 'w'), mk('linear_1.b_0', [3], 'b')];
        const loss = ops.crossEntropy(model(data('x', [-1, 4]), p), data('label', [-1], 'int64'));
        new ASGD(withGroups(o, p)).minimize(loss);
        return loss;
      }),
    );
    const scope = new Scope();
    const exe = new Executor();
    await exe.run(startup, { scope });
    for (let s = 0; s < 12; s++) {
      await exe.run(main, { feed: { x: Tensor.from(xs[s % 3], { shape: [B, 4] }), label: Tensor.from(labels[s % 3]) }, fetchList: [loss], scope });
      stepOf(o)();
    }
    const bytes = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    for (const p of eager.params) {
      if (!bytes(p).equals(bytes(scope.findVar(p.name)!))) throw new Error(`${p.name} differs between eager and static`);
      for (const what of ['d', 'y', 'm']) {
        const name = `${p.name}_${what}_0`;
        if (!bytes(eager.state[name] as Tensor).equals(bytes(scope.findVar(name)!))) throw new Error(`${name} differs between eager and static`);
      }
    }
  });

  test('stateDict / setStateDict in eager mode restore the exact next step', () => {
    const run = (restore?: Record<string, Tensor | object>, weights?: Tensor[]) =>
      uniqueName.guard(() => {
        seed(2);
        const l = new nn.Linear(3, 2);
        const sched = new lr.ExponentialDecay({ learningRate: 0.1, gamma: 0.9 });
        const opt = new ASGD({ learningRate: sched, batchNum: 3, parameters: l.parameters() });
        if (weights) l.parameters().forEach((p, i) => (p.data as Float32Array).set(weights[i].data as Float32Array));
        if (restore) opt.setStateDict(restore as never);
        const x = toTensor([[1, -2, 0.5]]);
        const steps = restore ? 1 : 5;
        let sd: Record<string, Tensor | object> = {};
        let snapshot: Tensor[] = [];
        for (let s = 0; s < steps; s++) {
          if (s === 4) {
            sd = opt.stateDict();
            snapshot = l.parameters().map((p) => p.clone());
          }
          ops.mean(l.forward(x)).backward();
          opt.step();
          opt.clearGrad();
          sched.step();
        }
        return { sd, snapshot, final: l.parameters().map((p) => p.toFlat()) };
      });
    const a = run();
    const b = run(a.sd, a.snapshot);
    expect(b.final).toEqual(a.final);
    expect(Object.keys(a.sd)).toEqual(expect.arrayContaining(['linear_0.w_0_d_0', 'linear_0.w_0_y_0', 'linear_0.w_0_m_0', 'LR_Scheduler']));
  });

  test('multiPrecision in eager mode keeps float32 master weights; the float16 parameter is their cast', () => {
    uniqueName.guard(() => {
      const h = new EagerParameter('h', Tensor.from([0.1, -0.2, 0.3], { dtype: 'float16' }), new ParamAttr());
      const opt = new ASGD({ learningRate: 0.01, batchNum: 2, parameters: [h], multiPrecision: true });
      for (let s = 0; s < 3; s++) {
        ops.sum(ops.multiply(ops.cast(h as Tensor, 'float32'), toTensor([1, 2, 3]))).backward();
        opt.step();
        opt.clearGrad();
      }
      const sd = opt.stateDict();
      const master = sd['h_fp32_master_0'] as Tensor;
      expect(master.dtype).toBe('float32');
      expect((sd['h_d_0'] as Tensor).dtype).toBe('float32');
      // three steps of SAG on a constant gradient g = [1, 2, 3]: n = 1, 2, 2 and d = g, 2g, 2g
      const x0 = Tensor.from([0.1, -0.2, 0.3], { dtype: 'float16' }).toFlat();
      const lrf = Math.fround(0.01);
      const want = x0.map((x, k) => x - lrf * (k + 1) * 3);
      expectTensor(master, [3], want, { rtol: 1e-6, atol: 1e-7 });
      expect(h.toFlat()).toEqual(master.toFlat().map((v) => Tensor.from([v], { dtype: 'float16' }).toFlat()[0]));
    });
  });
});

test('two tensors with the same name (two separately built models) keep their own gradients', () => {
  const a = uniqueName.guard(() => new nn.Linear(2, 1, { biasAttr: false }));
  const b = uniqueName.guard(() => new nn.Linear(2, 1, { biasAttr: false }));
  expect(a.weight.name).toBe(b.weight.name);
  (a.weight.data as Float32Array).set([1, 2]);
  (b.weight.data as Float32Array).set([3, 4]);
  // loss = sum(a.w * b.w * [1, 10]): d/da = b.w * [1, 10], d/db = a.w * [1, 10]
  ops.sum(ops.multiply(ops.multiply(a.weight as Tensor, b.weight as Tensor), toTensor([[1], [10]]))).backward();
  expectTensor(a.weight.grad!, [2, 1], [3, 40]);
  expectTensor(b.weight.grad!, [2, 1], [1, 20]);
});

test('one optimizer over two models whose parameters share names keeps separate state for each', () => {
  const a = uniqueName.guard(() => new nn.Linear(2, 1, { biasAttr: false }));
  const b = uniqueName.guard(() => new nn.Linear(2, 1, { biasAttr: false }));
  (a.weight.data as Float32Array).set([1, 1]);
  (b.weight.data as Float32Array).set([1, 1]);
  const opt = new ASGD({ learningRate: 0.5, batchNum: 2, parameters: [a.weight, b.weight] });
  // d loss / d a.w = [1, 2], d loss / d b.w = [3, 4]
  ops.add(ops.sum(a.forward(toTensor([[1, 2]]))), ops.sum(b.forward(toTensor([[3, 4]])))).backward();
  opt.step();
  expectTensor(a.weight, [2, 1], [0.5, 0]);
  expectTensor(b.weight, [2, 1], [-0.5, -1]);
  const sd = opt.stateDict();
  const ds = Object.keys(sd).filter((k) => k.includes('_d_'));
  expect(ds).toHaveLength(2);
  expect(ds.map((k) => (sd[k] as Tensor).toFlat()).sort()).toEqual([[1, 2], [3, 4]]);
});
