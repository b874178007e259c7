/**
 * The CPU executor: compiles a plan per (program version, feeds, fetches, pruning, scope layout) —
 * the kept ops, their concrete shapes and a liveness memory plan — caches it, and runs the kernels
 * with temporaries in one reused arena.
 */
import type { Block } from '../program/block';
import { byteSize, isFloat, viewArray } from '../program/dtype';
import { ArgumentError, ProgramError, RuntimeOpError, UnsupportedOpError } from '../program/errors';
import { Operator } from '../program/operator';
import type { VarInfo } from '../program/ops/types';
import { Program, defaultMainProgram } from '../program/program';
import { formatShape, numel } from '../program/shape';
import { Variable } from '../program/variable';
import { FeedValue, toFeedTensor } from './feed';
import { planMemory } from './memory-plan';
import { checkInputs, selectOps, Targets } from './prune';
import { Rng } from './rng';
import { Scope, globalScope } from './scope';
import { Tensor } from './tensor';
import { inferShapes, invokeKernel } from './kernel-call';
import { CompiledProgram } from './compiled-program';
import { applyWithMap, PassResult } from '../passes';

export type FetchItem = Variable | string | Operator | [Operator[], unknown];

export interface RunOptions {
  feed?: Record<string, FeedValue>;
  fetchList?: FetchItem[];
  scope?: Scope;
  /** true (default): fetched values are copies. false: a fetched persistable is the scope's live tensor. */
  returnNumpy?: boolean;
  usePrune?: boolean;
}

export interface RunStats {
  /** The types of the ops the run executed, in order. */
  readonly opTypes: string[];
  /** The planned peak of the temporaries (the arena's used size) in bytes. */
  readonly arenaBytes: number;
  /** What the temporaries would take without reuse. */
  readonly unsharedBytes: number;
  /** Whether the run reused a cached plan. */
  readonly planReused: boolean;
}

interface ShapePlan {
  /** Concrete shape and dtype of every variable the ops write. */
  readonly info: Map<string, VarInfo>;
  readonly offsets: ReadonlyMap<string, number>;
  readonly arenaBytes: number;
  readonly unsharedBytes: number;
  views?: { buffer: ArrayBuffer; tensors: Map<string, Tensor> };
}

interface CompiledPlan {
  readonly block: Block;
  readonly ops: Operator[];
  readonly labels: string[];
  /** Variables the ops read that no earlier kept op writes (feeds and scope values). */
  readonly externals: string[];
  /** Temporaries: not persistable, not fetched, not fed. */
  readonly temps: Set<string>;
  readonly firstWrite: Map<string, number>;
  readonly lastUse: Map<string, number>;
  readonly shapePlans: Map<string, ShapePlan>;
  /** false: every temporary gets its own memory (buildStrategy.memoryOptimize false). */
  readonly shareMemory: boolean;
}

export type Place = 'cpu' | 'webgpu';

export class Executor {
  readonly place: Place;
  readonly checkNanInf: boolean;
  private readonly plans = new Map<string, CompiledPlan>();
  private readonly transformed = new Map<string, PassResult>();
  private arena = new ArrayBuffer(0);
  private readonly runCounters = new Map<number, number>();
  private readonly warned = new Set<string>();
  private closed = false;
  /** Statistics of the last run (ops executed, memory plan). */
  lastRun: RunStats | undefined;

  constructor(place: Place = 'cpu', o: { checkNanInf?: boolean } = {}) {
    if (place !== 'cpu') {
      if (place === 'webgpu') throw new ArgumentError("Executor: place 'webgpu' is not available in this build yet; use 'cpu'");
      throw new ArgumentError(`Executor: unknown place ${JSON.stringify(place)} (expected 'cpu' or 'webgpu')`);
    }
    this.place = place;
    this.checkNanInf = o.checkNanInf ?? false;
  }

  /** Runs `program` (default: the default main program) and resolves with the fetched values in order. */
  async run(program?: Program | CompiledProgram, o: RunOptions = {}): Promise<Tensor[]> {
    // Everything that reads global state (default program, scope) happens before any await.
    return this.runSync(program, o);
  }

