import {
  ArgumentError,
  Executor,
  OpRole,
  ParamAttr,
  Program,
  Scope,
  Tensor,
  appendBackward,
  data,
  gradients,
  nn,
  ops,
  findOpDef,
  verifyProgram,
} from '../../src';
import { build, expectTensor, randomArray } from '../helpers';

async function runWith(p: Program, startup: Program, set: Record<string, Tensor>, feed: Record<string, Tensor>, fetch: string[]): Promise<Tensor[]> {
  const scope = new Scope();
  const exe = new Executor();
  await exe.run(startup, { scope });
  for (const [k, v] of Object.entries(set)) scope.setVar(k, v);
  return exe.run(p, { feed, fetchList: fetch, scope });
}

test('the gradients of an MLP with softmax cross-entropy match the closed form', async () => {
  const N = 4;
  const I = 3;
  const H = 5;
  const C = 3;
  const { main, startup, out } = build(() => {
    const x = data('x', [-1, I], 'float64');
    const label = data('label', [-1], 'int64');
    const h = nn.fc(x, H, { activation: 'relu' });
    const loss = ops.crossEntropy(nn.fc(h, C), label);
    return appendBackward(loss);
  });
  const x = randomArray(N * I, 1);
  const W1 = randomArray(I * H, 2);
  const b1 = randomArray(H, 3, -0.2, 0.2);
  const W2 = randomArray(H * C, 4);
  const b2 = randomArray(C, 5);
  const y = [0, 2, 1, 2];
  const f64 = (v: number[], shape: number[]) => Tensor.from(v, { shape, dtype: 'float64' });
  const got = await runWith(
    main,
    startup,
    { 'fc_0.w_0': f64(W1, [I, H]), 'fc_0.b_0': f64(b1, [H]), 'fc_1.w_0': f64(W2, [H, C]), 'fc_1.b_0': f64(b2, [C]) },
    { x: f64(x, [N, I]), label: Tensor.from(y.map(BigInt)) },
    out.map(([, g]) => g.name),
  );
  expect(out.map(([p]) => p.name)).toEqual(['fc_0.w_0', 'fc_0.b_0', 'fc_1.w_0', 'fc_1.b_0']);

  // forward, by hand
  const pre = Array.from({ length: N * H }, (_, k) => {
    const [n, j] = [Math.floor(k / H), k % H];
    let s = b1[j];
    for (let i = 0; i < I; i++) s += x[n * I + i] * W1[i * H + j];
    return s;
  });
  const h = pre.map((v) => Math.max(v, 0));
  const D: number[] = [];
  for (let n = 0; n < N; n++) {
    const z = Array.from({ length: C }, (_, c) => {
      let s = b2[c];
      for (let j = 0; j < H; j++) s += h[n * H + j] * W2[j * C + c];
      return s;
    });
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const se = e.reduce((a, b) => a + b, 0);
    // d mean(CE) / d logits = (softmax - onehot) / N
    e.forEach((v, c) => D.push((v / se - (c === y[n] ? 1 : 0)) / N));
  }
  const dW2 = Array.from({ length: H * C }, (_, k) => {
    const [j, c] = [Math.floor(k / C), k % C];
    let s = 0;
    for (let n = 0; n < N; n++) s += h[n * H + j] * D[n * C + c];
    return s;
  });
  const db2 = Array.from({ length: C }, (_, c) => D.filter((_, k) => k % C === c).reduce((a, b) => a + b, 0));
  const dPre = Array.from({ length: N * H }, (_, k) => {
    const [n, j] = [Math.floor(k / H), k % H];
    let s = 0;
    for (let c = 0; c < C; c++) s += D[n * C + c] * W2[j * C + c];
    return pre[k] > 0 ? s : 0;
  });
  const dW1 = Array.from({ length: I * H }, (_, k) => {
    const [i, j] = [Math.floor(k / H), k % H];
    let s = 0;
    for (let n = 0; n < N; n++) s += x[n * I + i] * dPre[n * H + j];
    return s;
  });
  const db1 = Array.from({ length: H }, (_, j) => dPre.filter((_, k) => k % H === j).reduce((a, b) => a + b, 0));
  expectTensor(got[0], [I, H], dW1, { rtol: 1e-12, atol: 1e-15 });
  expectTensor(got[1], [H], db1, { rtol: 1e-12, atol: 1e-15 });
  expectTensor(got[2], [H, C], dW2, { rtol: 1e-12, atol: 1e-15 });
  expectTensor(got[3], [C], db2, { rtol: 1e-12, atol: 1e-15 });
  verifyProgram(main);
});

