/**
 * Eager backward: replays, in reverse order of execution, the gradient rules of the ops recorded
 * on the way to a tensor — the same rules that appendBackward uses, with `append` running the
 * gradient op at once instead of adding it to a program.
 */
import { isFloat } from '../program/dtype';
import { ArgumentError, ProgramError } from '../program/errors';
import { findOpDef } from '../program/ops/registry';
import type { AnyOpDef, GradCtx, OpAttrMap, OpType } from '../program/ops/types';
import { bindBackward, GradNode, Tensor } from '../executor/tensor';
import { executeOp } from './execute';

function add(a: Tensor, b: Tensor): Tensor {
  return executeOp('sum', { X: [a, b] }, {}, { Out: 1 }, { record: false }).Out[0];
}

export function backward(root: Tensor, grad?: Tensor): void {
  if (!root.gradNode && root.stopGradient) {
    throw new ArgumentError(`backward: ${root.name} does not depend on any tensor with stopGradient false, so there is nothing to differentiate`);
  }
  let seedGrad: Tensor;
  if (grad !== undefined) {
    if (!(grad instanceof Tensor) || grad.dtype !== root.dtype || grad.shape.join(',') !== root.shape.join(',')) {
      throw new ArgumentError(`backward: the gradient must be a ${root.dtype}[${root.shape}] Tensor like ${root.name}`);
    }
    seedGrad = grad;
  } else seedGrad = executeOp('fill_any_like', { X: root }, { value: 1 }, { Out: 1 }, { record: false }).Out[0];

  // the recorded nodes that lead to root, latest first
  const found = new Map<number, GradNode>();
  const stack: Tensor[] = [root];
  const seen = new Set<Tensor>();
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const node = t.gradNode;
    if (!node || found.has(node.id)) continue;
    found.set(node.id, node);
    for (const ts of Object.values(node.inputs)) stack.push(...ts);
  }
  const order = [...found.values()].sort((a, b) => b.id - a.id);

  const grads = new Map<Tensor, Tensor>();
  const contribute = (t: Tensor, g: Tensor): void => {
    const prev = grads.get(t);
    grads.set(t, prev ? add(prev, g) : g);
  };
  contribute(root, seedGrad);
  const needs = (t: Tensor): boolean => !t.stopGradient && isFloat(t.dtype);

  for (const node of order) {
    const outGrads = new Map<Tensor, Tensor>();
    for (const ts of Object.values(node.outputs)) for (const t of ts) if (grads.has(t)) outGrads.set(t, grads.get(t)!);
    if (outGrads.size === 0) continue;
    const def = findOpDef(node.type) as AnyOpDef;
    // the rule names tensors; these maps turn names back into tensors (keys of their own, since
    // two tensors may carry the same display name, as parameters of two separately built models)
    const byName = new Map<string, Tensor>();
    const keys = new Map<Tensor, string>();
    const nameOf = (t: Tensor): string => {
      let k = keys.get(t);
      if (k === undefined) {
        k = `${t.name}#${keys.size}`;
        keys.set(t, k);
        byName.set(k, t);
      }
      return k;
    };
    const produced: { input: Tensor; name: string }[] = [];
    let temps = 0;
    const ctx: GradCtx<OpType> = {
      attrs: node.attrs as never,
      input: (slot) => (node.inputs[slot] ?? []).map(nameOf),
      output: (slot) => (node.outputs[slot] ?? []).map(nameOf),
      outGrad: (slot, i = 0) => {
        const t = node.outputs[slot]?.[i];
        const g = t && outGrads.get(t);
        return g ? nameOf(g) : undefined;
      },
      outGradOrZeros: (slot, i = 0) => {
        const t = node.outputs[slot][i];
        const g = outGrads.get(t) ?? executeOp('fill_any_like', { X: t }, { value: 0 }, { Out: 1 }, { record: false }).Out[0];
        return nameOf(g);
      },
      needs: (slot, i = 0) => {
        const t = node.inputs[slot]?.[i];
        return t !== undefined && needs(t);
      },
      inputGrad: (slot, i = 0) => {
        const t = node.inputs[slot]?.[i];
        if (!t || !needs(t)) throw new ProgramError(`eager ${node.type}: its gradient rule asked for the gradient of input ${slot}[${i}], which needs none`);
        const name = `${t.name}@GRAD@eager${produced.length}`;
        produced.push({ input: t, name });
        return name;
      },
      temp: (hint) => `${hint}@GRAD.tmp${temps++}`,
      append: <T extends OpType>(type: T, inputs: Record<string, string | string[]>, outputs: Record<string, string | string[]>, attrs?: Partial<OpAttrMap[T]>) => {
        const ins = Object.fromEntries(
          Object.entries(inputs).map(([slot, names]) => [
            slot,
            (Array.isArray(names) ? names : [names]).map((n) => {
              const t = byName.get(n);
              if (!t) throw new ProgramError(`eager ${node.type}: its gradient rule reads '${n}', which it never made`);
              return t;
            }),
          ]),
        );
        const outNames = Object.fromEntries(Object.entries(outputs).map(([slot, names]) => [slot, Array.isArray(names) ? names : [names]]));
        const made = executeOp(type, ins, attrs ?? {}, Object.fromEntries(Object.entries(outNames).map(([slot, ns]) => [slot, ns.length])), { record: false });
        for (const [slot, ns] of Object.entries(outNames)) ns.forEach((n, i) => byName.set(n, made[slot][i]));
      },
    };
    (def.grad as (g: GradCtx<OpType>) => void)(ctx);
    for (const p of produced) {
      const g = byName.get(p.name);
      if (!g) throw new ProgramError(`eager ${node.type}: its gradient rule did not write '${p.name}'`);
      contribute(p.input, g);
    }
  }

  // leaves (no recorded producer) with stopGradient false accumulate into .grad
  for (const [t, g] of grads) {
    if (t.gradNode || t.stopGradient || t === root) continue;
    t.grad = t.grad ? add(t.grad, g) : g;
  }
  if (!root.gradNode && !root.stopGradient) root.grad = root.grad ? add(root.grad, seedGrad) : seedGrad;
}

bindBackward(backward);
