/**
 * Reverse-mode differentiation as a program transform (SPEC §3 "Backward"): appends, in reverse
 * order, the gradient ops of the forward ops on the path from the variables that need a gradient to
 * the targets, summing the contributions to a variable used more than once with one `sum` op.
 * Gradient variables are named `<var>@GRAD` (made unique when a program is differentiated twice);
 * the program records which variable holds which gradient in `program.gradientOf`.
 */
import type { Block } from './block';
import { isFloat } from './dtype';
import { ArgumentError, ProgramError, UnsupportedOpError } from './errors';
import { OpRole, isBackwardRole, isOptimizeRole } from './op-role';
import type { Operator } from './operator';
import { findOpDef } from './ops/registry';
import type { AnyOpDef, GradCtx, OpAttrMap, OpType } from './ops/types';
import { formatShape, numel } from './shape';
import { generate } from './unique-name';
import { Parameter, Variable } from './variable';

type NoGrad = Set<string | Variable> | undefined;

function noGradNames(s: NoGrad, fn: string): Set<string> {
  const out = new Set<string>();
  if (s === undefined) return out;
  if (!(s instanceof Set)) throw new ArgumentError(`${fn}: noGradSet must be a Set of variables or names`);
  for (const v of s) {
    if (typeof v === 'string') out.add(v);
    else if (v instanceof Variable) out.add(v.name);
    else throw new ArgumentError(`${fn}: noGradSet holds ${String(v)}, expected a variable or a name`);
  }
  return out;
}

function isForward(op: Operator): boolean {
  return !isBackwardRole(op.role) && !isOptimizeRole(op.role) && !(op.role & OpRole.LRSched);
}

/** `<name>@GRAD`, or `<name>@GRAD@1`, … when a previous backward pass took it. */
function freshGradName(block: Block, name: string): string {
  let n = `${name}@GRAD`;
  for (let k = 1; block.hasVar(n); k++) n = `${name}@GRAD@${k}`;
  return n;
}

interface Seed {
  readonly target: Variable;
  /** A variable holding the gradient of the target. */
  readonly grad: string;
}

/**
 * Differentiates the forward ops of `block` from `seeds` back to `wanted`, appending the gradient
 * ops. Returns the gradient variable of every wanted variable a gradient reached.
 */