describe('the structure of the backward pass', () => {
  test('roles: the loss op 256, the seed 257, gradient ops 1; the ops appended', () => {
    const { main, out } = build(() => {
      const loss = ops.mean(nn.fc(data('x', [-1, 3]), 2));
      return { loss, pairs: appendBackward(loss) };
    });
    const ops_ = main.globalBlock().ops;
    expect(ops_.map((o) => o.type)).toEqual(['mul', 'elementwise_add', 'reduce_mean', 'fill_constant', 'reduce_mean_grad', 'elementwise_add_grad', 'mul_grad']);
    expect(ops_.map((o) => o.role)).toEqual([0, 0, OpRole.Loss, OpRole.Backward | OpRole.Loss, 1, 1, 1]);
    expect(ops_[3].attrs).toMatchObject({ shape: [], value: 1 });
    expect(out.pairs.map(([p, g]) => [p.name, g.name, g.shape, g.dtype])).toEqual([
      ['fc_0.w_0', 'fc_0.w_0@GRAD', [3, 2], 'float32'],
      ['fc_0.b_0', 'fc_0.b_0@GRAD', [2], 'float32'],
    ]);
    expect(main.gradientOf.get('fc_0.w_0')).toBe('fc_0.w_0@GRAD');
    // mul_grad computes no gradient for the data input x
    expect(Object.keys(ops_[6].outputs)).toEqual(['Y@GRAD']);
  });

  test('ops off the path to the loss, or fed only by data, get no gradient ops', () => {
    const { main } = build(() => {
      const x = data('x', [-1, 3]);
      const h = nn.fc(x, 3);
      ops.exp(h); // used by nothing
      const fromData = ops.scale(x, 2); // no parameter behind it
      const loss = ops.add(ops.mean(h), ops.mean(fromData));
      appendBackward(loss);
    });
    const types = main.globalBlock().ops.filter((o) => o.role & OpRole.Backward).map((o) => o.type);
    expect(types).not.toContain('exp_grad');
    expect(types).not.toContain('scale');
    expect(types.filter((t) => t === 'reduce_mean_grad')).toHaveLength(1);
  });

  test('noGradSet and stopGradient cut the branch behind them', () => {
    const net = () => {
      const x = data('x', [-1, 3]);
      const h = nn.fc(x, 4, { activation: 'relu' });
      return { h, loss: ops.mean(nn.fc(h, 2)) };
    };
    const a = build(() => {
      const { h, loss } = net();
      return appendBackward(loss, { noGradSet: new Set([h]) });
    });
    expect(a.out.map(([p]) => p.name)).toEqual(['fc_1.w_0', 'fc_1.b_0']);
    expect(a.main.globalBlock().ops.map((o) => o.type)).not.toContain('relu_grad');
    const b = build(() => {
      const { h, loss } = net();
      h.stopGradient = true;
      return appendBackward(loss);
    });
    expect(b.out.map(([p]) => p.name)).toEqual(['fc_1.w_0', 'fc_1.b_0']);
    const c = build(() => appendBackward(net().loss, { noGradSet: new Set(['fc_0.w_0']) }));
    expect(c.out.map(([p]) => p.name)).toEqual(['fc_0.b_0', 'fc_1.w_0', 'fc_1.b_0']);
    const d = build(() => {
      const x = data('x', [-1, 3]);
      const loss = ops.mean(nn.fc(x, 2, { weightAttr: new ParamAttr({ trainable: false }) }));
      return appendBackward(loss);
    });
    expect(d.out.map(([p]) => p.name)).toEqual(['fc_0.b_0']);
  });

  test('a variable used twice gets one sum of its contributions', async () => {
    const { main, startup, out } = build(() => {
      const w = nn.fc(data('x', [1, 1]), 3, { biasAttr: false, weightAttr: { name: 'w' } });
      const loss = ops.sum(ops.multiply(w, w));
      return appendBackward(loss, { parameterList: ['w'] });
    });
    const sums = main.globalBlock().ops.filter((o) => o.type === 'sum');
    expect(sums).toHaveLength(1);
    const [g] = await runWith(main, startup, { w: Tensor.from([[1, -2, 3]]) }, { x: Tensor.from([[2]]) }, [out[0][1].name]);
    // loss = Σ (2 w)^2 = 4 Σ w^2 -> d/dw = 8 w
    expectTensor(g, [1, 3], [8, -16, 24]);
  });

  test('two backward passes on one program keep names unique and both compute', async () => {
    const { main, startup, out } = build(() => {
      const x = data('x', [-1, 2]);
      const y = nn.fc(x, 1, { weightAttr: { name: 'w' }, biasAttr: false });
      const first = appendBackward(ops.mean(y));
      const second = appendBackward(ops.sum(y));
      return [first, second];
    });
    expect(out[0][0][1].name).toBe('w@GRAD');
    expect(out[1][0][1].name).toBe('w@GRAD@1');
    verifyProgram(main);
    const [g1, g2] = await runWith(main, startup, { w: Tensor.from([[1], [1]]) }, { x: Tensor.from([[1, 2], [3, 4]]) }, ['w@GRAD', 'w@GRAD@1']);
    expectTensor(g1, [2, 1], [2, 3]);
    expectTensor(g2, [2, 1], [4, 6]);
  });

  test('a loss with more than one element is refused with the fix', () => {
    build(() => {
      const y = nn.fc(data('x', [-1, 2]), 1);
      expect(() => appendBackward(y)).toThrow(ArgumentError);
      expect(() => appendBackward(y)).toThrow(`appendBackward: the loss ${y.name} has shape [-1,1]; it must hold exactly one element (reduce it first, e.g. ops.mean(loss))`);
      expect(() => appendBackward(ops.mean(y), { parameterList: ['x'] })).toThrow('parameterList[0] (x) is not a parameter');
    });
  });
});

