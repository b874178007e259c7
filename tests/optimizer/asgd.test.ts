/**
 * ASGD against a float64 reference written here with plain loops over SPEC §1 (closed-form
 * gradients of a linear model with a mean-squared loss; no kernel or autodiff is called).
 */
import {
  ASGD,
  ClipGradBase,
  ClipGradByGlobalNorm,
  ClipGradByNorm,
  ClipGradByValue,
  Executor,
  L1Decay,
  L2Decay,
  ParamAttr,
  Scope,
  Tensor,
  data,
  lr,
  nn,
  ops,
} from '../../src';
import type { LRScheduler } from '../../src';
import { build, randomArray } from '../helpers';

const B = 4; // samples per batch
const I = 3; // inputs
const O = 2; // outputs
const BATCHES = 3;
const STEPS = 12;

const X = Array.from({ length: BATCHES }, (_, b) => randomArray(B * I, 100 + b));
const Y = Array.from({ length: BATCHES }, (_, b) => randomArray(B * O, 200 + b));
const W0 = randomArray(I * O, 300);
const B0 = randomArray(O, 301);

interface Config {
  name: string;
  batchNum: number;
  learningRate: number | (() => LRScheduler);
  /** The rate used at step t (written independently of the scheduler classes). */
  rateAt: (t: number) => number;
  weightDecay?: number | L1Decay | L2Decay;
  clip?: ClipGradBase;
  wLrMult?: number;
  wRegularizer?: L1Decay | L2Decay;
  biasNoClip?: boolean;
}

interface RefParam {
  x: number[];
  d: number[];
  y: number[][];
  m: number;
  mult: number;
  reg: { kind: 'L1' | 'L2'; coeff: number } | null;
  lambda: number;
  clip: boolean;
}

/** SPEC §1, in float64, for W [I, O] and b [O]. */
function reference(c: Config): { W: RefParam; b: RefParam } {
  const decay = c.weightDecay;
  const optReg = typeof decay === 'object' ? { kind: decay.kind, coeff: decay.coeff } : null;
  const lambda = typeof decay === 'number' ? decay : 0;
  const mk = (x0: number[], mult: number, reg: RefParam['reg'], clip: boolean, useLambda: boolean): RefParam => ({
    x: [...x0],
    d: x0.map(() => 0),
    y: Array.from({ length: c.batchNum }, () => x0.map(() => 0)),
    m: 0,
    mult,
    reg,
    lambda: useLambda ? lambda : 0,
    clip,
  });
  const W = mk(W0, c.wLrMult ?? 1, c.wRegularizer ? { kind: c.wRegularizer.kind, coeff: c.wRegularizer.coeff } : optReg, true, !c.wRegularizer);
  const b = mk(B0, 1, optReg, !c.biasNoClip, true);
  for (let t = 0; t < STEPS; t++) {
    const xb = X[t % BATCHES];
    const yb = Y[t % BATCHES];
    // pred = x W + b;  L = mean((pred - y)^2) over B·O;  dL/dpred = 2 (pred - y) / (B·O)
    const gW = new Array(I * O).fill(0);
    const gb = new Array(O).fill(0);
    for (let s = 0; s < B; s++) {
      for (let o = 0; o < O; o++) {
        let pred = b.x[o];
        for (let i = 0; i < I; i++) pred += xb[s * I + i] * W.x[i * O + o];
        const e = (2 * (pred - yb[s * O + o])) / (B * O);
        gb[o] += e;
        for (let i = 0; i < I; i++) gW[i * O + o] += xb[s * I + i] * e;
      }
    }
    const grads: [RefParam, number[]][] = [
      [W, gW],
      [b, gb],
    ];
    // 1.1 clipping
    const clip = c.clip;
    if (clip instanceof ClipGradByValue) {
      for (const [p, g] of grads) if (p.clip) g.forEach((v, k) => (g[k] = Math.min(Math.max(v, clip.min), clip.max)));
    } else if (clip instanceof ClipGradByNorm) {
      for (const [p, g] of grads) {
        if (!p.clip) continue;
        const norm = Math.sqrt(g.reduce((a, v) => a + v * v, 0));
        if (norm > clip.clipNorm) g.forEach((v, k) => (g[k] = (v * clip.clipNorm) / norm));
      }
    } else if (clip instanceof ClipGradByGlobalNorm) {
      const global = Math.sqrt(grads.filter(([p]) => p.clip).reduce((a, [, g]) => a + g.reduce((s, v) => s + v * v, 0), 0));
      const f = clip.clipNorm / Math.max(global, clip.clipNorm);
      for (const [p, g] of grads) if (p.clip) g.forEach((v, k) => (g[k] = v * f));
    }
    // SPEC §1.3: the learning rate lives in a float32 variable
    const rate = Math.fround(c.rateAt(t));
    for (const [p, g] of grads) {
      // 1.2 regulariser terms enter d and y
      if (p.reg) {
        const reg = p.reg;
        g.forEach((v, k) => (g[k] = v + reg.coeff * (reg.kind === 'L2' ? p.x[k] : Math.sign(p.x[k]))));
      }
      const slot = p.m % c.batchNum;
      const n = Math.min(p.m + 1, c.batchNum);
      g.forEach((v, k) => {
        p.d[k] = p.d[k] - p.y[slot][k] + v;
        p.y[slot][k] = v;
      });
      p.m += 1;
      const lrP = rate * p.mult;
      p.x.forEach((v, k) => (p.x[k] = v - lrP * (p.d[k] / n + p.lambda * v)));
    }
  }
  return { W, b };
}

