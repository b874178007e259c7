import { Block } from './block';
import { ArgumentError } from './errors';
import { OpRole, isBackwardRole, isOptimizeRole } from './op-role';
import { Operator } from './operator';
import type { OpAttrMap, OpType } from './ops/types';
import type { OptimizerChain } from './optimizer-chain';
import { printProgram } from './printer';
import { Parameter, Variable } from './variable';

let nextProgramId = 1;

/** A static program: blocks of ops over variables. Block 0 is the global block. */
export class Program {
  /** Seeds every random op whose own `seed` attribute is 0; read at run time. */
  randomSeed = 0;
  readonly id = nextProgramId++;
  readonly blocks: Block[];
  /** Which variable holds the gradient of which, as the last backward pass over it recorded. */
  readonly gradientOf = new Map<string, string>();
  /**
   * Learning-rate variables an optimizer drives: before each run the executor writes the value the
   * source returns (a scheduler's current rate, or a rate set with setLr) into the variable.
   */
  readonly lrSources = new Map<string, () => number | undefined>();
  /** The inference inputs and outputs (Paddle's feed/fetch ops), in their column order. */
  readonly feedTargetNames: string[] = [];
  readonly fetchTargetNames: string[] = [];
  /** The optimizer chains appended to block 0, for the fuse_optimizer pass. */
  readonly optimizerChains: OptimizerChain[] = [];
  /** The role new ops get (see roleGuard). */
  currentRole: number = OpRole.Forward;
  private _version = 0;

  constructor() {
    this.blocks = [new Block(this, 0, -1)];
  }

  /** Increases on every change, so that executors can tell when a cached plan is stale. */
  get version(): number {
    return this._version;
  }

  /** Records a change (called by blocks, ops and variables). */
  bump(): void {
    this._version++;
  }

  globalBlock(): Block {
    return this.blocks[0];
  }

  block(i: number): Block {
    const b = this.blocks[i];
    if (!b) throw new ArgumentError(`program has no block ${i} (it has ${this.blocks.length})`);
    return b;
  }

  /** Gives ops appended inside `fn` the role `role` (Paddle's _optimized_guard and friends). */
  roleGuard<T>(role: number, fn: () => T): T {
    const saved = this.currentRole;
    this.currentRole = role;
    try {
      return fn();
    } finally {
      this.currentRole = saved;
    }
  }

  allParameters(): Parameter[] {
    return this.blocks.flatMap((b) => b.allParameters());
  }

  listVars(): Variable[] {
    return this.blocks.flatMap((b) => [...b.vars.values()]);
  }

