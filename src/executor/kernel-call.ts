/**
 * Calling one op outside a plan: shape inference on concrete shapes and the kernel call, shared by
 * the executor and by eager tensors.
 */
import { describeVar, prefixError } from '../program/block';
import { isHalf, narrowHalf, widenHalf } from '../program/dtype';
import { ProgramError, RuntimeOpError, ShapeError } from '../program/errors';
import { findOpDef } from '../program/ops/registry';
import type { AnyOpDef, InferCtx, KernelArgs, OpAttrMap, OpType, VarInfo } from '../program/ops/types';
import { formatShape, isConcrete } from '../program/shape';
import { Rng } from './rng';
import { Tensor } from './tensor';

/**
 * The concrete output shapes of an op for the given inputs: for each output slot, one entry per
 * variable (undefined where the op leaves that output unset).
 */
export function inferShapes(
  type: OpType,
  attrs: Readonly<OpAttrMap[OpType]>,
  inputs: Record<string, VarInfo[]>,
  outputCounts: Record<string, number>,
  label: string,
): Record<string, (VarInfo | undefined)[]> {
  const def = findOpDef(type)! as AnyOpDef;
  const results: Record<string, (VarInfo | undefined)[]> = Object.fromEntries(Object.entries(outputCounts).map(([k, n]) => [k, new Array(n).fill(undefined)]));
  const ctx: InferCtx<OpType> = {
    attrs: attrs as never,
    runtime: true,
    input: (slot) => {
      const v = inputs[slot]?.[0];
      if (!v) throw new ProgramError(`input '${slot}' is empty`);
      return v;
    },
    maybeInput: (slot) => inputs[slot]?.[0],
    inputs: (slot) => inputs[slot] ?? [],
    outputCount: (slot) => outputCounts[slot] ?? 0,
    setOutput: (slot, shape, dtype, index = 0) => {
      if (!results[slot] || index >= results[slot].length) return;
      results[slot][index] = { name: `${slot}[${index}]`, shape: [...shape], dtype };
    },
  };
  try {
    (def.infer as (c: InferCtx<OpType>) => void)(ctx);
    for (const list of Object.values(results)) {
      for (const r of list) if (r && !isConcrete(r.shape)) throw new ShapeError(`output ${r.name} has no concrete shape (${formatShape(r.shape)})`);
    }
  } catch (e) {
    throw prefixError(e, label, Object.values(inputs).flat().map(describeVar));
  }
  return results;
}

/**
 * Calls an op's CPU kernel. float16/bfloat16 tensors are widened to float32 for kernels that do not
 * read them natively, and the results rounded back; an output that is also an input is computed
 * into scratch memory first unless the kernel allows in-place writes.
 */
export function invokeKernel(
  type: OpType,
  attrs: Readonly<OpAttrMap[OpType]>,
  inputs: Record<string, Tensor[]>,
  outputs: Record<string, Tensor[]>,
  label: string,
  seed: () => number,
): void {
  const def = findOpDef(type)! as AnyOpDef;
  const half = !def.halfNative && [...Object.values(inputs), ...Object.values(outputs)].some((ts) => ts.some((t) => isHalf(t.dtype)));
  const ins: Record<string, Tensor[]> = half
    ? Object.fromEntries(Object.entries(inputs).map(([s, ts]) => [s, ts.map((t) => (isHalf(t.dtype) ? new Tensor('float32', t.shape, widenHalf(t.dtype, t.data as Uint16Array)) : t))]))
    : inputs;
  const inputSet = new Set(Object.values(inputs).flat().map((t) => t.data));
  const outs: Record<string, Tensor[]> = Object.fromEntries(
    Object.entries(outputs).map(([s, ts]) => [
      s,
      ts.map((t) => {
        if (half && isHalf(t.dtype)) return new Tensor('float32', t.shape);
        if (!def.inplaceSafe && inputSet.has(t.data)) return new Tensor(t.dtype, t.shape);
        return t;
      }),
    ]),
  );
  const args: KernelArgs<OpType> = {
    attrs: attrs as never,
    label,
    input: (slot) => {
      const t = ins[slot]?.[0];
      if (!t) throw new ProgramError(`${label}: input '${slot}' is empty`);
      return t;
    },
    maybeInput: (slot) => ins[slot]?.[0],
    inputs: (slot) => ins[slot] ?? [],
    output: (slot) => {
      const t = outs[slot]?.[0];
      if (!t) throw new ProgramError(`${label}: output '${slot}' is empty`);
      return t;
    },
    maybeOutput: (slot) => outs[slot]?.[0],
    outputs: (slot) => outs[slot] ?? [],
    rng: () => new Rng(seed()),
  };
  try {
    (def.cpu as (k: KernelArgs<OpType>) => void)(args);
  } catch (e) {
    if (e instanceof ProgramError) throw e;
    throw new RuntimeOpError(`${label}: ${(e as Error).message}`);
  }
  for (const [slot, ts] of Object.entries(outputs)) {
    ts.forEach((t, j) => {
      const computed = outs[slot][j];
      if (computed === t) return;
      if (isHalf(t.dtype) && computed.dtype === 'float32') narrowHalf(t.dtype, computed.data as Float32Array, t.data as Uint16Array);
      else (t.data as Float64Array).set(computed.data as Float64Array);
    });
  }
}