async function runSagraph(c: Config): Promise<{ scope: Scope; opt: ASGD; losses: number[] }> {
  const sched = typeof c.learningRate === 'function' ? c.learningRate() : undefined;
  const { main, startup, out } = build(() => {
    const x = data('x', [-1, I], 'float64');
    const y = data('y', [-1, O], 'float64');
    const pred = nn.fc(x, O, {
      weightAttr: new ParamAttr({ name: 'W', learningRate: c.wLrMult ?? 1, regularizer: c.wRegularizer ?? null }),
      biasAttr: new ParamAttr({ name: 'b', needClip: !c.biasNoClip }),
    });
    const loss = ops.mseLoss(pred, y);
    const opt = new ASGD({ learningRate: sched ?? (c.learningRate as number), batchNum: c.batchNum, weightDecay: c.weightDecay, gradClip: c.clip });
    opt.minimize(loss);
    return { loss, opt };
  });
  const scope = new Scope();
  const exe = new Executor();
  await exe.run(startup, { scope });
  scope.setVar('W', Tensor.from(W0, { shape: [I, O], dtype: 'float64' }));
  scope.setVar('b', Tensor.from(B0, { shape: [O], dtype: 'float64' }));
  const losses: number[] = [];
  for (let t = 0; t < STEPS; t++) {
    const feed = { x: Tensor.from(X[t % BATCHES], { shape: [B, I], dtype: 'float64' }), y: Tensor.from(Y[t % BATCHES], { shape: [B, O], dtype: 'float64' }) };
    const [l] = await exe.run(main, { feed, fetchList: [out.loss], scope });
    losses.push(l.data[0] as number);
    sched?.step();
  }
  return { scope, opt: out.opt, losses };
}

function expectClose(got: number[], want: number[], what: string): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, k) => {
    if (!(Math.abs(g - want[k]) <= 1e-10 * (1 + Math.abs(want[k])))) throw new Error(`${what}[${k}]: sagraph ${g}, reference ${want[k]}`);
  });
}

const constant = (v: number) => () => v;
const configs: Config[] = [
  { name: 'batchNum 1', batchNum: 1, learningRate: 0.1, rateAt: constant(0.1) },
  { name: 'batchNum 3 (slots wrap around)', batchNum: 3, learningRate: 0.1, rateAt: constant(0.1) },
  { name: 'batchNum 8', batchNum: 8, learningRate: 0.05, rateAt: constant(0.05) },
  { name: 'float weight decay', batchNum: 3, learningRate: 0.1, rateAt: constant(0.1), weightDecay: 0.05 },
  { name: 'L2Decay', batchNum: 3, learningRate: 0.1, rateAt: constant(0.1), weightDecay: new L2Decay(0.05) },
  { name: 'L1Decay', batchNum: 3, learningRate: 0.1, rateAt: constant(0.1), weightDecay: new L1Decay(0.05) },
  { name: 'ClipGradByValue', batchNum: 3, learningRate: 0.1, rateAt: constant(0.1), clip: new ClipGradByValue(0.05) },
  { name: 'ClipGradByNorm', batchNum: 3, learningRate: 0.1, rateAt: constant(0.1), clip: new ClipGradByNorm(0.1) },
  { name: 'ClipGradByGlobalNorm', batchNum: 3, learningRate: 0.1, rateAt: constant(0.1), clip: new ClipGradByGlobalNorm(0.1) },
  { name: 'global norm with a needClip:false bias', batchNum: 3, learningRate: 0.1, rateAt: constant(0.1), clip: new ClipGradByGlobalNorm(0.1), biasNoClip: true, weightDecay: 0.01 },
  { name: 'a per-parameter learning-rate multiplier', batchNum: 3, learningRate: 0.1, rateAt: constant(0.1), wLrMult: 0.5 },
  { name: 'a parameter regulariser wins over the optimizer decay', batchNum: 3, learningRate: 0.1, rateAt: constant(0.1), weightDecay: 0.05, wRegularizer: new L1Decay(0.02) },
  {
    name: 'StepDecay',
    batchNum: 3,
    learningRate: () => new lr.StepDecay({ learningRate: 0.1, stepSize: 4, gamma: 0.5 }),
    rateAt: (t) => 0.1 * 0.5 ** Math.floor(t / 4),
  },
  {
    name: 'LinearWarmup(CosineAnnealingDecay)',
    batchNum: 8,
    learningRate: () => new lr.LinearWarmup({ learningRate: new lr.CosineAnnealingDecay({ learningRate: 0.1, tMax: 6 }), warmupSteps: 4, startLr: 0, endLr: 0.1 }),
    rateAt: (t) => (t < 4 ? (0.1 * t) / 4 : 0.05 * (1 + Math.cos((Math.PI * (t - 4)) / 6))),
  },
];

describe('ASGD against the float64 reference over 12 steps', () => {
  test.each(configs.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const ref = reference(c);
    const { scope, opt } = await runSagraph(c);
    const names = opt.stateNames();
    for (const [pname, r] of [
      ['W', ref.W],
      ['b', ref.b],
    ] as const) {
      expectClose(scope.findVar(pname)!.toFlat(), r.x, pname);
      const st = names[pname];
      expectClose(scope.findVar(st.d)!.toFlat(), r.d, st.d);
      expectClose(scope.findVar(st.y)!.toFlat(), r.y.flat(), st.y);
      expect([...(scope.findVar(st.m)!.data as BigInt64Array)]).toEqual([BigInt(r.m)]);
    }
    expect(names.W).toEqual({ d: 'W_d_0', y: 'W_y_0', m: 'W_m_0', master: undefined });
  });
});
