/**
 * Which ops a run executes (SPEC §3): with pruning, the ops needed for the fetch targets, stopping
 * at fed variables and at persistable values already in the scope; optimize-role ops are targets
 * when no optimize op was fetched (so fetching the loss still trains). Then a check that every
 * variable the kept ops read is fed, in the scope or produced, with one error naming them all.
 */
import type { Block } from '../program/block';
import { MissingFeedError } from '../program/errors';
import { isOptimizeRole } from '../program/op-role';
import type { Operator } from '../program/operator';
import type { Scope } from './scope';

export interface Targets {
  vars: string[];
  ops: Operator[];
}

/** `optimizer: false` leaves the optimize ops out unless a target needs them (an inference export). */
export function selectOps(block: Block, feeds: ReadonlySet<string>, targets: Targets, prune: boolean, scope: Scope, o: { optimizer?: boolean } = {}): Operator[] {
  if (!prune) return [...block.ops];
  const fetchedOptimize = targets.ops.some((op) => isOptimizeRole(op.role));
  const targetOps = new Set<Operator>(targets.ops);
  if (!fetchedOptimize && o.optimizer !== false) for (const op of block.ops) if (isOptimizeRole(op.role)) targetOps.add(op);
  const cut = (name: string): boolean => feeds.has(name) || (block.hasVar(name) && block.var(name).persistable && scope.hasVar(name));
  const needed = new Set(targets.vars.filter((n) => !cut(n)));
  const keep: boolean[] = new Array(block.ops.length).fill(false);
  for (let i = block.ops.length - 1; i >= 0; i--) {
    const op = block.ops[i];
    if (!targetOps.has(op) && !op.outputArgNames().some((n) => needed.has(n))) continue;
    keep[i] = true;
    for (const n of op.inputArgNames()) if (!cut(n)) needed.add(n);
  }
  return block.ops.filter((_, i) => keep[i]);
}

/** Throws one MissingFeedError naming every variable the ops read that nothing provides. */
export function checkInputs(block: Block, ops: readonly Operator[], feeds: ReadonlySet<string>, fetchVars: readonly string[], scope: Scope): void {
  const available = new Set<string>(feeds);
  const missing: string[] = [];
  const need = (n: string): void => {
    if (available.has(n) || missing.includes(n)) return;
    if (block.hasVar(n) && block.var(n).persistable && scope.hasVar(n)) return;
    missing.push(n);
  };
  for (const op of ops) {
    for (const n of op.inputArgNames()) need(n);
    for (const n of op.outputArgNames()) available.add(n);
  }
  for (const n of fetchVars) need(n);
  if (missing.length === 0) return;
  const data = missing.filter((n) => !block.hasVar(n) || !block.var(n).persistable);
  const state = missing.filter((n) => block.hasVar(n) && block.var(n).persistable);
  const parts: string[] = [];
  if (data.length) parts.push(`missing feed: ${data.join(', ')}`);
  if (state.length) parts.push(`not initialised in the scope: ${state.join(', ')} (run the startup program first, or load the parameters)`);
  throw new MissingFeedError(parts.join('; '), missing);
}