  /** The synchronous core of run(). */
  runSync(target: Program | CompiledProgram = defaultMainProgram(), o: RunOptions = {}): Tensor[] {
    if (this.closed) throw new ProgramError('Executor: run() after close()');
    const compiled = target instanceof CompiledProgram ? target : undefined;
    const original = compiled ? compiled.program : target;
    if (!(original instanceof Program)) throw new ArgumentError(`Executor.run: program must be a Program or a CompiledProgram, received ${String(target)}`);
    const scope = o.scope ?? globalScope();
    if (!(scope instanceof Scope)) throw new ArgumentError(`Executor.run: scope must be a Scope, received ${String(scope)}`);
    const fetched = this.resolveFetches(original.globalBlock(), o.fetchList ?? [], o.usePrune ?? false);
    const { fetchVars, prune } = fetched;
    // The passes of the default pipeline; fetched ops map to the ops that took over from them.
    const passes = this.transform(original, fetchVars, compiled?.buildStrategy.fuseAllOptimizerOps ?? true);
    const program = passes.program;
    const block = program.globalBlock();
    const targets = {
      vars: fetched.targets.vars,
      ops: [...new Set(fetched.targets.ops.map((op) => block.ops[passes.opMap(original.globalBlock().ops.indexOf(op))]))],
    };
    const feeds = this.resolveFeeds(block, o.feed ?? {});
    for (const [name, source] of original.lrSources) {
      const value = source();
      if (value === undefined || !block.hasVar(name)) continue;
      const v = block.var(name);
      const t = new Tensor(v.dtype, [1]);
      t.data[0] = value as never;
      scope.putTensor(name, t);
    }

    const key = [
      program.id,
      program.version,
      compiled?.buildStrategy.memoryOptimize === false ? 'nomem' : 'mem',
      [...feeds.keys()].sort().join(','),
      fetchVars.join(','),
      targets.ops.map((op) => block.ops.indexOf(op)).join(','),
      prune ? 1 : 0,
      scope.id,
      scope.structureVersion,
    ].join('|');
    let plan = this.plans.get(key);
    const reused = plan !== undefined;
    if (!plan) {
      for (const k of this.plans.keys()) if (k.startsWith(`${program.id}|`) && !k.startsWith(`${program.id}|${program.version}|`)) this.plans.delete(k);
      plan = this.compile(block, new Set(feeds.keys()), targets, fetchVars, prune, scope, compiled?.buildStrategy.memoryOptimize ?? true);
      this.plans.set(key, plan);
      trim(this.plans);
    }
    return this.execute(program, plan, feeds, fetchVars, scope, o.returnNumpy ?? true, reused);
  }

  private transform(p: Program, fetchVars: string[], fuse: boolean): PassResult {
    if (!fuse) return { program: p, opMap: (i) => i };
    const key = `${p.id}|${p.version}|${fetchVars.join(',')}`;
    let r = this.transformed.get(key);
    if (!r) {
      // forget this program's older versions only: alternating fetch lists must not rebuild each run
      for (const k of this.transformed.keys()) if (k.startsWith(`${p.id}|`) && !k.startsWith(`${p.id}|${p.version}|`)) this.transformed.delete(k);
      r = applyWithMap(p, ['fuse_optimizer'], { keep: new Set(fetchVars) });
      this.transformed.set(key, r);
      trim(this.transformed);
    }
    return r;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.plans.clear();
    this.arena = new ArrayBuffer(0);
  }

  private resolveFetches(block: Block, list: FetchItem[], usePrune: boolean): { targets: Targets; fetchVars: string[]; prune: boolean } {
    if (!Array.isArray(list)) throw new ArgumentError(`Executor.run: fetchList must be an array, received ${typeof list}`);
    const vars: string[] = [];
    const ops: Operator[] = [];
    const addOp = (op: Operator, where: string): void => {
      if (op.block !== block) throw new ArgumentError(`Executor.run: ${where} is an op of another program`);
      ops.push(op);
    };
    list.forEach((item, i) => {
      const where = `fetchList[${i}]`;
      if (typeof item === 'string') {
        if (!block.hasVar(item)) throw new ArgumentError(`Executor.run: ${where} names '${item}', which is not a variable of the program`);
        vars.push(item);
      } else if (item instanceof Variable) {
        if (item.block.program !== block.program) throw new ArgumentError(`Executor.run: ${where} (${item.name}) is a variable of another program`);
        vars.push(item.name);
      } else if (item instanceof Operator) {
        addOp(item, where);
      } else if (Array.isArray(item) && Array.isArray(item[0])) {
        (item[0] as unknown[]).forEach((op, j) => {
          if (!(op instanceof Operator)) throw new ArgumentError(`Executor.run: ${where}[0][${j}] is not an Operator`);
          addOp(op, `${where}[0][${j}]`);
        });
      } else {
        throw new ArgumentError(`Executor.run: ${where} must be a Variable, a variable name, an Operator or the tuple minimize() returned`);
      }
    });
    return { targets: { vars, ops }, fetchVars: vars, prune: usePrune || ops.length > 0 };
  }