function backward(block: Block, seeds: Seed[], wanted: readonly string[], noGrad: Set<string>, force: Set<string>): Map<string, string> {
  const program = block.program;
  // The forward ops up to the last one that writes a target.
  const targets = new Set(seeds.map((s) => s.target.name));
  let end = -1;
  block.ops.forEach((op, i) => {
    if (isForward(op) && op.outputArgNames().some((n) => targets.has(n))) end = i;
  });
  const ops = block.ops.slice(0, end + 1).filter(isForward);

  // Which variables need a gradient: leaves that are not stop-gradient (or are asked for), and
  // float outputs of differentiable ops with such an input.
  const written = new Set(ops.flatMap((op) => op.outputArgNames()));
  const requires = new Set<string>();
  const leafRequires = (n: string): boolean => {
    const v = block.var(n);
    return (force.has(n) || !v.stopGradient) && !noGrad.has(n) && isFloat(v.dtype);
  };
  for (const op of ops) {
    for (const n of op.inputArgNames()) if (!written.has(n) && leafRequires(n)) requires.add(n);
    const def = findOpDef(op.type) as AnyOpDef | undefined;
    if (!def) {
      if (op.inputArgNames().some((n) => requires.has(n))) {
        throw new UnsupportedOpError(`${op.label}: sagraph has no gradient rule for the ${op.type} op (read from a file), so it cannot differentiate through it`);
      }
      continue;
    }
    if (!def.grad || !op.inputArgNames().some((n) => requires.has(n))) continue;
    for (const n of op.outputArgNames()) {
      const v = block.var(n);
      if (!v.stopGradient && !noGrad.has(n) && isFloat(v.dtype)) requires.add(n);
    }
  }
  for (const n of force) if (!noGrad.has(n) && isFloat(block.var(n).dtype)) requires.add(n);

  // Ops on a path from a variable needing a gradient to a target.
  const onPath = new Set<Operator>();
  const needed = new Set(targets);
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i];
    if (!op.outputArgNames().some((n) => needed.has(n) && requires.has(n))) continue;
    if (!op.inputArgNames().some((n) => requires.has(n))) continue;
    onPath.add(op);
    for (const n of op.inputArgNames()) if (requires.has(n)) needed.add(n);
  }

  const contributions = new Map<string, string[]>();
  /** Contributions made by gradient rules, which take the clean name when they are alone. */
  const renamable = new Set<string>();
  const finalized = new Map<string, string | undefined>();
  const add = (name: string, grad: string): void => {
    const list = contributions.get(name) ?? [];
    list.push(grad);
    contributions.set(name, list);
  };
  for (const s of seeds) add(s.target.name, s.grad);

  const appendOp = <T extends OpType>(type: T, inputs: Record<string, string | string[]>, outputs: Record<string, string | string[]>, attrs: Partial<OpAttrMap[T]> = {}): void => {
    program.roleGuard(OpRole.Backward, () => block.appendOp({ type, inputs, outputs, attrs }));
  };
  const newVar = (name: string, like: Variable): string =>
    block.createVar({ name, shape: like.shape, dtype: like.dtype }).name;

  /** The single gradient variable of `name`: the one contribution, or their sum. */
  const finalize = (name: string): string | undefined => {
    if (finalized.has(name)) return finalized.get(name);
    const list = contributions.get(name);
    let result: string | undefined;
    if (!list || list.length === 0) result = undefined;
    else if (list.length === 1) {
      result = renamable.has(list[0]) ? block.renameVar(list[0], freshGradName(block, name)).name : list[0];
    } else {
      result = newVar(freshGradName(block, name), block.var(name));
      appendOp('sum', { X: list }, { Out: result });
    }
    if (result !== undefined) checkGrad(name, result);
    finalized.set(name, result);
    return result;
  };
  /** Every gradient must have its variable's shape and dtype; a mismatch is a wrong gradient rule. */
  const checkGrad = (n: string, g: string): void => {
    const v = block.var(n);
    const gv = block.var(g);
    const agree = gv.shape.length === v.shape.length && gv.shape.every((d, k) => d === v.shape[k] || d === -1 || v.shape[k] === -1);
    if (!agree || gv.dtype !== v.dtype) {
      throw new ProgramError(`the gradient ${g} is ${gv.dtype}${formatShape(gv.shape)} but ${n} is ${v.dtype}${formatShape(v.shape)} (a gradient rule is wrong)`);
    }
  };

  let renameCounter = 0;
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i];
    if (!onPath.has(op)) continue;
    const outGrads = new Map<string, string | undefined>();
    for (const n of op.outputArgNames()) outGrads.set(n, finalize(n));
    if ([...outGrads.values()].every((g) => g === undefined)) continue;
    const def = findOpDef(op.type) as AnyOpDef;
    const label = `${op.label}`;
    const ctx: GradCtx<OpType> = {
      attrs: op.attrs as never,
      input: (slot) => op.input(slot),
      output: (slot) => op.output(slot),
      outGrad: (slot, index = 0) => {
        const n = op.output(slot)[index];
        return n === undefined ? undefined : outGrads.get(n);
      },
      outGradOrZeros: (slot, index = 0) => {
        const n = op.output(slot)[index];
        const g = outGrads.get(n);
        if (g !== undefined) return g;
        const z = newVar(generate(`${n}@ZERO`), block.var(n));
        appendOp('fill_any_like', { X: n }, { Out: z }, { value: 0 });
        return z;
      },
      needs: (slot, index = 0) => {
        const n = op.input(slot)[index];
        return n !== undefined && requires.has(n);
      },
      inputGrad: (slot, index = 0) => {
        const n = op.input(slot)[index];
        if (n === undefined || !requires.has(n)) throw new ProgramError(`${label}: its gradient rule asked for the gradient of input ${slot}[${index}], which needs none`);
        let name = `${n}@GRAD@RENAME@${renameCounter++}`;
        while (block.hasVar(name)) name = `${n}@GRAD@RENAME@${renameCounter++}`;
        const g = newVar(name, block.var(n));
        renamable.add(g);
        add(n, g);
        return g;
      },
      append: appendOp,
      temp: (hint) => block.createVar({ name: generate(`${hint}@GRAD.tmp`), shape: [], dtype: 'float32' }).name,
    };
    (def.grad as (g: GradCtx<OpType>) => void)(ctx);
  }

  const result = new Map<string, string>();
  for (const n of wanted) {
    const g = finalize(n);
    if (g === undefined) continue;
    program.gradientOf.set(n, g);
    result.set(n, g);
  }
  return result;
}

/**
 * Appends the backward ops of `loss` (exactly one element) to its program and returns
 * [parameter, gradient] for the trainable parameters that get a gradient.
 */
