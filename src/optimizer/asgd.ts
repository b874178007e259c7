/**
 * The ASGD optimizer (SPEC §1): minimize() appends the backward pass, gradient clipping, weight
 * decay and, per parameter, the update, with the gradient history in persistable variables:
 * d (the running sum), y ([batchNum, ...shape], one stored gradient per slot) and m (steps taken).
 *
 * Per parameter, in Paddle's ops (role optimize), with i and n computed at run time from m:
 *   i = m mod N;  y_i = y[i];  m = m + 1;  n = min(m, N)
 *   [weightDecay λ: x = x − (lr·λ)·x]
 *   asgd(param, grad, lr, d, y_i, n) → param, d, y_i      (d = d − y_i + g; y_i = g; x −= lr/n · d)
 *   y[i] = y_i
 * The decay term uses x before the update and stays out of d and y, so this is the seed formula
 * x = x − lr·(d/n + λ·x).
 */
import type { Block } from '../program/block';
import { appendSimple, EAGER, Target } from '../program/builder';
import { EagerParameter } from '../eager/parameter';
import { eagerUpdate } from './asgd-eager';
import type { DType } from '../program/dtype';
import { isHalf } from '../program/dtype';
import { ArgumentError, ProgramError } from '../program/errors';
import { OpRole } from '../program/op-role';
import type { Operator } from '../program/operator';
import { Program, defaultStartupProgram } from '../program/program';
import { generate } from '../program/unique-name';
import { Parameter, Regularizer, Variable } from '../program/variable';
import { appendBackward } from '../program/autodiff';
import { Scope, globalScope } from '../executor/scope';
import { Tensor } from '../executor/tensor';
import { ClipGradBase, ClipGradByGlobalNorm, ClipGradByNorm, ClipGradByValue, ParamGrad } from './clip';
import type { ChainParam, ClipSpec } from '../program/optimizer-chain';
import { LRScheduler, LRState } from './lr';
import { appendRegularization, isRegularizer, L1Decay, L2Decay } from './regularizer';

export type WeightDecay = number | L1Decay | L2Decay | null;

export interface ParamGroup {
  params: (Parameter | EagerParameter)[];
  /** Multiplies the optimizer's learning rate for these parameters. */
  learningRate?: number;
  weightDecay?: WeightDecay;
  gradClip?: ClipGradBase | null;
}

export interface ASGDOptions {
  learningRate?: number | LRScheduler;
  batchNum?: number;
  parameters?: (Parameter | EagerParameter)[] | ParamGroup[];
  weightDecay?: WeightDecay;
  gradClip?: ClipGradBase | null;
  multiPrecision?: boolean;
  name?: string;
}

interface Group {
  /** The group's parameters, by object (eager parameters of separately built models may share a name). */
  members: Set<object>;
  /** Their names, for static parameters met through a clone of the program. */
  params: Set<string>;
  learningRate: number;
  weightDecay: WeightDecay | undefined;
  gradClip: ClipGradBase | null | undefined;
}

interface State {
  d: string;
  y: string;
  m: string;
  master?: string;
}

let warnedHalf = false;

function describe(x: unknown): string {
  if (x instanceof Variable) return `${x.constructor.name} '${x.name}'`;
  if (x === null) return 'null';
  return typeof x === 'object' ? (x as object).constructor?.name ?? 'an object' : `${typeof x} ${String(x)}`;
}

function checkDecay(v: unknown, where: string): WeightDecay | undefined {
  if (v === undefined || v === null) return v as null | undefined;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new ArgumentError(`${where}: weightDecay must be a number >= 0, an L1Decay or an L2Decay, received ${v}`);
    return v;
  }
  if (isRegularizer(v)) return v as L1Decay | L2Decay;
  throw new ArgumentError(`${where}: weightDecay must be a number >= 0, an L1Decay or an L2Decay, received ${describe(v)}`);
}

function checkClip(v: unknown, where: string): ClipGradBase | null | undefined {
  if (v === undefined || v === null || v instanceof ClipGradBase) return v as ClipGradBase | null | undefined;
  throw new ArgumentError(`${where}: gradClip must be a ClipGradByValue, ClipGradByNorm or ClipGradByGlobalNorm, received ${describe(v)}`);
}

