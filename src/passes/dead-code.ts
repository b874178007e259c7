/**
 * dead_code_elimination: removes ops none of whose outputs is read later, fetched or persistable
 * (and that have no side effects), and the temporaries only they used. Repeats until nothing
 * changes, so chains of dead ops go too.
 */
import { findOpDef } from '../program/ops/registry';
import type { Program } from '../program/program';
import type { PassOptions, PassResult } from './fuse-optimizer';

export function deadCodeElimination(p: Program, o: PassOptions = {}): PassResult {
  const keep = o.keep ?? new Set<string>();
  const dead = (prog: Program): number[] => {
    const block = prog.globalBlock();
    const out: number[] = [];
    const readLater = new Set<string>(keep);
    for (let i = block.ops.length - 1; i >= 0; i--) {
      const op = block.ops[i];
      const def = findOpDef(op.type);
      const live = op.isForeign || def?.sideEffects || op.outputArgNames().some((n) => readLater.has(n) || block.var(n).persistable);
      if (!live) {
        out.push(i);
        continue;
      }
      for (const n of op.inputArgNames()) readLater.add(n);
    }
    return out;
  };
  if (dead(p).length === 0) return { program: p, opMap: (i) => i };
  const q = p.clone();
  const block = q.globalBlock();
  const removed: number[] = []; // indices in the original numbering
  const alive = block.ops.map((_, i) => i);
  for (let round = dead(q); round.length; round = dead(q)) {
    for (const i of round) {
      removed.push(alive[i]);
      alive.splice(i, 1);
      block.removeOp(i);
    }
  }
  const used = new Set(block.ops.flatMap((op) => [...op.inputArgNames(), ...op.outputArgNames()]));
  for (const v of [...block.vars.values()]) if (!used.has(v.name) && !v.persistable && !v.isData && !keep.has(v.name)) block.removeVar(v.name);
  q.optimizerChains.length = 0; // op positions moved; chains are only fused before this pass
  const newIndex = new Map(alive.map((orig, i) => [orig, i]));
  return { program: q, opMap: (i) => newIndex.get(i) ?? -1 };
}