  private resolveFeeds(block: Block, feed: Record<string, FeedValue>): Map<string, Tensor> {
    if (typeof feed !== 'object' || feed === null || Array.isArray(feed)) {
      throw new ArgumentError('Executor.run: feed must be an object mapping variable names to values');
    }
    const out = new Map<string, Tensor>();
    for (const [name, value] of Object.entries(feed)) {
      if (!block.hasVar(name)) {
        if (!this.warned.has(name)) {
          this.warned.add(name);
          process.emitWarning(`feed '${name}' is not a variable of the program; it is ignored`, 'SagraphWarning');
        }
        continue;
      }
      out.set(name, toFeedTensor(name, value, block.var(name)));
    }
    return out;
  }

  private compile(block: Block, feeds: Set<string>, targets: Targets, fetchVars: string[], prune: boolean, scope: Scope, shareMemory: boolean): CompiledPlan {
    const ops = selectOps(block, feeds, targets, prune, scope);
    const foreign = ops.filter((op) => op.isForeign);
    if (foreign.length) {
      throw new UnsupportedOpError(
        `the run needs ops sagraph does not implement: ${foreign.map((op) => `op #${block.ops.indexOf(op)} ${op.type}`).join(', ')} (the program can be inspected and saved, not run)`,
      );
    }
    checkInputs(block, ops, feeds, fetchVars, scope);
    const written = new Set<string>();
    const externals: string[] = [];
    const firstWrite = new Map<string, number>();
    const lastUse = new Map<string, number>();
    ops.forEach((op, i) => {
      for (const n of op.inputArgNames()) {
        if (!written.has(n) && !externals.includes(n)) externals.push(n);
        lastUse.set(n, i);
      }
      for (const n of op.outputArgNames()) {
        written.add(n);
        if (!firstWrite.has(n)) firstWrite.set(n, i);
        lastUse.set(n, Math.max(lastUse.get(n) ?? i, i));
      }
    });
    for (const n of fetchVars) if (!written.has(n) && !externals.includes(n)) externals.push(n);
    const temps = new Set<string>();
    for (const n of written) {
      const v = block.var(n);
      if (!v.persistable && !fetchVars.includes(n) && !feeds.has(n)) temps.add(n);
    }
    const labels = ops.map((op) => `op #${block.ops.indexOf(op)} ${op.type}`);
    return { block, ops, labels, externals, temps, firstWrite, lastUse, shapePlans: new Map(), shareMemory };
  }

  private shapePlan(plan: CompiledPlan, feeds: Map<string, Tensor>, scope: Scope): ShapePlan {
    const external = (n: string): Tensor => feeds.get(n) ?? scope.getTensor(n)!;
    const sig = plan.externals.map((n) => `${n}:${formatShape(external(n).shape)}`).join(';');
    const cached = plan.shapePlans.get(sig);
    if (cached) return cached;
    const info = new Map<string, VarInfo>();
    for (const n of plan.externals) {
      const t = external(n);
      info.set(n, { name: n, shape: t.shape, dtype: t.dtype });
    }
    plan.ops.forEach((op, i) => {
      for (const [n, r] of inferConcrete(op, info, plan.labels[i])) info.set(n, r);
    });
    const requests = [...plan.temps].map((n) => {
      const r = info.get(n)!;
      const first = plan.firstWrite.get(n)!;
      return { name: n, bytes: numel(r.shape) * byteSize(r.dtype), first: plan.shareMemory ? first : 0, last: plan.shareMemory ? plan.lastUse.get(n)! : plan.ops.length };
    });
    const mem = planMemory(requests);
    const sp: ShapePlan = { info, offsets: mem.offsets, arenaBytes: mem.arenaBytes, unsharedBytes: mem.unsharedBytes };
    plan.shapePlans.set(sig, sp);
    return sp;
  }

