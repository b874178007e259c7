/**
 * Learning-rate schedulers with Paddle's formulas, defaults and state (paddle.optimizer.lr). The
 * optimizer reads `lastLr`; the user calls `step()` (once per epoch or per batch, as in Paddle).
 * Constructors take Paddle's arguments in one options object, in camelCase.
 */
import { ArgumentError } from '../program/errors';

export interface LRState {
  [key: string]: number | null | LRState;
}

function num(v: unknown, what: string, owner: string, o: { min?: number; below?: number; integer?: boolean; positive?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError(`${owner}: ${what} must be a finite number, received ${String(v)}`);
  if (o.integer && !Number.isInteger(v)) throw new ArgumentError(`${owner}: ${what} must be an integer, received ${v}`);
  if (o.positive && !(v > 0)) throw new ArgumentError(`${owner}: ${what} must be > 0, received ${v}`);
  if (o.min !== undefined && v < o.min) throw new ArgumentError(`${owner}: ${what} must be >= ${o.min}, received ${v}`);
  if (o.below !== undefined && !(v < o.below)) throw new ArgumentError(`${owner}: ${what} must be < ${o.below}, received ${v}`);
  return v;
}

/** Python's modulo (the result takes the divisor's sign). */
function pymod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

export abstract class LRScheduler {
  baseLr: number;
  lastLr: number;
  lastEpoch: number;

  constructor(learningRate: number, lastEpoch = -1, owner = 'LRScheduler') {
    this.baseLr = num(learningRate, 'learningRate', owner);
    this.lastLr = this.baseLr;
    this.lastEpoch = num(lastEpoch, 'lastEpoch', owner, { integer: true, min: -1 });
  }

  /** Paddle calls step() once at construction; subclasses do so after setting their fields. */
  protected init(): void {
    this.step();
  }

  /** Advances one epoch (or jumps to `epoch`) and recomputes lastLr. */
  step(epoch?: number): void {
    if (epoch === undefined) {
      this.lastEpoch += 1;
      this.lastLr = this.getLr();
    } else {
      this.lastEpoch = num(epoch, 'epoch', this.constructor.name, { integer: true, min: 0 });
      this.lastLr = this.closedFormLr() ?? this.getLr();
    }
  }

  /** The rate for lastEpoch (from lastLr where the formula is recursive). */
  abstract getLr(): number;

  /** The rate for lastEpoch computed directly, for schedulers whose getLr is recursive. */
  protected closedFormLr(): number | undefined {
    return undefined;
  }

  /** The names of the fields stateDict() saves (Paddle's keys). */
  protected stateKeys(): Record<string, string> {
    return { last_epoch: 'lastEpoch', last_lr: 'lastLr' };
  }

  stateDict(): LRState {
    const out: LRState = {};
    const self = this as unknown as Record<string, number | null>;
    for (const [k, f] of Object.entries(this.stateKeys())) out[k] = self[f];
    return out;
  }

  setStateDict(sd: LRState): void {
    if (typeof sd !== 'object' || sd === null) throw new ArgumentError(`${this.constructor.name}.setStateDict: expected an object, received ${String(sd)}`);
    for (const [k, f] of Object.entries(this.stateKeys())) {
      if (!(k in sd)) throw new ArgumentError(`${this.constructor.name}.setStateDict: the state lacks '${k}'`);
      (this as unknown as Record<string, unknown>)[f] = sd[k];
    }
  }
}

export class StepDecay extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(o: { learningRate: number; stepSize: number; gamma?: number; lastEpoch?: number }) {
    super(o.learningRate, o.lastEpoch, 'StepDecay');
    this.stepSize = num(o.stepSize, 'stepSize', 'StepDecay', { integer: true, positive: true });
    this.gamma = num(o.gamma ?? 0.1, 'gamma', 'StepDecay', { below: 1 });
    this.init();
  }
  getLr(): number {
    return this.baseLr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize);
  }
}