  /**
   * A deep copy. With forTest, backward, optimize and LR-schedule ops are dropped and ops with an
   * `is_test` attribute (dropout, batch_norm) switch to inference, as Paddle's clone(for_test=True).
   */
  clone(o: { forTest?: boolean } = {}): Program {
    const p = new Program();
    p.randomSeed = this.randomSeed;
    p.feedTargetNames.push(...this.feedTargetNames);
    p.fetchTargetNames.push(...this.fetchTargetNames);
    if (!o.forTest) for (const [k, v] of this.gradientOf) p.gradientOf.set(k, v);
    if (!o.forTest) for (const [k, v] of this.lrSources) p.lrSources.set(k, v);
    if (!o.forTest) p.optimizerChains.push(...this.optimizerChains.map((c) => structuredClone(c)));
    p.blocks.length = 0;
    for (const b of this.blocks) {
      const nb = new Block(p, b.idx, b.parentIdx);
      p.blocks.push(nb);
      for (const v of b.vars.values()) {
        if (v instanceof Parameter) {
          const np = nb.createParameter({
            name: v.name,
            shape: v.shape,
            dtype: v.dtype,
            trainable: v.trainable,
            learningRate: v.optimizeAttr.learningRate,
            regularizer: v.regularizer,
            needClip: v.needClip,
            initializer: v.initializer,
          });
          np.stopGradient = v.stopGradient;
        } else {
          nb.createVar({
            name: v.name,
            shape: v.shape,
            dtype: v.dtype,
            persistable: v.persistable,
            stopGradient: v.stopGradient,
            isData: v.isData,
          });
        }
      }
      for (const op of b.ops) {
        if (o.forTest && (isBackwardRole(op.role) || isOptimizeRole(op.role) || op.role & OpRole.LRSched)) continue;
        let attrs = { ...op.attrs } as OpAttrMap[OpType];
        if (o.forTest && 'is_test' in attrs) attrs = { ...attrs, is_test: true } as OpAttrMap[OpType];
        const foreign = o.forTest && op.foreignAttrs?.some((a) => a.name === 'is_test') ? op.foreignAttrs.map((a) => (a.name === 'is_test' ? { ...a, b: true } : a)) : op.foreignAttrs;
        const copySlots = (m: Readonly<Record<string, string[]>>): Record<string, string[]> =>
          Object.fromEntries(Object.entries(m).map(([k, v]) => [k, [...v]]));
        const copy = new Operator(nb, op.type, copySlots(op.inputs), copySlots(op.outputs), attrs, op.role, foreign);
        copy.paddleType = op.paddleType;
        nb.ops.push(copy);
      }
    }
    if (o.forTest) {
      // Drop variables that only the removed ops used (gradients, optimizer temporaries).
      for (const b of p.blocks) {
        const used = new Set(b.ops.flatMap((op) => [...op.inputArgNames(), ...op.outputArgNames()]));
        for (const v of [...b.vars.values()]) {
          if (!used.has(v.name) && !v.persistable && !v.isData) b.vars.delete(v.name);
        }
      }
    }
    return p;
  }

  toString(): string {
    return printProgram(this);
  }

  /** Paddle's ProgramDesc bytes (a .pdmodel). */
  serializeToString(): Uint8Array {
    return codec().serialize(this);
  }

  /** Reads a ProgramDesc (a .pdmodel or __model__ file). */
  static parseFromString(bytes: Uint8Array): Program {
    if (!(bytes instanceof Uint8Array)) throw new ArgumentError(`Program.parseFromString: expected a Uint8Array, received ${typeof bytes}`);
    return codec().parse(bytes, 'program');
  }
}

/** The .pdmodel codec, bound by src/io (which imports this module) to avoid an import cycle. */
let programCodec: { serialize(p: Program): Uint8Array; parse(b: Uint8Array, what: string): Program } | undefined;
export function bindProgramCodec(c: NonNullable<typeof programCodec>): void {
  programCodec = c;
}
function codec(): NonNullable<typeof programCodec> {
  if (!programCodec) throw new Error('sagraph: the io module is not loaded');
  return programCodec;
}

let mainProgram = new Program();
let startupProgram = new Program();

export function defaultMainProgram(): Program {
  return mainProgram;
}

export function defaultStartupProgram(): Program {
  return startupProgram;
}

/**
 * Makes `main` (and `startup`, when given) the default programs while `build` runs, as Paddle's
 * program_guard. Layers add their parameters' initialisers to the startup program.
 */
export function programGuard<T>(main: Program, startup: Program | undefined, build: () => T): T {
  if (!(main instanceof Program)) throw new ArgumentError(`programGuard: main must be a Program, received ${String(main)}`);
  if (startup !== undefined && !(startup instanceof Program)) {
    throw new ArgumentError(`programGuard: startup must be a Program, received ${String(startup)}`);
  }
  const savedMain = mainProgram;
  const savedStartup = startupProgram;
  mainProgram = main;
  if (startup) startupProgram = startup;
  try {
    return build();
  } finally {
    mainProgram = savedMain;
    startupProgram = savedStartup;
  }
}

/** Replaces the default programs with fresh ones (Paddle's reset between scripts). */
export function resetDefaultPrograms(): void {
  mainProgram = new Program();
  startupProgram = new Program();
}