  private execute(program: Program, plan: CompiledPlan, feeds: Map<string, Tensor>, fetchVars: string[], scope: Scope, copy: boolean, reused: boolean): Tensor[] {
    const sp = this.shapePlan(plan, feeds, scope);
    if (this.arena.byteLength < sp.arenaBytes) this.arena = new ArrayBuffer(sp.arenaBytes);
    if (!sp.views || sp.views.buffer !== this.arena) {
      const tensors = new Map<string, Tensor>();
      for (const [n, off] of sp.offsets) {
        const r = sp.info.get(n)!;
        tensors.set(n, new Tensor(r.dtype, r.shape, viewArray(r.dtype, this.arena, off, numel(r.shape))));
      }
      sp.views = { buffer: this.arena, tensors };
    }
    const block = plan.block;
    const env = new Map<string, Tensor>();
    for (const n of plan.externals) env.set(n, feeds.get(n) ?? scope.getTensor(n)!);
    // A fed persistable becomes the scope's value, as Paddle's feed op writes into the scope.
    for (const [n, t] of feeds) if (block.var(n).persistable) scope.putTensor(n, t.clone());
    const runIndex = this.runCounters.get(program.id) ?? 0;
    this.runCounters.set(program.id, runIndex + 1);

    plan.ops.forEach((op, i) => {
      const label = plan.labels[i];
      const outputs: Record<string, Tensor[]> = {};
      for (const [slot, names] of Object.entries(op.outputs)) {
        outputs[slot] = names.map((n) => {
          const r = sp.info.get(n)!;
          const v = block.var(n);
          if (v.persistable) {
            const cur = scope.getTensor(n);
            if (cur && cur.dtype === r.dtype && cur.shape.join(',') === r.shape.join(',')) return cur;
            const t = new Tensor(r.dtype, r.shape);
            scope.putTensor(n, t);
            return t;
          }
          const view = sp.views!.tensors.get(n);
          if (view) return view;
          // fetched or fed temporaries get their own memory, so results outlive the run
          const cur = env.get(n);
          if (cur && cur.dtype === r.dtype && cur.shape.join(',') === r.shape.join(',') && !feeds.has(n) && plan.firstWrite.get(n)! < i) return cur;
          return new Tensor(r.dtype, r.shape);
        });
      }
      const inputs: Record<string, Tensor[]> = {};
      for (const [slot, names] of Object.entries(op.inputs)) inputs[slot] = names.map((n) => env.get(n)!);
      const seed = (): number => {
        const attrs = op.attrs as { seed?: number; fix_seed?: boolean };
        if (attrs.seed) return attrs.seed;
        const opIndex = block.ops.indexOf(op);
        return op.type === 'dropout' ? Rng.mix(program.randomSeed, opIndex, runIndex) : Rng.mix(program.randomSeed, opIndex);
      };
      invokeKernel(op.type, op.attrs, inputs, outputs, label, seed);
      for (const [slot, names] of Object.entries(op.outputs)) names.forEach((n, j) => env.set(n, outputs[slot][j]));
      if (this.checkNanInf) checkFinite(op, outputs, label);
    });

    this.lastRun = {
      opTypes: plan.ops.map((op) => op.type),
      arenaBytes: sp.arenaBytes,
      unsharedBytes: sp.unsharedBytes,
      planReused: reused,
    };
    return fetchVars.map((n) => {
      const t = env.get(n) ?? feeds.get(n) ?? scope.getTensor(n)!;
      const persistable = block.var(n).persistable;
      return copy || !persistable ? (feeds.has(n) || persistable ? t.clone() : t) : t;
    });
  }
}

/** Caches hold at most this many entries; the oldest go first (programs edited again and again). */
const CACHE_LIMIT = 64;
function trim<V>(m: Map<string, V>): void {
  while (m.size > CACHE_LIMIT) m.delete(m.keys().next().value as string);
}

/** Shape inference on concrete shapes, for the run at hand. */
export function inferConcrete(op: Operator, info: Map<string, VarInfo>, label: string): Map<string, VarInfo> {
  const slots = (m: Readonly<Record<string, string[]>>): Record<string, VarInfo[]> =>
    Object.fromEntries(Object.entries(m).map(([k, names]) => [k, names.map((n) => info.get(n)!)]));
  const counts = Object.fromEntries(Object.entries(op.outputs).map(([k, names]) => [k, names.length]));
  const shapes = inferShapes(op.type, op.attrs, slots(op.inputs), counts, label);
  const results = new Map<string, VarInfo>();
  for (const [slot, infos] of Object.entries(shapes)) {
    infos.forEach((r, i) => {
      const n = op.output(slot)[i];
      if (n !== undefined && r) results.set(n, { ...r, name: n });
    });
  }
  return results;
}

function checkFinite(op: Operator, outputs: Record<string, Tensor[]>, label: string): void {
  for (const [slot, ts] of Object.entries(outputs)) {
    ts.forEach((t, j) => {
      if (!isFloat(t.dtype)) return;
      const values = t.toFlat();
      const bad = values.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) {
        throw new RuntimeOpError(`${label} produced ${values[bad]} in ${slot} (${op.output(slot)[j]}) at element ${bad}`);
      }
    });
  }
}