export class MultiStepDecay extends LRScheduler {
  readonly milestones: number[];
  readonly gamma: number;
  constructor(o: { learningRate: number; milestones: number[]; gamma?: number; lastEpoch?: number }) {
    super(o.learningRate, o.lastEpoch, 'MultiStepDecay');
    if (!Array.isArray(o.milestones) || o.milestones.some((m, i) => !Number.isInteger(m) || (i > 0 && m <= o.milestones[i - 1]))) {
      throw new ArgumentError(`MultiStepDecay: milestones must be increasing integers, received ${JSON.stringify(o.milestones)}`);
    }
    this.milestones = [...o.milestones];
    this.gamma = num(o.gamma ?? 0.1, 'gamma', 'MultiStepDecay', { below: 1 });
    this.init();
  }
  getLr(): number {
    const i = this.milestones.findIndex((m) => this.lastEpoch < m);
    return this.baseLr * this.gamma ** (i < 0 ? this.milestones.length : i);
  }
}

export class PiecewiseDecay extends LRScheduler {
  readonly boundaries: number[];
  readonly values: number[];
  constructor(o: { boundaries: number[]; values: number[]; lastEpoch?: number }) {
    if (!Array.isArray(o.boundaries) || !Array.isArray(o.values) || o.values.length !== o.boundaries.length + 1) {
      throw new ArgumentError(`PiecewiseDecay: values must have one more entry than boundaries (received ${o.values?.length} and ${o.boundaries?.length})`);
    }
    o.values.forEach((v, i) => num(v, `values[${i}]`, 'PiecewiseDecay'));
    super(o.values[0], o.lastEpoch, 'PiecewiseDecay');
    this.boundaries = [...o.boundaries];
    this.values = [...o.values];
    this.init();
  }
  getLr(): number {
    const i = this.boundaries.findIndex((b) => this.lastEpoch < b);
    return this.values[i < 0 ? this.values.length - 1 : i];
  }
}

export class ExponentialDecay extends LRScheduler {
  readonly gamma: number;
  constructor(o: { learningRate: number; gamma: number; lastEpoch?: number }) {
    super(o.learningRate, o.lastEpoch, 'ExponentialDecay');
    this.gamma = num(o.gamma, 'gamma', 'ExponentialDecay', { positive: true });
    this.init();
  }
  getLr(): number {
    return this.baseLr * this.gamma ** this.lastEpoch;
  }
}

export class NaturalExpDecay extends LRScheduler {
  readonly gamma: number;
  constructor(o: { learningRate: number; gamma: number; lastEpoch?: number }) {
    super(o.learningRate, o.lastEpoch, 'NaturalExpDecay');
    this.gamma = num(o.gamma, 'gamma', 'NaturalExpDecay', { min: 0 });
    this.init();
  }
  getLr(): number {
    return this.baseLr * Math.exp(-this.gamma * this.lastEpoch);
  }
}

export class InverseTimeDecay extends LRScheduler {
  readonly gamma: number;
  constructor(o: { learningRate: number; gamma: number; lastEpoch?: number }) {
    super(o.learningRate, o.lastEpoch, 'InverseTimeDecay');
    this.gamma = num(o.gamma, 'gamma', 'InverseTimeDecay', { min: 0 });
    this.init();
  }
  getLr(): number {
    return this.baseLr / (1 + this.gamma * this.lastEpoch);
  }
}

export class PolynomialDecay extends LRScheduler {
  readonly decaySteps: number;
  readonly endLr: number;
  readonly power: number;
  readonly cycle: boolean;
  constructor(o: { learningRate: number; decaySteps: number; endLr?: number; power?: number; cycle?: boolean; lastEpoch?: number }) {
    super(o.learningRate, o.lastEpoch, 'PolynomialDecay');
    this.decaySteps = num(o.decaySteps, 'decaySteps', 'PolynomialDecay', { integer: true, positive: true });
    this.endLr = num(o.endLr ?? 0.0001, 'endLr', 'PolynomialDecay');
    this.power = num(o.power ?? 1.0, 'power', 'PolynomialDecay', { positive: true });
    this.cycle = o.cycle ?? false;
    this.init();
  }
  getLr(): number {
    let epoch = this.lastEpoch;
    let steps = this.decaySteps;
    if (this.cycle) {
      const div = this.lastEpoch === 0 ? 1 : Math.ceil(this.lastEpoch / this.decaySteps);
      steps = this.decaySteps * div;
    } else epoch = Math.min(this.lastEpoch, this.decaySteps);
    return (this.baseLr - this.endLr) * (1 - epoch / steps) ** this.power + this.endLr;
  }
}

