import { inferOp } from './block';
import { ProgramError } from './errors';
import { opsAround } from './printer';
import type { Program } from './program';
import { findOpDef } from './ops/registry';

/** An IR invariant that a program breaks; the message shows the ops around the failure. */
export class VerifyError extends ProgramError {}

/**
 * Checks a program's invariants: every op is known and its slots name variables of its block;
 * every variable read is data, persistable or written by an earlier op (def before use); the
 * recorded output shapes and dtypes are what inference gives; a temporary is written once, except
 * by an op that updates it in place.
 */
export function verifyProgram(p: Program): void {
  for (const b of p.blocks) {
    const written = new Set<string>();
    const fail = (i: number, msg: string): never => {
      throw new VerifyError(`block ${b.idx}, op #${i} ${b.ops[i].type}: ${msg}\n${opsAround(b, i)}`);
    };
    b.ops.forEach((op, i) => {
      if (!findOpDef(op.type) && !op.isForeign) fail(i, `unknown op type '${op.type}'`);
      for (const n of [...op.inputArgNames(), ...op.outputArgNames()]) {
        if (!b.hasVar(n)) fail(i, `names '${n}', which is not a variable of the block`);
      }
      for (const n of op.inputArgNames()) {
        const v = b.var(n);
        if (!v.persistable && !v.isData && !written.has(n)) fail(i, `reads '${n}' before any op writes it`);
      }
      let results;
      if (op.isForeign) {
        for (const n of op.outputArgNames()) written.add(n);
        return;
      }
      try {
        results = inferOp(op, b, true);
      } catch (e) {
        return fail(i, (e as Error).message);
      }
      for (const [name, r] of results) {
        const v = b.var(name);
        if (v.dtype !== r.dtype || v.shape.length !== r.shape.length || v.shape.some((d, k) => d !== r.shape[k])) {
          fail(i, `output '${name}' is recorded as ${v.dtype}[${v.shape.join(',')}] but inference gives ${r.dtype}[${r.shape.join(',')}]`);
        }
      }
      const ins = new Set(op.inputArgNames());
      for (const n of op.outputArgNames()) {
        const v = b.var(n);
        if (written.has(n) && !v.persistable && !ins.has(n)) fail(i, `writes '${n}', which an earlier op already wrote`);
        written.add(n);
      }
    });
  }
}