export function appendBackward(
  loss: Variable,
  o: { parameterList?: (Parameter | string)[]; noGradSet?: Set<string | Variable> } = {},
): [Parameter, Variable][] {
  if (!(loss instanceof Variable)) throw new ArgumentError(`appendBackward: loss must be a Variable, received ${typeof loss}`);
  const block = loss.block;
  const n = numel(loss.shape);
  if (n !== 1) {
    throw new ArgumentError(
      `appendBackward: the loss ${loss.name} has shape ${formatShape(loss.shape)}; it must hold exactly one element (reduce it first, e.g. ops.mean(loss))`,
    );
  }
  if (!isFloat(loss.dtype)) throw new ArgumentError(`appendBackward: the loss ${loss.name} is ${loss.dtype}; it must be a float`);
  const producer = [...block.ops].reverse().find((op) => isForward(op) && op.outputArgNames().includes(loss.name));
  if (!producer) throw new ArgumentError(`appendBackward: no op of the program computes the loss ${loss.name}`);
  producer.role = producer.role | OpRole.Loss;

  let params: Parameter[];
  if (o.parameterList !== undefined) {
    if (!Array.isArray(o.parameterList)) throw new ArgumentError('appendBackward: parameterList must be an array of parameters or names');
    params = o.parameterList.map((p, i) => {
      const name = typeof p === 'string' ? p : p instanceof Parameter ? p.name : undefined;
      const v = name !== undefined && block.hasVar(name) ? block.var(name) : undefined;
      if (!(v instanceof Parameter)) throw new ArgumentError(`appendBackward: parameterList[${i}] (${String(name ?? p)}) is not a parameter of the loss's program`);
      return v;
    });
  } else params = block.allParameters();
  const trainable = params.filter((p) => p.trainable);
  const noGrad = noGradNames(o.noGradSet, 'appendBackward');

  const seed = block.createVar({ name: freshGradName(block, loss.name), shape: loss.shape, dtype: loss.dtype });
  block.program.roleGuard(OpRole.Backward | OpRole.Loss, () =>
    block.appendOp({ type: 'fill_constant', outputs: { Out: seed }, attrs: { shape: loss.shape, dtype: loss.dtype, value: 1 } }),
  );
  const grads = backward(block, [{ target: loss, grad: seed.name }], trainable.map((p) => p.name), noGrad, new Set());
  return trainable.filter((p) => grads.has(p.name)).map((p) => [p, block.var(grads.get(p.name)!)]);
}

/**
 * The gradients of the sum of `targets` (each weighted by its targetGradients entry, ones by
 * default) with respect to `inputs`, appended to the program; null where no gradient reaches an
 * input. Inputs get a gradient even when marked stopGradient (they are what is asked for).
 */
export function gradients(
  targets: Variable[],
  inputs: Variable[],
  o: { targetGradients?: (Variable | null)[]; noGradSet?: Set<string | Variable> } = {},
): (Variable | null)[] {
  if (!Array.isArray(targets) || targets.length === 0 || !targets.every((t) => t instanceof Variable)) {
    throw new ArgumentError('gradients: targets must be a non-empty array of Variables');
  }
  if (!Array.isArray(inputs) || !inputs.every((t) => t instanceof Variable)) throw new ArgumentError('gradients: inputs must be an array of Variables');
  const block = targets[0].block;
  for (const v of [...targets, ...inputs]) {
    if (v.block !== block) throw new ArgumentError(`gradients: ${v.name} belongs to another program than ${targets[0].name}`);
  }
  const tg = o.targetGradients ?? [];
  if (tg.length && tg.length !== targets.length) {
    throw new ArgumentError(`gradients: targetGradients has ${tg.length} entries for ${targets.length} targets`);
  }
  const noGrad = noGradNames(o.noGradSet, 'gradients');
  const seeds: Seed[] = targets.map((t, i) => {
    const given = tg[i];
    if (given) {
      if (!(given instanceof Variable)) throw new ArgumentError(`gradients: targetGradients[${i}] must be a Variable or null`);
      if (given.dtype !== t.dtype || formatShape(given.shape) !== formatShape(t.shape)) {
        throw new ArgumentError(`gradients: targetGradients[${i}] is ${given.dtype}${formatShape(given.shape)} but target ${t.name} is ${t.dtype}${formatShape(t.shape)}`);
      }
      return { target: t, grad: given.name };
    }
    const seed = block.createVar({ name: freshGradName(block, t.name), shape: t.shape, dtype: t.dtype });
    block.program.roleGuard(OpRole.Backward, () => block.appendOp({ type: 'fill_any_like', inputs: { X: t }, outputs: { Out: seed }, attrs: { value: 1 } }));
    return { target: t, grad: seed.name };
  });
  const names = inputs.map((v) => v.name);
  const grads = backward(block, seeds, names, noGrad, new Set(names));
  return names.map((n) => (grads.has(n) ? block.var(grads.get(n)!) : null));
}