export class CosineAnnealingDecay extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(o: { learningRate: number; tMax: number; etaMin?: number; lastEpoch?: number }) {
    super(o.learningRate, o.lastEpoch, 'CosineAnnealingDecay');
    this.tMax = num(o.tMax, 'tMax', 'CosineAnnealingDecay', { integer: true, positive: true });
    this.etaMin = num(o.etaMin ?? 0, 'etaMin', 'CosineAnnealingDecay');
    this.init();
  }
  /** Paddle's recursive form (it follows lastLr, so it composes with ReduceOnPlateau-style edits). */
  getLr(): number {
    const t = this.lastEpoch;
    const T = this.tMax;
    if (t === 0) return this.baseLr;
    if (pymod(t - 1 - T, 2 * T) === 0) return this.lastLr + ((this.baseLr - this.etaMin) * (1 - Math.cos(Math.PI / T))) / 2;
    return ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (this.lastLr - this.etaMin) + this.etaMin;
  }
  protected override closedFormLr(): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2;
  }
}

export class LinearWarmup extends LRScheduler {
  readonly learningRate: number | LRScheduler;
  readonly warmupSteps: number;
  readonly startLr: number;
  readonly endLr: number;
  constructor(o: { learningRate: number | LRScheduler; warmupSteps: number; startLr: number; endLr: number; lastEpoch?: number }) {
    super(o.startLr, o.lastEpoch, 'LinearWarmup');
    if (!(o.learningRate instanceof LRScheduler)) num(o.learningRate, 'learningRate', 'LinearWarmup');
    this.learningRate = o.learningRate;
    this.warmupSteps = num(o.warmupSteps, 'warmupSteps', 'LinearWarmup', { integer: true, positive: true });
    this.startLr = num(o.startLr, 'startLr', 'LinearWarmup');
    this.endLr = num(o.endLr, 'endLr', 'LinearWarmup');
    if (!(this.endLr > this.startLr)) throw new ArgumentError(`LinearWarmup: endLr (${this.endLr}) must be greater than startLr (${this.startLr})`);
    this.init();
  }
  getLr(): number {
    if (this.lastEpoch < this.warmupSteps) return ((this.endLr - this.startLr) * this.lastEpoch) / this.warmupSteps + this.startLr;
    if (this.learningRate instanceof LRScheduler) {
      this.learningRate.step(this.lastEpoch - this.warmupSteps);
      return this.learningRate.lastLr;
    }
    return this.learningRate;
  }
  override stateDict(): LRState {
    const sd = super.stateDict();
    if (this.learningRate instanceof LRScheduler) sd.LinearWarmup_LR = this.learningRate.stateDict();
    return sd;
  }
  override setStateDict(sd: LRState): void {
    super.setStateDict(sd);
    if (this.learningRate instanceof LRScheduler) {
      const inner = sd.LinearWarmup_LR;
      if (typeof inner !== 'object' || inner === null) throw new ArgumentError("LinearWarmup.setStateDict: the state lacks 'LinearWarmup_LR' (the wrapped scheduler's state)");
      this.learningRate.setStateDict(inner);
    }
  }
}

