import { ArgumentError } from '../program/errors';
import { Program } from '../program/program';

export interface BuildStrategy {
  /** Rewrite each optimizer's update into one fused op (fuse_optimizer); on by default. */
  fuseAllOptimizerOps?: boolean;
  /** Let temporaries share memory by liveness; on by default. */
  memoryOptimize?: boolean;
  /** Not available yet: refused with a message rather than ignored. */
  fuseElewiseAddAct?: boolean;
  enableInplace?: boolean;
}

/** A program with the choices of how to compile it (Paddle's CompiledProgram + BuildStrategy). */
export class CompiledProgram {
  readonly program: Program;
  readonly buildStrategy: Required<Pick<BuildStrategy, 'fuseAllOptimizerOps' | 'memoryOptimize'>>;

  constructor(program: Program, o: { buildStrategy?: BuildStrategy } = {}) {
    if (!(program instanceof Program)) throw new ArgumentError(`CompiledProgram: program must be a Program, received ${String(program)}`);
    const s = o.buildStrategy ?? {};
    for (const key of Object.keys(s)) {
      if (!['fuseAllOptimizerOps', 'memoryOptimize', 'fuseElewiseAddAct', 'enableInplace'].includes(key)) {
        throw new ArgumentError(`CompiledProgram: unknown buildStrategy option '${key}' (expected fuseAllOptimizerOps, memoryOptimize, fuseElewiseAddAct, enableInplace)`);
      }
    }
    for (const key of ['fuseElewiseAddAct', 'enableInplace'] as const) {
      if (s[key]) throw new ArgumentError(`CompiledProgram: buildStrategy.${key} is not supported yet`);
    }
    this.program = program;
    this.buildStrategy = { fuseAllOptimizerOps: s.fuseAllOptimizerOps ?? true, memoryOptimize: s.memoryOptimize ?? true };
  }
}
