import type { Block } from './block';
import { DTYPE_SHORT } from './dtype';
import { OpRole, roleName } from './op-role';
import type { ForeignAttr, Operator } from './operator';
import type { Program } from './program';
import { Parameter, Variable } from './variable';
import { findOpDef } from './ops/registry';

/**
 * A stable text form of a program, for golden tests, error messages and `sagraph inspect`:
 *   %fc_0.tmp_0 = mul(X: %x, Y: %fc_0.w_0) {x_num_col_dims: 1, y_num_col_dims: 1} : f32[-1,1]
 */
export function printProgram(p: Program): string {
  const lines: string[] = [`program {randomSeed: ${p.randomSeed}}`];
  for (const b of p.blocks) lines.push(...printBlock(b));
  return lines.join('\n') + '\n';
}

export function printBlock(b: Block): string[] {
  const lines = [`block ${b.idx}${b.parentIdx >= 0 ? ` (parent ${b.parentIdx})` : ''} {`];
  const vars = [...b.vars.values()].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  for (const v of vars) lines.push(`  ${printVar(v)}`);
  b.ops.forEach((op, i) => lines.push(`  ${printOp(op, i)}`));
  lines.push('}');
  return lines;
}

export function typeString(v: Variable): string {
  return `${DTYPE_SHORT[v.dtype]}[${v.shape.join(',')}]`;
}

export function printVar(v: Variable): string {
  const flags: string[] = [];
  if (v instanceof Parameter) {
    if (!v.trainable) flags.push('frozen');
    if (v.optimizeAttr.learningRate !== 1) flags.push(`lr*${v.optimizeAttr.learningRate}`);
    if (v.regularizer) flags.push(`${v.regularizer.kind}(${v.regularizer.coeff})`);
    if (!v.needClip) flags.push('noclip');
  } else {
    if (v.persistable) flags.push('persistable');
    if (v.isData) flags.push('data');
  }
  if (v.stopGradient && !v.isData && !(v instanceof Parameter)) flags.push('stop_gradient');
  const kind = v instanceof Parameter ? 'param' : 'var';
  return `${kind} ${v.name} : ${typeString(v)}${flags.length ? ' ' + flags.join(' ') : ''}`;
}

function formatAttr(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatAttr).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  return String(v);
}

/** The value a raw (Paddle AttrDesc) attribute holds, whichever field that is. */
function foreignValue(a: ForeignAttr): unknown {
  for (const f of ['i', 'f', 's', 'b', 'l', 'float64', 'ints', 'floats', 'strings', 'bools', 'longs', 'float64s', 'block_idx', 'blocks_idx', 'var_name', 'vars_name']) {
    if (a[f] !== undefined) return a[f];
  }
  return null;
}

export function printOp(op: Operator, index?: number): string {
  const b = op.block;
  const def = findOpDef(op.type);
  const inSlots = def ? def.inputs.map((s) => s.name) : Object.keys(op.inputs);
  const outSlots = def ? def.outputs.map((s) => s.name) : Object.keys(op.outputs);
  const args = inSlots
    .filter((s) => op.input(s).length)
    .map((s) => `${s}: ${op.input(s).map((n) => '%' + n).join(', ')}`)
    .join(', ');
  const usedOut = outSlots.filter((s) => op.output(s).length);
  const outs = usedOut
    .map((s) => (usedOut.length > 1 ? `${s}: ` : '') + op.output(s).map((n) => '%' + n).join(', '))
    .join(', ');
  const types = usedOut.flatMap((s) => op.output(s).map((n) => (b.hasVar(n) ? typeString(b.var(n)) : '?'))).join(', ');
  const attrs = op.foreignAttrs
    ? op.foreignAttrs.map((a) => `${a.name}: ${formatAttr(foreignValue(a))}`).join(', ')
    : (def ? Object.keys(def.defaults) : Object.keys(op.attrs)).map((k) => `${k}: ${formatAttr((op.attrs as Record<string, unknown>)[k])}`).join(', ');
  const role = (op.role === OpRole.Forward ? '' : `  // ${roleName(op.role)}`) + (op.isForeign ? '  // not implemented by sagraph' : '');
  const prefix = index === undefined ? '' : `#${index} `;
  return `${prefix}${outs ? outs + ' = ' : ''}${op.type}(${args})${attrs ? ` {${attrs}}` : ''}${types ? ' : ' + types : ''}${role}`;
}

/** The printed ops around `index`, for error messages. */
export function opsAround(b: Block, index: number, radius = 2): string {
  const lines: string[] = [];
  for (let i = Math.max(0, index - radius); i <= Math.min(b.ops.length - 1, index + radius); i++) {
    lines.push(`${i === index ? '>>' : '  '} ${printOp(b.ops[i], i)}`);
  }
  return lines.join('\n');
}
