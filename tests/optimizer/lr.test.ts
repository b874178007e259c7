import * as lr from '../../src/optimizer/lr';

/** lastLr after construction and after each of n-1 steps. */
function seq(s: lr.LRScheduler, n: number): number[] {
  const out = [s.lastLr];
  for (let i = 1; i < n; i++) {
    s.step();
    out.push(s.lastLr);
  }
  return out;
}

function close(a: number[], b: number[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    if (Math.abs(v - b[i]) > 1e-12 * Math.max(1, Math.abs(b[i]))) throw new Error(`epoch ${i}: ${v}, expected ${b[i]}`);
  });
}

const range = (n: number): number[] => [...Array(n).keys()];

describe('LR schedulers follow Paddle', () => {
  test('StepDecay, MultiStepDecay, PiecewiseDecay', () => {
    close(seq(new lr.StepDecay({ learningRate: 0.1, stepSize: 4, gamma: 0.5 }), 10), [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025]);
    close(seq(new lr.MultiStepDecay({ learningRate: 0.5, milestones: [2, 5] }), 7), [0.5, 0.5, 0.05, 0.05, 0.05, 0.005, 0.005]);
    close(seq(new lr.PiecewiseDecay({ boundaries: [3, 6], values: [0.1, 0.05, 0.01] }), 8), [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.01, 0.01]);
  });

  test('ExponentialDecay, NaturalExpDecay, InverseTimeDecay', () => {
    close(seq(new lr.ExponentialDecay({ learningRate: 0.5, gamma: 0.9 }), 6), range(6).map((t) => 0.5 * 0.9 ** t));
    close(seq(new lr.NaturalExpDecay({ learningRate: 0.5, gamma: 0.1 }), 6), range(6).map((t) => 0.5 * Math.exp(-0.1 * t)));
    close(seq(new lr.InverseTimeDecay({ learningRate: 0.5, gamma: 0.1 }), 6), range(6).map((t) => 0.5 / (1 + 0.1 * t)));
  });

  test('PolynomialDecay, with and without cycles', () => {
    // (0.5 - 0.1) (1 - t/4)^2 + 0.1, held at 0.1 after 4 steps
    close(seq(new lr.PolynomialDecay({ learningRate: 0.5, decaySteps: 4, endLr: 0.1, power: 2 }), 7), [0.5, 0.325, 0.2, 0.125, 0.1, 0.1, 0.1]);
    // cycling: at t = 6 the horizon is 8 steps: 0.4 (1 - 6/8)^2 + 0.1
    const c = seq(new lr.PolynomialDecay({ learningRate: 0.5, decaySteps: 4, endLr: 0.1, power: 2, cycle: true }), 7);
    expect(c[0]).toBeCloseTo(0.5, 12);
    expect(c[6]).toBeCloseTo(0.125, 12);
    expect(c[5]).toBeCloseTo(0.4 * (1 - 5 / 8) ** 2 + 0.1, 12);
  });

  test('CosineAnnealingDecay steps along the closed form, also past tMax', () => {
    const got = seq(new lr.CosineAnnealingDecay({ learningRate: 1, tMax: 4, etaMin: 0.1 }), 13);
    close(got, range(13).map((t) => 0.1 + 0.9 * (1 + Math.cos((Math.PI * t) / 4)) / 2));
  });

  test('LinearWarmup of a number and of a CosineAnnealingDecay', () => {
    close(seq(new lr.LinearWarmup({ learningRate: 0.5, warmupSteps: 4, startLr: 0, endLr: 0.5 }), 7), [0, 0.125, 0.25, 0.375, 0.5, 0.5, 0.5]);
    const inner = new lr.CosineAnnealingDecay({ learningRate: 0.5, tMax: 6 });
    const got = seq(new lr.LinearWarmup({ learningRate: inner, warmupSteps: 4, startLr: 0.1, endLr: 0.5 }), 12);
    close(got, range(12).map((t) => (t < 4 ? 0.1 + 0.1 * t : 0.25 * (1 + Math.cos((Math.PI * (t - 4)) / 6)))));
  });

  test('NoamDecay, LambdaDecay, MultiplicativeDecay', () => {
    const noam = seq(new lr.NoamDecay({ dModel: 64, warmupSteps: 4 }), 17);
    // 64^-0.5 · min(t^-0.5, t · 4^-1.5)
    expect(noam[0]).toBe(0);
    expect(noam[1]).toBeCloseTo(0.015625, 15);
    expect(noam[4]).toBeCloseTo(0.0625, 15);
    expect(noam[16]).toBeCloseTo(0.03125, 15);
    close(seq(new lr.LambdaDecay({ learningRate: 0.5, lrLambda: (e) => 0.95 ** e }), 5), range(5).map((t) => 0.5 * 0.95 ** t));
    // Π_{e=1..t} 1/(e+1) = 1/(t+1)!
    const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
    close(seq(new lr.MultiplicativeDecay({ learningRate: 0.5, lrLambda: (e) => 1 / (e + 1) }), 6), range(6).map((t) => 0.5 / fact(t + 1)));
  });

  test('ReduceOnPlateau with patience, cooldown and a floor', () => {
    const s = new lr.ReduceOnPlateau({ learningRate: 1, patience: 2, factor: 0.5, cooldown: 1 });
    const lrs = [5, 4, 4, 4, 4, 4, 4, 3].map((m) => {
      s.step(m);
      return s.lastLr;
    });
    expect(lrs).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]);
    const floor = new lr.ReduceOnPlateau({ learningRate: 0.6, patience: 0, factor: 0.5, minLr: 0.4, mode: 'max' });
    [1, 0.5, 0.5, 0.5].forEach((m) => floor.step(m));
    expect(floor.lastLr).toBe(0.4);
    expect(() => floor.step(undefined)).toThrow('ReduceOnPlateau.step: metric must be a number');
  });

  test('OneCycleLR, cosine and linear', () => {
    const cos = seq(new lr.OneCycleLR({ maxLearningRate: 1, totalSteps: 10, divideFactor: 10, endLearningRate: 0.001 }), 10);
    // phases: [0, 2] rising from 0.1 to 1, [2, 9] falling to 0.001
    expect(cos[0]).toBeCloseTo(0.1, 15);
    expect(cos[1]).toBeCloseTo(0.55, 15);
    expect(cos[2]).toBeCloseTo(1, 15);
    expect(cos[3]).toBeCloseTo(0.001 + (0.999 / 2) * (1 + Math.cos(Math.PI / 7)), 15);
    expect(cos[9]).toBeCloseTo(0.001, 15);
    const lin = seq(new lr.OneCycleLR({ maxLearningRate: 1, totalSteps: 10, divideFactor: 10, endLearningRate: 0.001, annealStrategy: 'linear' }), 4);
    expect(lin[1]).toBeCloseTo(0.55, 15);
    expect(lin[3]).toBeCloseTo(1 - (0.999 * 1) / 7, 15);
    const over = new lr.OneCycleLR({ maxLearningRate: 1, totalSteps: 2 });
    over.step();
    over.step();
    expect(() => over.step()).toThrow('OneCycleLR: stepped 3 times, but totalSteps is 2');
  });

  test('stateDict round trips restore the exact next steps', () => {
    const make = () => new lr.LinearWarmup({ learningRate: new lr.CosineAnnealingDecay({ learningRate: 0.5, tMax: 5 }), warmupSteps: 2, startLr: 0, endLr: 0.5 });
    const a = make();
    for (let i = 0; i < 6; i++) a.step();
    const sd = JSON.parse(JSON.stringify(a.stateDict()));
    expect(sd).toMatchObject({ last_epoch: 6, LinearWarmup_LR: { last_epoch: 4 } });
    const b = make();
    b.setStateDict(sd);
    expect(b.lastLr).toBe(a.lastLr);
    expect(seq(b, 5)).toEqual(seq(a, 5));
    const p = new lr.ReduceOnPlateau({ learningRate: 1, patience: 0 });
    p.step(3);
    p.step(4);
    const q = new lr.ReduceOnPlateau({ learningRate: 1, patience: 0 });
    q.setStateDict(p.stateDict());
    expect(q.stateDict()).toEqual({ cooldown_counter: 0, best: 3, num_bad_epochs: 0, last_epoch: 2, last_lr: 0.1 });
    expect(() => q.setStateDict({ last_epoch: 1 })).toThrow("ReduceOnPlateau.setStateDict: the state lacks 'cooldown_counter'");
  });

  test('bad arguments name the scheduler, the argument and the value', () => {
    expect(() => new lr.StepDecay({ learningRate: 0.1, stepSize: 2.5 })).toThrow('StepDecay: stepSize must be an integer, received 2.5');
    expect(() => new lr.StepDecay({ learningRate: 0.1, stepSize: 2, gamma: 1.5 })).toThrow('StepDecay: gamma must be < 1, received 1.5');
    expect(() => new lr.MultiStepDecay({ learningRate: 0.1, milestones: [3, 2] })).toThrow('milestones must be increasing integers');
    expect(() => new lr.PiecewiseDecay({ boundaries: [1], values: [1] })).toThrow('values must have one more entry than boundaries');
    expect(() => new lr.ExponentialDecay({ learningRate: NaN, gamma: 0.5 })).toThrow('ExponentialDecay: learningRate must be a finite number, received NaN');
    expect(() => new lr.LinearWarmup({ learningRate: 0.1, warmupSteps: 2, startLr: 0.5, endLr: 0.1 })).toThrow('endLr (0.1) must be greater than startLr (0.5)');
  });
});