describe('gradients()', () => {
  test('inputs get gradients; unreachable inputs get null; targetGradients weight the targets', async () => {
    const { main, out } = build(() => {
      const x = data('x', [-1, 2]);
      const z = data('z', [-1, 2]);
      const t = data('t', [-1, 2]);
      const y = ops.scale(ops.square(x), 3);
      return { grads: gradients([y], [x, z], { targetGradients: [t] }) };
    });
    expect(out.grads[1]).toBeNull();
    const exe = new Executor();
    const [gx] = await exe.run(main, { feed: { x: [[1, 2]], t: [[1, 10]] }, fetchList: [out.grads[0]!], scope: new Scope() });
    // d(3 x^2)/dx · t = 6 x t
    expectTensor(gx, [1, 2], [6, 120]);
  });
});

test('a gradient rule that makes a gradient of the wrong shape is caught, naming both', () => {
  const def = findOpDef('tanh') as { grad?: unknown };
  const saved = def.grad;
  // a broken rule: the gradient of X reduced to a scalar
  def.grad = (g: { append: (...a: unknown[]) => void; outGrad: (s: string) => string; inputGrad: (s: string) => string }) =>
    g.append('reduce_sum', { X: g.outGrad('Out') }, { Out: g.inputGrad('X') }, { reduce_all: true });
  try {
    expect(() => build(() => appendBackward(ops.mean(ops.tanh(nn.fc(data('x', [-1, 3]), 2)))))).toThrow(/the gradient fc_0\.tmp_1@GRAD is float32\[\] but fc_0\.tmp_1 is float32\[-1,2\] \(a gradient rule is wrong\)/);
  } finally {
    def.grad = saved;
  }
});
