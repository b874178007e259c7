/** sagraph inspect: what a saved program holds. */
import { writeFileSync } from 'fs';
import { Parameter, Program, roleName } from '../../src';
import { openModel } from '../model';

export interface Inspection {
  ops: number;
  opTypes: Record<string, number>;
  roles: Record<string, number>;
  variables: number;
  parameters: { name: string; shape: number[]; dtype: string; kind: 'parameter' | 'frozen parameter' | 'state' }[];
  feeds: { name: string; shape: number[]; dtype: string }[];
  fetches: { name: string; shape: number[]; dtype: string }[];
  notImplemented: string[];
}

export function inspectProgram(p: Program): Inspection {
  const block = p.globalBlock();
  const opTypes: Record<string, number> = {};
  const roles: Record<string, number> = {};
  for (const op of block.ops) {
    const t = op.paddleType ?? op.type;
    opTypes[t] = (opTypes[t] ?? 0) + 1;
    const r = roleName(op.role);
    roles[r] = (roles[r] ?? 0) + 1;
  }
  const desc = (n: string) => {
    const v = block.var(n);
    return { name: n, shape: v.shape, dtype: v.dtype };
  };
  return {
    ops: block.ops.length,
    opTypes,
    roles,
    variables: block.vars.size,
    parameters: [...block.vars.values()].filter((v) => v.persistable).map((v) => ({ name: v.name, shape: v.shape, dtype: v.dtype, kind: v instanceof Parameter ? (v.trainable ? 'parameter' : 'frozen parameter') : 'state' })),
    feeds: p.feedTargetNames.map(desc),
    fetches: p.fetchTargetNames.map(desc),
    notImplemented: [...new Set(block.ops.filter((op) => op.isForeign).map((op) => op.type))],
  };
}

/** A Graphviz graph: ops as boxes, variables as ellipses (parameters shaded). */
export function toDot(p: Program): string {
  const block = p.globalBlock();
  const q = (s: string) => JSON.stringify(s);
  const lines = ['digraph program {', '  rankdir=TB;', '  node [fontsize=10];'];
  for (const v of block.vars.values()) lines.push(`  ${q(`v:${v.name}`)} [label=${q(`${v.name}\\n${v.dtype}[${v.shape.join(',')}]`)}, shape=ellipse${v.persistable ? ', style=filled, fillcolor="#dddddd"' : ''}];`);
  block.ops.forEach((op, i) => {
    lines.push(`  ${q(`op:${i}`)} [label=${q(`#${i} ${op.type}`)}, shape=box${op.isForeign ? ', color=red' : ''}];`);
    for (const n of op.inputArgNames()) lines.push(`  ${q(`v:${n}`)} -> ${q(`op:${i}`)};`);
    for (const n of op.outputArgNames()) lines.push(`  ${q(`op:${i}`)} -> ${q(`v:${n}`)};`);
  });
  lines.push('}');
  return lines.join('\n') + '\n';
}

export async function inspectCommand(model: string, o: { json?: boolean; dot?: string }): Promise<void> {
  const { program } = await openModel(model);
  const r = inspectProgram(program);
  if (o.dot) writeFileSync(o.dot, toDot(program));
  if (o.json) {
    console.log(JSON.stringify(r, null, 2));
    return;
  }
  const shape = (x: { shape: number[]; dtype: string }) => `${x.dtype}[${x.shape.join(',')}]`;
  console.log(`${model}: ${r.ops} ops, ${r.variables} variables, ${r.parameters.length} persistable`);
  console.log(`  ops: ${Object.entries(r.opTypes).map(([t, n]) => `${t} ×${n}`).join(', ')}`);
  console.log(`  roles: ${Object.entries(r.roles).map(([t, n]) => `${t} ${n}`).join(', ')}`);
  if (r.feeds.length) console.log(`  feeds: ${r.feeds.map((f) => `${f.name} ${shape(f)}`).join(', ')}`);
  if (r.fetches.length) console.log(`  fetches: ${r.fetches.map((f) => `${f.name} ${shape(f)}`).join(', ')}`);
  const total = r.parameters.reduce((a, p) => a + Math.max(p.shape.reduce((x, y) => x * y, 1), 0), 0);
  console.log(`  persistable (${total} values):`);
  for (const p of r.parameters) console.log(`    ${p.name} ${shape(p)} (${p.kind})`);
  if (r.notImplemented.length) console.log(`  not implemented by sagraph (loads and saves, does not run): ${r.notImplemented.join(', ')}`);
  if (o.dot) console.log(`  graph written to ${o.dot}`);
}