export class ASGD {
  private lr: number | LRScheduler;
  private lrWasSet = false;
  readonly batchNum: number;
  readonly weightDecay: WeightDecay;
  readonly gradClip: ClipGradBase | null;
  readonly multiPrecision: boolean;
  readonly name: string | undefined;
  private readonly groups: Group[] | undefined;
  private readonly parameterList: (Parameter | EagerParameter)[] | undefined;
  private readonly eagerState = new Map<EagerParameter, { d: Tensor; y: Tensor; m: Tensor; master?: Tensor; names: State }>();
  private readonly states = new Map<string, State>();
  private lrVar: string | undefined;

  constructor(o: ASGDOptions = {}) {
    if (typeof o !== 'object' || o === null) throw new ArgumentError(`ASGD: expected an options object, received ${describe(o)}`);
    if ('learningRate' in o && (o.learningRate === undefined || o.learningRate === null)) {
      throw new ArgumentError(`ASGD: learningRate must be a number or an LRScheduler, received ${o.learningRate}`);
    }
    const lr = o.learningRate ?? 0.001;
    if (!(lr instanceof LRScheduler) && !(typeof lr === 'number' && Number.isFinite(lr) && lr >= 0)) {
      throw new ArgumentError(`ASGD: learningRate must be a number >= 0 or an LRScheduler, received ${describe(lr)}`);
    }
    this.lr = lr;
    if ('batchNum' in o && (o.batchNum === undefined || o.batchNum === null)) throw new ArgumentError(`ASGD: batchNum must be a positive integer, received ${o.batchNum}`);
    const n = o.batchNum ?? 1;
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) throw new ArgumentError(`ASGD: batchNum must be a positive integer, received ${describe(n)}`);
    this.batchNum = n;
    this.weightDecay = checkDecay(o.weightDecay, 'ASGD') ?? null;
    this.gradClip = checkClip(o.gradClip, 'ASGD') ?? null;
    this.multiPrecision = o.multiPrecision ?? false;
    if (o.name !== undefined && (typeof o.name !== 'string' || o.name === '')) throw new ArgumentError(`ASGD: name must be a non-empty string, received ${describe(o.name)}`);
    this.name = o.name;
    if (o.parameters !== undefined && o.parameters !== null) {
      if (!Array.isArray(o.parameters)) throw new ArgumentError(`ASGD: parameters must be a list of parameters or of parameter groups, received ${describe(o.parameters)}`);
      const seen = new Map<object, number>();
      const asGroups = o.parameters.length > 0 && o.parameters.every((g) => typeof g === 'object' && g !== null && !(g instanceof Variable) && !(g instanceof Tensor) && 'params' in g);
      const raw: ParamGroup[] = asGroups ? (o.parameters as ParamGroup[]) : [{ params: o.parameters as (Parameter | EagerParameter)[] }];
      this.groups = raw.map((g, gi) => {
        const where = asGroups ? `ASGD: parameters[${gi}]` : 'ASGD';
        if (!Array.isArray(g.params)) throw new ArgumentError(`${where}.params must be a list of parameters, received ${describe(g.params)}`);
        const names = new Set<string>();
        const members = new Set<object>();
        g.params.forEach((p, i) => {
          if (!(p instanceof Parameter) && !(p instanceof EagerParameter)) throw new ArgumentError(`${asGroups ? `${where}.params` : 'ASGD: parameters'}[${i}] is not a Parameter (received ${describe(p)})`);
          const before = seen.get(p);
          if (before !== undefined) throw new ArgumentError(`ASGD: parameter '${p.name}' is in two parameter groups (${before} and ${gi})`);
          seen.set(p, gi);
          names.add(p.name);
          members.add(p);
        });
        const mult = g.learningRate ?? 1;
        if (typeof mult !== 'number' || !Number.isFinite(mult) || mult < 0) throw new ArgumentError(`${where}.learningRate must be a number >= 0, received ${describe(mult)}`);
        return { members, params: names, learningRate: mult, weightDecay: checkDecay(g.weightDecay, where), gradClip: checkClip(g.gradClip, where) };
      });
      this.parameterList = raw.flatMap((g) => g.params);
    }
  }

  /** The current learning rate (the scheduler's lastLr with a scheduler). */
  getLr(): number {
    return this.lr instanceof LRScheduler ? this.lr.lastLr : this.lr;
  }

  /** Sets a constant learning rate; the next run of the program uses it. */
  setLr(value: number): void {
    if (this.lr instanceof LRScheduler) throw new ProgramError('ASGD.setLr: the learning rate is an LRScheduler; call its step() instead');
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new ArgumentError(`ASGD.setLr: value must be a number >= 0, received ${describe(value)}`);
    this.lr = value;
    this.lrWasSet = true;
  }

  /** The eager parameters; errors say what to do in a static program or without a list. */
  private eagerParams(fn: string): EagerParameter[] {
    if (!this.parameterList) {
      throw new ArgumentError(
        `ASGD.${fn}: eager mode needs the parameters to update: new ASGD({ parameters: layer.parameters(), ... }); for a static program, call minimize(loss) and run the program with an Executor`,
      );
    }
    if (this.parameterList.some((p) => p instanceof Parameter)) {
      throw new ProgramError(
        fn === 'step()'
          ? 'ASGD.step() works on eager tensors; for a static program, call minimize(loss) and run the program with an Executor'
          : `ASGD.${fn} works on eager tensors; a static program recomputes its gradients on every run`,
      );
    }
    return this.parameterList as EagerParameter[];
  }

  /** Eager mode: one ASGD step for every parameter that has a gradient (its m advances only then). */
  step(): void {
    const params = this.eagerParams('step()');
    const pairs: ParamGrad[] = params
      .filter((p) => p.trainable && p.grad)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((p) => [p, p.grad!]);
    if (pairs.length === 0) return;
    if (!warnedHalf && !this.multiPrecision && pairs.some(([p]) => isHalf(p.dtype))) {
      warnedHalf = true;
      process.emitWarning('ASGD: float16/bfloat16 parameters update in their own precision; pass multiPrecision: true to keep float32 master weights', 'SagraphWarning');
    }
    // the same ops, in the same order, as the static program's chain (and so the same numbers)
    const clipped = this.clip(EAGER, pairs) as [EagerParameter, Tensor][];
    const lr = Tensor.from([this.getLr()], { dtype: 'float32' });
    for (const [p, g] of clipped) {
      const group = this.groupOf(p);
      const reg: Regularizer | null = p.regularizer ?? this.regularizerOf(group);
      const grad = reg ? appendRegularization(EAGER, p, g, reg) : g;
      const lambda = p.regularizer ? 0 : this.floatDecayOf(group);
      eagerUpdate(this.eagerStateOf(p), p, grad, lr, lambda, (group?.learningRate ?? 1) * p.optimizeAttr.learningRate, this.batchNum);
    }
  }

  /** Eager mode: zeroes the parameters' gradients (setToZero, the default) or releases them. */
  clearGrad(setToZero = true): void {
    for (const p of this.eagerParams('clearGrad()')) p.clearGradient(setToZero);
  }

  private eagerStateOf(p: EagerParameter): { d: Tensor; y: Tensor; m: Tensor; master?: Tensor; names: State } {
    let st = this.eagerState.get(p);
    if (!st) {
      const useMaster = this.multiPrecision && isHalf(p.dtype);
      const dtype: DType = useMaster ? 'float32' : p.dtype;
      const names: State = { d: this.stateName(p, 'd'), y: this.stateName(p, 'y'), m: this.stateName(p, 'm') };
      const master = useMaster ? p.cast('float32') : undefined;
      if (master) names.master = generate(`${p.name}_fp32_master`);
      st = { d: Tensor.zeros(dtype, p.shape), y: Tensor.zeros(dtype, [this.batchNum, ...p.shape]), m: Tensor.zeros('int64', [1]), master, names };
      this.eagerState.set(p, st);
      this.states.set(p.name, names);
    }
    return st;
  }

  private groupOf(p: { name: string }): Group | undefined {
    return this.groups?.find((g) => g.members.has(p)) ?? this.groups?.find((g) => g.params.has(p.name));
  }

  /**
   * Appends the backward pass and the optimizer's ops to the loss's program, and the state's
   * initialisers to the startup program. Returns [the ops appended for the update (clipping and
   * decay included), the (param, grad) pairs sorted by name].
   */
  minimize(
    loss: Variable | Tensor,
    o: { startupProgram?: Program; parameters?: (Parameter | string)[]; noGradSet?: Set<string | Variable> } = {},
  ): [Operator[], [Parameter, Variable][]] {
    if (loss instanceof Tensor) {
      // eager: Paddle's dygraph minimize uses the gradients backward() left
      const params = this.eagerParams('minimize()');
      const pairs = params.filter((p) => p.trainable && p.grad).map((p) => [p, p.grad!]);
      this.step();
      return [[], pairs as unknown as [Parameter, Variable][]];
    }
    if (!(loss instanceof Variable)) throw new ArgumentError(`ASGD.minimize: loss must be a Variable or an eager Tensor, received ${describe(loss)}`);
    const startup = o.startupProgram ?? defaultStartupProgram();
    if (!(startup instanceof Program)) throw new ArgumentError(`ASGD.minimize: startupProgram must be a Program, received ${describe(startup)}`);
    const block = loss.block;
    const main = block.program;
    if (startup === main) throw new ArgumentError('ASGD.minimize: the startup program must differ from the loss\'s program');
    if (this.parameterList?.some((p) => p instanceof EagerParameter)) throw new ArgumentError('ASGD.minimize: the optimizer holds eager parameters but the loss is a static Variable');
    const pairs = appendBackward(loss, { parameterList: o.parameters ?? (this.parameterList as Parameter[] | undefined), noGradSet: o.noGradSet });
    pairs.sort(([a], [b]) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (this.groups) {
      const outside = pairs.filter(([p]) => !this.groupOf(p));
      if (outside.length) throw new ArgumentError(`ASGD.minimize: parameter '${outside[0][0].name}' is not in the optimizer's parameters`);
    }
    if (!warnedHalf && !this.multiPrecision && pairs.some(([p]) => isHalf(p.dtype))) {
      warnedHalf = true;
      process.emitWarning('ASGD: float16/bfloat16 parameters update in their own precision; pass multiPrecision: true to keep float32 master weights', 'SagraphWarning');
    }
    return [this.applyGradients(pairs, { startupProgram: startup }), pairs];
  }

  /**
   * Appends clipping, decay and the update for the given (param, grad) pairs of one program
   * (Paddle's apply_gradients) and returns the ops appended.
   */
  applyGradients(pairs: [Parameter, Variable][], o: { startupProgram?: Program } = {}): Operator[] {
    if (!Array.isArray(pairs) || pairs.length === 0) throw new ArgumentError('ASGD.applyGradients: expected a non-empty list of [parameter, gradient] pairs');
    const block = pairs[0][0].block;
    const main = block.program;
    const startup = o.startupProgram ?? defaultStartupProgram();
    for (const [p, g] of pairs) {
      if (!(p instanceof Parameter) || !(g instanceof Variable) || p.block !== block || g.block !== block) {
        throw new ArgumentError(`ASGD.applyGradients: each pair must be [Parameter, Variable] of one program (got ${describe(p)}, ${describe(g)})`);
      }
    }
    const first = block.ops.length;
    const chainParams: ChainParam[] = [];
    main.roleGuard(OpRole.Optimize, () => {
      const clipped = this.clip(block, pairs) as [Parameter, Variable][];
      const lrVar = this.learningRateVar(block, startup.globalBlock());
      const consts = new Map<string, Variable>();
      const constant = (value: number): Variable => {
        const key = String(value);
        let v = consts.get(key);
        if (!v) {
          v = appendSimple(block, 'fill_constant', {}, { shape: [1], dtype: 'int64', value });
          consts.set(key, v);
        }
        return v;
      };
      clipped.forEach(([p, g], k) => {
        const group = this.groupOf(p);
        const reg: Regularizer | null = p.regularizer ?? this.regularizerOf(group);
        const grad = reg ? appendRegularization(block, p, g, reg) : g;
        const lambda = p.regularizer ? 0 : this.floatDecayOf(group);
        const lrMult = (group?.learningRate ?? 1) * p.optimizeAttr.learningRate;
        const st = this.appendUpdate(block, startup.globalBlock(), p, grad, lrVar, lambda, lrMult, constant);
        chainParams.push({
          param: p.name,
          grad: pairs[k][1].name,
          ...st,
          lrMult,
          lambda,
          reg: reg ? { kind: reg.kind, coeff: reg.coeff } : null,
          clipped: p.needClip && this.clipOf(p) !== null,
        });
      });
    });
    main.lrSources.set(this.lrVar!, () => (this.lr instanceof LRScheduler ? this.lr.lastLr : this.lrWasSet ? this.lr : undefined));
    const ops = block.ops.slice(first);
    main.optimizerChains.push({
      start: first,
      opTypes: ops.map((op) => op.type),
      optimizer: 'asgd',
      batchNum: this.batchNum,
      learningRate: this.lrVar!,
      multiPrecision: this.multiPrecision,
      clip: this.clipSpec(pairs.map(([p]) => p)),
      params: chainParams,
    });
    return ops;
  }

  private clipOf(p: { name: string }): ClipGradBase | null {
    const g = this.groupOf(p);
    return g && g.gradClip !== undefined ? g.gradClip : this.gradClip;
  }

  /** The one clip every parameter uses, as data; 'mixed' when groups differ. */
  private clipSpec(params: Parameter[]): ClipSpec {
    const clips = new Set(params.map((p) => this.clipOf(p)));
    if (clips.size > 1) return { kind: 'mixed' };
    const c = [...clips][0] ?? null;
    if (c instanceof ClipGradByValue) return { kind: 'value', min: c.min, max: c.max };
    if (c instanceof ClipGradByNorm) return { kind: 'norm', clipNorm: c.clipNorm };
    if (c instanceof ClipGradByGlobalNorm) return { kind: 'global', clipNorm: c.clipNorm };
    return c ? { kind: 'mixed' } : { kind: 'none' };
  }

  private clip(block: Target, pairs: ParamGrad[]): ParamGrad[] {
    if (!this.groups) return this.gradClip ? this.gradClip.append(block, pairs) : pairs;
    const out = new Map<object, ParamGrad>();
    this.groups.forEach((g) => {
      const mine = pairs.filter(([p]) => this.groupOf(p) === g);
      const clip = g.gradClip === undefined ? this.gradClip : g.gradClip;
      for (const pg of clip && mine.length ? clip.append(block, mine) : mine) out.set(pg[0], pg);
    });
    return pairs.map(([p]) => out.get(p)!);
  }

  private decayOf(group: Group | undefined): WeightDecay {
    return group && group.weightDecay !== undefined ? group.weightDecay : this.weightDecay;
  }

  private regularizerOf(group: Group | undefined): Regularizer | null {
    const d = this.decayOf(group);
    return d !== null && typeof d === 'object' ? d : null;
  }

  private floatDecayOf(group: Group | undefined): number {
    const d = this.decayOf(group);
    return typeof d === 'number' ? d : 0;
  }

  /** The persistable learning-rate variable (float32 [1]), made once per program. */
  private learningRateVar(block: Block, startup: Block): Variable {
    if (this.lrVar && block.hasVar(this.lrVar)) return block.var(this.lrVar);
    const name = generate('learning_rate');
    const v = block.createVar({ name, shape: [1], dtype: 'float32', persistable: true, stopGradient: true });
    startup.createVar({ name, shape: [1], dtype: 'float32', persistable: true });
    startup.appendOp({ type: 'fill_constant', outputs: { Out: name }, attrs: { shape: [1], dtype: 'float32', value: this.getLr() } });
    this.lrVar = name;
    return v;
  }

  private stateName(p: { name: string }, what: string): string {
    return generate(this.name ? `${p.name}_${this.name}_${what}` : `${p.name}_${what}`);
  }

  /** A persistable state variable in main and startup, filled with `value` by the startup program. */
  private createState(block: Block, startup: Block, name: string, shape: number[], dtype: DType, value: number): Variable {
    const v = block.createVar({ name, shape, dtype, persistable: true, stopGradient: true });
    startup.createVar({ name, shape, dtype, persistable: true });
    startup.appendOp({ type: 'fill_constant', outputs: { Out: name }, attrs: { shape, dtype, value } });
    return v;
  }

  private appendUpdate(
    block: Block,
    startup: Block,
    p: Parameter,
    grad: Variable,
    lrVar: Variable,
    lambda: number,
    lrMult: number,
    constant: (v: number) => Variable,
  ): Omit<ChainParam, 'param' | 'grad' | 'lrMult' | 'lambda' | 'reg' | 'clipped'> {
    const shape = p.shape;
    const useMaster = this.multiPrecision && isHalf(p.dtype);
    const dtype: DType = useMaster ? 'float32' : p.dtype;
    let master: Variable | undefined;
    if (useMaster) {
      const name = generate(`${p.name}_fp32_master`);
      master = block.createVar({ name, shape, dtype: 'float32', persistable: true, stopGradient: true });
      startup.createVar({ name, shape, dtype: 'float32', persistable: true });
      startup.appendOp({ type: 'cast', inputs: { X: p.name }, outputs: { Out: name }, attrs: { in_dtype: p.dtype, out_dtype: 'float32' } });
    }
    const d = this.createState(block, startup, this.stateName(p, 'd'), shape, dtype, 0);
    const y = this.createState(block, startup, this.stateName(p, 'y'), [this.batchNum, ...shape], dtype, 0);
    const m = this.createState(block, startup, this.stateName(p, 'm'), [1], 'int64', 0);
    this.states.set(p.name, { d: d.name, y: y.name, m: m.name, master: master?.name });

    let lr = lrVar;
    if (lr.dtype !== dtype) lr = appendSimple(block, 'cast', { X: lr }, { in_dtype: lr.dtype, out_dtype: dtype });
    if (lrMult !== 1) lr = appendSimple(block, 'scale', { X: lr }, { scale: lrMult });

    const N = constant(this.batchNum);
    const i = appendSimple(block, 'elementwise_mod', { X: m, Y: N });
    const rowOfY = appendSimple(block, 'gather', { X: y, Index: i });
    const yi = appendSimple(block, 'reshape2', { X: rowOfY }, { shape });
    block.appendOp({ type: 'elementwise_add', inputs: { X: m, Y: constant(1) }, outputs: { Out: m } });
    const count = appendSimple(block, 'elementwise_min', { X: m, Y: N });
    const n = appendSimple(block, 'cast', { X: count }, { in_dtype: 'int64', out_dtype: dtype });
    const x = master ?? p;
    if (lambda !== 0) {
      const lrLambda = appendSimple(block, 'scale', { X: lr }, { scale: lambda });
      const decay = appendSimple(block, 'elementwise_mul', { X: x, Y: lrLambda });
      block.appendOp({ type: 'elementwise_sub', inputs: { X: x, Y: decay }, outputs: { Out: x } });
    }
    const inputs: Record<string, Variable> = { param: p, grad, learning_rate: lr, d, y: yi, n };
    const outputs: Record<string, Variable> = { param_out: p, d_out: d, y_out: yi };
    if (master) {
      inputs.master_param = master;
      outputs.master_param_out = master;
    }
    block.appendOp({ type: 'asgd', inputs, outputs, attrs: { multi_precision: useMaster } });
    const back = appendSimple(block, 'reshape2', { X: yi }, { shape: [1, ...shape] });
    block.appendOp({ type: 'scatter', inputs: { X: y, Ids: i, Updates: back }, outputs: { Out: y }, attrs: { overwrite: true } });
    return { d: d.name, y: y.name, m: m.name, master: master?.name };
  }

  private setEagerState(sd: Record<string, Tensor | LRState>): void {
    const params = this.eagerParams('setStateDict()');
    const byName = new Map<string, [EagerParameter, keyof State]>();
    for (const p of params) {
      if (!p.trainable) continue;
      const st = this.eagerStateOf(p);
      for (const k of ['d', 'y', 'm', 'master'] as const) if (st.names[k]) byName.set(st.names[k]!, [p, k]);
    }
    for (const [k, v] of Object.entries(sd)) {
      if (k === 'LR_Scheduler') {
        if (!(this.lr instanceof LRScheduler)) throw new ArgumentError('ASGD.setStateDict: the state holds LR_Scheduler but this optimizer has a constant learning rate');
        this.lr.setStateDict(v as LRState);
        continue;
      }
      const hit = byName.get(k);
      if (!hit) throw new ArgumentError(`ASGD.setStateDict: '${k}' is not a state tensor of this optimizer (expected one of ${[...byName.keys()].join(', ')})`);
      if (!(v instanceof Tensor)) throw new ArgumentError(`ASGD.setStateDict: '${k}' must be a Tensor, received ${describe(v)}`);
      const st = this.eagerState.get(hit[0])!;
      const target = st[hit[1] as 'd' | 'y' | 'm' | 'master']!;
      if (target.dtype !== v.dtype || target.shape.join(',') !== v.shape.join(',')) {
        throw new ArgumentError(`ASGD.setStateDict: '${k}' is ${v.dtype}[${v.shape}], expected ${target.dtype}[${target.shape}]`);
      }
      (target.data as Float64Array).set(v.data as Float64Array);
    }
  }

  /** The names of the state variables of each parameter minimize() handled. */
  stateNames(): Record<string, State> {
    return Object.fromEntries(this.states);
  }

  /**
   * The optimizer's state from `scope` (default: the global scope): d, y, m and master weights by
   * variable name, the learning-rate variable, and the scheduler's state as LR_Scheduler.
   */
  stateDict(scope: Scope = globalScope()): Record<string, Tensor | LRState> {
    const out: Record<string, Tensor | LRState> = {};
    for (const st of this.eagerState.values()) {
      out[st.names.d] = st.d.clone();
      out[st.names.y] = st.y.clone();
      out[st.names.m] = st.m.clone();
      if (st.master && st.names.master) out[st.names.master] = st.master.clone();
    }
    if (this.eagerState.size) {
      if (this.lr instanceof LRScheduler) out.LR_Scheduler = this.lr.stateDict();
      return out;
    }
    const names = [...this.states.values()].flatMap((s) => [s.d, s.y, s.m, ...(s.master ? [s.master] : [])]);
    if (this.lrVar) names.push(this.lrVar);
    for (const n of names) {
      const t = scope.findVar(n);
      if (t) out[n] = t;
    }
    if (this.lr instanceof LRScheduler) out.LR_Scheduler = this.lr.stateDict();
    return out;
  }

  /** Restores a stateDict() into `scope`, so that the next step is exactly the one that would have followed. */
  setStateDict(sd: Record<string, Tensor | LRState>, scope: Scope = globalScope()): void {
    if (typeof sd !== 'object' || sd === null) throw new ArgumentError(`ASGD.setStateDict: expected an object, received ${describe(sd)}`);
    if (this.parameterList?.some((p) => p instanceof EagerParameter)) {
      this.setEagerState(sd);
      return;
    }
    const known = new Set([...this.states.values()].flatMap((s) => [s.d, s.y, s.m, ...(s.master ? [s.master] : [])]));
    if (this.lrVar) known.add(this.lrVar);
    for (const [k, v] of Object.entries(sd)) {
      if (k === 'LR_Scheduler') {
        if (!(this.lr instanceof LRScheduler)) throw new ArgumentError('ASGD.setStateDict: the state holds LR_Scheduler but this optimizer has a constant learning rate');
        this.lr.setStateDict(v as LRState);
        continue;
      }
      if (!known.has(k)) throw new ArgumentError(`ASGD.setStateDict: '${k}' is not a state variable of this optimizer (call minimize() first; expected one of ${[...known].join(', ')})`);
      if (!(v instanceof Tensor)) throw new ArgumentError(`ASGD.setStateDict: '${k}' must be a Tensor, received ${describe(v)}`);
      scope.setVar(k, v);
    }
  }
}