export class NoamDecay extends LRScheduler {
  readonly dModel: number;
  readonly warmupSteps: number;
  constructor(o: { dModel: number; warmupSteps: number; learningRate?: number; lastEpoch?: number }) {
    super(o.learningRate ?? 1.0, o.lastEpoch, 'NoamDecay');
    this.dModel = num(o.dModel, 'dModel', 'NoamDecay', { positive: true });
    this.warmupSteps = num(o.warmupSteps, 'warmupSteps', 'NoamDecay', { positive: true });
    this.init();
  }
  getLr(): number {
    const a = this.lastEpoch === 0 ? 1 : this.lastEpoch ** -0.5;
    const b = this.warmupSteps ** -1.5 * this.lastEpoch;
    return this.baseLr * this.dModel ** -0.5 * Math.min(a, b);
  }
}

export class LambdaDecay extends LRScheduler {
  readonly lrLambda: (epoch: number) => number;
  constructor(o: { learningRate: number; lrLambda: (epoch: number) => number; lastEpoch?: number }) {
    super(o.learningRate, o.lastEpoch, 'LambdaDecay');
    if (typeof o.lrLambda !== 'function') throw new ArgumentError(`LambdaDecay: lrLambda must be a function, received ${typeof o.lrLambda}`);
    this.lrLambda = o.lrLambda;
    this.init();
  }
  getLr(): number {
    return this.baseLr * this.lrLambda(this.lastEpoch);
  }
}

export class MultiplicativeDecay extends LRScheduler {
  readonly lrLambda: (epoch: number) => number;
  constructor(o: { learningRate: number; lrLambda: (epoch: number) => number; lastEpoch?: number }) {
    super(o.learningRate, o.lastEpoch, 'MultiplicativeDecay');
    if (typeof o.lrLambda !== 'function') throw new ArgumentError(`MultiplicativeDecay: lrLambda must be a function, received ${typeof o.lrLambda}`);
    this.lrLambda = o.lrLambda;
    this.init();
  }
  /** baseLr · Π_{e=1..lastEpoch} lrLambda(e) */
  getLr(): number {
    let lr = this.baseLr;
    for (let e = 1; e <= this.lastEpoch; e++) lr *= this.lrLambda(e);
    return lr;
  }
}

/** Lowers the rate by `factor` when a metric stops improving for `patience` steps; step(metric). */
export class ReduceOnPlateau extends LRScheduler {
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly epsilon: number;
  cooldownCounter = 0;
  best: number | null = null;
  numBadEpochs = 0;

  constructor(o: {
    learningRate: number;
    mode?: 'min' | 'max';
    factor?: number;
    patience?: number;
    threshold?: number;
    thresholdMode?: 'rel' | 'abs';
    cooldown?: number;
    minLr?: number;
    epsilon?: number;
  }) {
    super(o.learningRate, 0, 'ReduceOnPlateau');
    const mode = o.mode ?? 'min';
    if (mode !== 'min' && mode !== 'max') throw new ArgumentError(`ReduceOnPlateau: mode must be 'min' or 'max', received ${JSON.stringify(mode)}`);
    const tm = o.thresholdMode ?? 'rel';
    if (tm !== 'rel' && tm !== 'abs') throw new ArgumentError(`ReduceOnPlateau: thresholdMode must be 'rel' or 'abs', received ${JSON.stringify(tm)}`);
    this.mode = mode;
    this.thresholdMode = tm;
    this.factor = num(o.factor ?? 0.1, 'factor', 'ReduceOnPlateau', { below: 1 });
    this.patience = num(o.patience ?? 10, 'patience', 'ReduceOnPlateau', { integer: true, min: 0 });
    this.threshold = num(o.threshold ?? 1e-4, 'threshold', 'ReduceOnPlateau', { min: 0 });
    this.cooldown = num(o.cooldown ?? 0, 'cooldown', 'ReduceOnPlateau', { integer: true, min: 0 });
    this.minLr = num(o.minLr ?? 0, 'minLr', 'ReduceOnPlateau', { min: 0 });
    this.epsilon = num(o.epsilon ?? 1e-8, 'epsilon', 'ReduceOnPlateau', { min: 0 });
  }

  getLr(): number {
    return this.lastLr;
  }

