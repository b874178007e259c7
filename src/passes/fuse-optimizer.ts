/**
 * fuse_optimizer: rewrites each recorded ASGD chain (clip → regularise → decay → per-parameter
 * update ops) into one multi-tensor fused_asgd op, plus one fused_global_norm_scale op when the
 * chain clips by global norm. The numbers are bitwise those of the unfused chain on the CPU.
 *
 * A chain is left as it is when it cannot be fused exactly: 16-bit parameters or master weights,
 * groups with different clips, gradients of mixed dtypes under a global-norm clip, a fetched
 * intermediate, or ops that no longer match the record.
 */
import { isHalf } from '../program/dtype';
import { OpRole } from '../program/op-role';
import type { OptimizerChain } from '../program/optimizer-chain';
import type { Program } from '../program/program';
import { generate } from '../program/unique-name';

export interface PassOptions {
  /** Variables that must survive the pass (the fetch targets of a run). */
  keep?: ReadonlySet<string>;
}

export interface PassResult {
  program: Program;
  /** The index in the new block 0 of the op that took over from old op `i`. */
  opMap: (i: number) => number;
}

function fusable(p: Program, c: OptimizerChain, keep: ReadonlySet<string>): boolean {
  const block = p.globalBlock();
  const ops = block.ops.slice(c.start, c.start + c.opTypes.length);
  if (ops.length !== c.opTypes.length || ops.some((op, i) => op.type !== c.opTypes[i])) return false;
  if (c.multiPrecision && c.params.some((q) => q.master)) return false;
  if (c.clip.kind === 'mixed') return false;
  if (block.var(c.learningRate).dtype !== 'float32') return false;
  const dtypes = new Set<string>();
  for (const q of c.params) {
    const v = block.var(q.param);
    if (isHalf(v.dtype) || (v.dtype !== 'float32' && v.dtype !== 'float64')) return false;
    if (q.clipped) dtypes.add(v.dtype);
  }
  if (c.clip.kind === 'global' && dtypes.size > 1) return false;
  for (const op of ops) {
    for (const n of op.outputArgNames()) if (keep.has(n) && !block.var(n).persistable) return false;
  }
  return true;
}

export function fuseOptimizer(p: Program, o: PassOptions = {}): PassResult {
  const keep = o.keep ?? new Set<string>();
  const chains = p.optimizerChains.filter((c) => fusable(p, c, keep)).sort((a, b) => b.start - a.start);
  if (chains.length === 0) return { program: p, opMap: (i) => i };
  const q = p.clone();
  const block = q.globalBlock();
  const edits: { start: number; removed: number; added: number }[] = [];
  for (const c of chains) {
    const removed = c.opTypes.length;
    const chainOps = block.ops.slice(c.start, c.start + removed);
    block.ops.splice(c.start, removed);
    let at = c.start;
    const clipKind = c.clip.kind === 'mixed' ? 'none' : c.clip.kind;
    let scale: string | undefined;
    q.roleGuard(OpRole.Optimize, () => {
      if (clipKind === 'global') {
        const clipNorm = (c.clip as { clipNorm: number }).clipNorm;
        scale = block.createVar({ name: generate('fused_global_norm_scale.tmp'), shape: [1], dtype: 'float32' }).name;
        block.insertOp(at++, {
          type: 'fused_global_norm_scale',
          inputs: { X: c.params.filter((x) => x.clipped).map((x) => x.grad) },
          outputs: { Scale: scale },
          attrs: { clip_norm: clipNorm },
        });
      }
      const params = c.params.map((x) => x.param);
      const states = (f: (x: OptimizerChain['params'][number]) => string): string[] => c.params.map(f);
      block.insertOp(at++, {
        type: 'fused_asgd',
        inputs: {
          Param: params,
          Grad: states((x) => x.grad),
          LearningRate: c.learningRate,
          D: states((x) => x.d),
          Y: states((x) => x.y),
          M: states((x) => x.m),
          ...(scale ? { GlobalScale: scale } : {}),
        },
        outputs: { ParamOut: params, DOut: states((x) => x.d), YOut: states((x) => x.y), MOut: states((x) => x.m) },
        attrs: {
          batch_num: c.batchNum,
          lr_mults: c.params.map((x) => x.lrMult),
          lambdas: c.params.map((x) => x.lambda),
          reg_kinds: c.params.map((x) => (x.reg ? (x.reg.kind === 'L1' ? 1 : 2) : 0)),
          reg_coeffs: c.params.map((x) => x.reg?.coeff ?? 0),
          clip_kind: clipKind,
          clip_min: c.clip.kind === 'value' ? c.clip.min : 0,
          clip_max: c.clip.kind === 'value' ? c.clip.max : 0,
          clip_norm: c.clip.kind === 'norm' || c.clip.kind === 'global' ? c.clip.clipNorm : 0,
          clipped: c.params.map((x) => x.clipped),
        },
      });
    });
    edits.push({ start: c.start, removed, added: at - c.start });
    // the chain's temporaries are gone with its ops
    const used = new Set(block.ops.flatMap((op) => [...op.inputArgNames(), ...op.outputArgNames()]));
    for (const op of chainOps) {
      for (const n of [...op.inputArgNames(), ...op.outputArgNames()]) {
        const v = block.vars.get(n);
        if (v && !used.has(n) && !v.persistable && !v.isData && !keep.has(n)) block.removeVar(n);
      }
    }
  }
  // the fused chains are records no more; later chains moved
  const fusedStarts = new Set(chains.map((c) => c.start));
  const shift = (i: number): number => edits.reduce((acc, e) => (i >= e.start + e.removed ? acc - e.removed + e.added : acc), i);
  const remaining = q.optimizerChains.filter((c) => !fusedStarts.has(c.start)).map((c) => ({ ...c, start: shift(c.start) }));
  q.optimizerChains.splice(0, q.optimizerChains.length, ...remaining);
  const opMap = (i: number): number => {
    for (const e of edits) if (i >= e.start && i < e.start + e.removed) return shift(e.start) + e.added - 1;
    return shift(i);
  };
  return { program: q, opMap };
}
