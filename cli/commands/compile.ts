/** sagraph compile: a saved forward program becomes a training program with ASGD. */
import { isFloat } from '../../src/program/dtype';
import {
  ASGD,
  ArgumentError,
  ClipGradByGlobalNorm,
  ClipGradByNorm,
  ClipGradByValue,
  DType,
  Executor,
  OpRole,
  Program,
  Variable,
  data,
  ops,
  passes,
  programGuard,
  save,
} from '../../src';
import { openModel } from '../model';

export interface CompileOptions {
  out: string;
  loss: string;
  label?: string;
  lr: string;
  batchNum: string;
  weightDecay?: string;
  clipGlobalNorm?: string;
  clipNorm?: string;
  clipValue?: string;
  multiPrecision?: boolean;
  fuse: boolean;
}

function num(v: string | undefined, option: string, o: { positive?: boolean; integer?: boolean } = {}): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || (o.positive && x <= 0) || (o.integer && !Number.isInteger(x))) {
    throw new ArgumentError(`--${option} must be ${o.integer ? 'an integer' : 'a number'}${o.positive ? ' > 0' : ''}, received '${v}'`);
  }
  return x;
}

/** name:shape:dtype, the shape comma-separated with -1 for any size: label:-1,1:float32 */
export function parseVarSpec(spec: string, option: string): { name: string; shape: number[]; dtype: DType } {
  const m = /^([^:]+):([-0-9,]+):([a-z0-9]+)$/.exec(spec);
  if (!m) throw new ArgumentError(`--${option} must be name:shape:dtype (e.g. label:-1,1:float32), received '${spec}'`);
  const shape = m[2].split(',').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < -1)) throw new ArgumentError(`--${option}: bad shape '${m[2]}'`);
  return { name: m[1], shape, dtype: m[3] as DType };
}

/** The forward part of a program: backward, optimize and LR-schedule ops dropped. */
export function forwardOnly(p: Program): Program {
  const q = p.clone();
  const block = q.globalBlock();
  for (let i = block.ops.length - 1; i >= 0; i--) {
    const r = block.ops[i].role;
    if (r & (OpRole.Backward | OpRole.Optimize | OpRole.LRSched)) block.removeOp(i);
  }
  q.optimizerChains.length = 0;
  for (const op of block.ops) {
    if (op.type === 'batch_norm' || op.type === 'dropout') (op as { setAttr(n: string, v: unknown): void }).setAttr('is_test', false);
  }
  const used = new Set(block.ops.flatMap((op) => [...op.inputArgNames(), ...op.outputArgNames()]));
  for (const v of [...block.vars.values()]) if (!used.has(v.name) && !v.persistable) block.removeVar(v.name);
  return q;
}

export async function compileCommand(model: string, o: CompileOptions): Promise<string[]> {
  const lines: string[] = [];
  if (o.loss !== 'mse' && o.loss !== 'ce') throw new ArgumentError(`--loss must be mse or ce, received '${o.loss}'`);
  const lr = num(o.lr, 'lr', { positive: true })!;
  const batchNum = num(o.batchNum, 'batch-num', { positive: true, integer: true })!;
  const clips = [o.clipGlobalNorm && new ClipGradByGlobalNorm(num(o.clipGlobalNorm, 'clip-global-norm', { positive: true })!), o.clipNorm && new ClipGradByNorm(num(o.clipNorm, 'clip-norm', { positive: true })!), o.clipValue && new ClipGradByValue(num(o.clipValue, 'clip-value', { positive: true })!)].filter(Boolean);
  if (clips.length > 1) throw new ArgumentError('give at most one of --clip-global-norm, --clip-norm, --clip-value');

  const opened = await openModel(model, { needValues: true });
  const source = opened.program;
  const program = forwardOnly(source);
  const block = program.globalBlock();
  if (block.ops.some((op) => op.isForeign)) {
    throw new ArgumentError(`${model} uses ops sagraph does not implement (${[...new Set(block.ops.filter((op) => op.isForeign).map((op) => op.type))].join(', ')}), so it cannot be trained`);
  }
  const predName = source.fetchTargetNames[0];
  if (!predName) throw new ArgumentError(`${model} names no fetch target (the prediction); compile a saved inference model`);
  const pred = block.var(predName);
  for (const v of [...block.vars.values()]) {
    if (v.persistable && isFloat(v.dtype) && block.ops.some((op) => op.inputArgNames().includes(v.name)) && !v.stopGradient) block.promoteToParameter(v.name);
  }
  const params = program.allParameters().filter((p) => p.trainable);
  lines.push(`loaded ${model}: ${source.globalBlock().ops.length} ops, ${params.length} trainable parameters, prediction ${pred.name} ${pred.dtype}[${pred.shape}]`);

  const spec = o.label ? parseVarSpec(o.label, 'label') : o.loss === 'ce' ? { name: 'label', shape: [-1, 1], dtype: 'int64' as DType } : { name: 'label', shape: pred.shape, dtype: pred.dtype };
  if (block.hasVar(spec.name)) throw new ArgumentError(`--label: the program already has a variable '${spec.name}'`);
  const startup = new Program();
  const forwardOps = block.ops.length;
  let loss!: Variable;
  programGuard(program, startup, () => {
    const label = data(spec.name, spec.shape, spec.dtype);
    loss = o.loss === 'mse' ? ops.mseLoss(pred, label) : ops.crossEntropy(pred, label);
    const wd = num(o.weightDecay, 'weight-decay');
    new ASGD({ learningRate: lr, batchNum, weightDecay: wd ?? null, gradClip: (clips[0] as ClipGradByGlobalNorm | undefined) ?? null, multiPrecision: !!o.multiPrecision }).minimize(loss, { startupProgram: startup });
  });
  const backward = block.ops.filter((op) => op.role & OpRole.Backward).length;
  const optimize = block.ops.filter((op) => op.role & OpRole.Optimize).length;
  lines.push(`added: ${o.loss} loss (${block.ops.length - forwardOps - backward - optimize} ops), backward (${backward} ops), ASGD batchNum ${batchNum} lr ${lr}${o.weightDecay ? ` weightDecay ${o.weightDecay}` : ''}${clips[0] ? ` ${clips[0].toString()}` : ''} (${optimize} ops)`);
  let out = program;
  if (o.fuse) {
    out = passes.apply(program, ['fuse_optimizer']);
    const after = out.globalBlock().ops.filter((op) => op.role & OpRole.Optimize).map((op) => op.type);
    lines.push(out === program ? 'fuse_optimizer: nothing to fuse' : `fuse_optimizer: ${optimize} optimizer ops -> ${after.join(' + ')}`);
  } else lines.push('fuse_optimizer: skipped (--no-fuse)');
  out.feedTargetNames.splice(0, out.feedTargetNames.length, ...[...source.feedTargetNames, spec.name]);
  out.fetchTargetNames.splice(0, out.fetchTargetNames.length, loss.name);
  await new Executor().run(startup, { scope: opened.scope });
  await save(out, o.out, { scope: opened.scope });
  lines.push(`saved ${o.out}.pdmodel, ${o.out}.pdparams, ${o.out}.pdopt (feeds: ${out.feedTargetNames.join(', ')}; fetch: ${loss.name})`);
  return lines;
}