  /** Records the metric of the epoch that ended (a number, as Paddle's loss value). */
  override step(metric?: number, epoch?: number): void {
    if (typeof metric !== 'number' || Number.isNaN(metric)) throw new ArgumentError(`ReduceOnPlateau.step: metric must be a number, received ${String(metric)}`);
    this.lastEpoch = epoch === undefined ? this.lastEpoch + 1 : epoch;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      return;
    }
    if (this.best === null || this.isBetter(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else this.numBadEpochs += 1;
    if (this.numBadEpochs > this.patience) {
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
      const next = Math.max(this.lastLr * this.factor, this.minLr);
      if (this.lastLr - next > this.epsilon) this.lastLr = next;
    }
  }

  private isBetter(current: number, best: number): boolean {
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? current < best - best * this.threshold : current < best - this.threshold;
    return this.thresholdMode === 'rel' ? current > best + best * this.threshold : current > best + this.threshold;
  }

  protected override stateKeys(): Record<string, string> {
    return { cooldown_counter: 'cooldownCounter', best: 'best', num_bad_epochs: 'numBadEpochs', last_epoch: 'lastEpoch', last_lr: 'lastLr' };
  }
}

/** One cycle: up from maxLearningRate/divideFactor to the maximum, then down to endLearningRate. */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private readonly startSteps: number[];
  private readonly stepSizes: number[];
  private readonly lrConfig: number[];
  private readonly anneal: (start: number, end: number, pct: number) => number;

  constructor(o: {
    maxLearningRate: number;
    totalSteps: number;
    divideFactor?: number;
    endLearningRate?: number;
    phasePct?: number;
    annealStrategy?: 'cos' | 'linear';
    threePhase?: boolean;
    lastEpoch?: number;
  }) {
    const owner = 'OneCycleLR';
    const maxLr = num(o.maxLearningRate, 'maxLearningRate', owner, { positive: true });
    const total = num(o.totalSteps, 'totalSteps', owner, { integer: true, positive: true });
    const divide = num(o.divideFactor ?? 25, 'divideFactor', owner, { positive: true });
    const endLr = num(o.endLearningRate ?? 0.0001, 'endLearningRate', owner, { min: 0 });
    const pct = num(o.phasePct ?? 0.3, 'phasePct', owner, { min: 0, below: 1 });
    const strategy = o.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') throw new ArgumentError(`${owner}: annealStrategy must be 'cos' or 'linear', received ${JSON.stringify(strategy)}`);
    const initial = maxLr / divide;
    super(initial, o.lastEpoch, owner);
    this.totalSteps = total;
    if (o.threePhase) {
      this.startSteps = [0, pct * total - 1, 2 * pct * total - 2, total - 1];
      const s = this.startSteps;
      this.stepSizes = [s[1] - s[0], s[2] - s[1], s[3] - s[2], s[3] - s[2]];
      this.lrConfig = [initial, maxLr, initial, endLr];
    } else {
      this.startSteps = [0, pct * total - 1, total - 1];
      const s = this.startSteps;
      this.stepSizes = [s[1] - s[0], s[2] - s[1], s[2] - s[1]];
      this.lrConfig = [initial, maxLr, endLr];
    }
    this.anneal =
      strategy === 'cos'
        ? (start, end, p) => end + ((start - end) / 2) * (Math.cos(Math.PI * p) + 1)
        : (start, end, p) => (end - start) * p + start;
    this.init();
  }

  getLr(): number {
    const step = this.lastEpoch;
    if (step > this.totalSteps) throw new ArgumentError(`OneCycleLR: stepped ${step} times, but totalSteps is ${this.totalSteps}`);
    for (let i = 0; i < this.startSteps.length - 1; i++) {
      if (step <= this.startSteps[i + 1] || i === this.lrConfig.length - 2) {
        return this.anneal(this.lrConfig[i], this.lrConfig[i + 1], (step - this.startSteps[i]) / this.stepSizes[i]);
      }
    }
    return this.lrConfig[this.lrConfig.length - 1];
  }
}
