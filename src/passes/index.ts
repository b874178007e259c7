/** Named Program → Program passes (SPEC §4). */
import { ArgumentError } from '../program/errors';
import type { Program } from '../program/program';
import { deadCodeElimination } from './dead-code';
import { fuseOptimizer, PassOptions, PassResult } from './fuse-optimizer';

const registry: Record<string, (p: Program, o: PassOptions) => PassResult> = {
  fuse_optimizer: fuseOptimizer,
  dead_code_elimination: deadCodeElimination,
};

/** The names of the passes `apply` knows. */
export function list(): string[] {
  return Object.keys(registry);
}

/**
 * Applies the named passes in order. Each returns a new program, or the same object when it
 * changed nothing.
 */
export function apply(p: Program, names: string[], o: PassOptions = {}): Program {
  return applyWithMap(p, names, o).program;
}

/** As apply, also mapping old op indices of block 0 to the ops that took over from them. */
export function applyWithMap(p: Program, names: string[], o: PassOptions = {}): PassResult {
  if (!Array.isArray(names)) throw new ArgumentError(`passes.apply: names must be an array of pass names, received ${typeof names}`);
  let result: PassResult = { program: p, opMap: (i) => i };
  for (const name of names) {
    const pass = registry[name];
    if (!pass) throw new ArgumentError(`passes.apply: unknown pass '${name}' (known: ${list().join(', ')})`);
    const before = result.opMap;
    const r = pass(result.program, o);
    result = { program: r.program, opMap: (i) => r.opMap(before(i)) };
  }
  return result;
}

export type { PassOptions, PassResult };
