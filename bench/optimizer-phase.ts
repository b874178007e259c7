/**
 * The optimizer phase alone: 16M float32 parameters in 10 tensors, batchNum 8, global-norm clip
 * and float weight decay; the fused program (one fused_asgd op) against the unfused one (Paddle's
 * per-parameter chain of ops), medians over several runs after a warm-up, in one process.
 * Run by `npm run bench` (SAGRAPH_BENCH_ELEMENTS=... changes the size).
 */
import { execFileSync } from 'child_process';
import { mkdirSync } from 'fs';
import { join } from 'path';
import { ASGD, ClipGradByGlobalNorm, CompiledProgram, Executor, Parameter, Program, Scope, Tensor, Variable, initializer, programGuard } from '../src';

const TENSORS = 10;
const TOTAL = Number(process.env.SAGRAPH_BENCH_ELEMENTS ?? 16_000_000);
const RUNS = Number(process.env.SAGRAPH_BENCH_RUNS ?? 5);
const PER = Math.floor(TOTAL / TENSORS);
const BYTES_PER_ELEMENT = 28; // read param, grad, d, y[i]; write param, d, y[i] (float32)

function build(): { main: Program; startup: Program; grads: Variable[] } {
  const main = new Program();
  const startup = new Program();
  const grads: Variable[] = [];
  programGuard(main, startup, () => {
    const block = main.globalBlock();
    const pairs: [Parameter, Variable][] = [];
    for (let k = 0; k < TENSORS; k++) {
      const name = `w${k}`;
      const p = block.createParameter({ name, shape: [PER], dtype: 'float32' });
      startup.globalBlock().createVar({ name, shape: [PER], dtype: 'float32', persistable: true });
      new initializer.Constant({ value: 0.5 }).apply({ name, shape: [PER], dtype: 'float32' }, startup.globalBlock());
      const g = block.createVar({ name: `${name}@GRAD`, shape: [PER], dtype: 'float32', isData: true });
      grads.push(g);
      pairs.push([p, g]);
    }
    new ASGD({ learningRate: 0.01, batchNum: 8, gradClip: new ClipGradByGlobalNorm(1), weightDecay: 0.01 }).applyGradients(pairs, { startupProgram: startup });
  });
  return { main, startup, grads };
}

/** Global-norm clip, float decay and the SAG step written as TensorFlow.js ops (the slot picked in JS). */
const TFJS_OPS_PER_STEP = '–';
async function tfjsUpdate(backend: 'cpu' | 'wasm', gradValues: Float32Array[]): Promise<number> {
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend(backend);
  await tf.ready();
  const N = 8;
  const lr = 0.01;
  const lambda = 0.01;
  const clip = 1;
  const x = gradValues.map(() => tf.variable(tf.fill([PER], 0.5)));
  const d = gradValues.map(() => tf.variable(tf.zeros([PER])));
  const y = gradValues.map(() => Array.from({ length: N }, () => tf.variable(tf.zeros([PER]))));
  const g = gradValues.map((v) => tf.tensor1d(v));
  let m = 0;
  const step = (): void => {
    tf.tidy(() => {
      const norm = tf.sqrt(tf.addN(g.map((t) => tf.sum(tf.square(t)))));
      const scale = tf.div(clip, tf.maximum(norm, clip));
      const n = Math.min(m + 1, N);
      const slot = m % N;
      g.forEach((gk, k) => {
        const gc = tf.mul(gk, scale);
        const dn = tf.add(tf.sub(d[k], y[k][slot]), gc);
        d[k].assign(dn);
        y[k][slot].assign(gc);
        x[k].assign(tf.sub(x[k], tf.mul(lr, tf.add(tf.div(dn, n), tf.mul(lambda, x[k])))));
      });
    });
    m++;
  };
  step(); // warm-up
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    step();
    await x[0].data(); // wait for the backend to finish
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  tf.disposeVariables();
  g.forEach((t) => t.dispose());
  return median(times);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The optimizer-phase table (markdown). */
export async function optimizerPhase(): Promise<string> {
  const { main: prog, startup, grads } = build();
  const feed: Record<string, Tensor> = {};
  grads.forEach((g, k) => {
    const t = new Tensor('float32', [PER]);
    const d = t.data as Float32Array;
    for (let i = 0; i < PER; i++) d[i] = Math.sin(i * 0.001 + k) * 1e-3;
    feed[g.name] = t;
  });
  const exe = new Executor();
  const variants = {
    unfused: new CompiledProgram(prog, { buildStrategy: { fuseAllOptimizerOps: false } }),
    fused: new CompiledProgram(prog, { buildStrategy: { fuseAllOptimizerOps: true } }),
  };
  const scopes = { unfused: new Scope(), fused: new Scope() };
  const times: Record<string, number[]> = { unfused: [], fused: [] };
  const opsRun: Record<string, number> = {};
  for (const v of ['unfused', 'fused'] as const) {
    await exe.run(startup, { scope: scopes[v] });
    exe.runSync(variants[v], { feed, scope: scopes[v] }); // warm-up: compiles the plan, touches memory
    opsRun[v] = exe.lastRun!.opTypes.length;
  }
  for (let r = 0; r < RUNS; r++) {
    for (const v of ['unfused', 'fused'] as const) {
      const t0 = process.hrtime.bigint();
      exe.runSync(variants[v], { feed, scope: scopes[v] });
      times[v].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  // the limits: the same update in C (when a compiler exists), and a plain copy of memory
  const root = join(__dirname, '..', '..');
  let cMs: number | undefined;
  let cNote = '';
  try {
    mkdirSync(join(root, 'bench', 'out'), { recursive: true });
    const exe = join(root, 'bench', 'out', 'asgd_update');
    execFileSync('cc', ['-O3', '-o', exe, join(root, 'bench', 'c', 'asgd_update.c'), '-lm']);
    cMs = Number(execFileSync(exe, [String(PER * TENSORS), String(TENSORS), '8', String(RUNS)]).toString().trim());
  } catch (e) {
    cNote = `C row skipped: ${(e as Error).message.split('\n')[0]}`;
  }
  const src = new Float32Array(PER * TENSORS).fill(1);
  const dst = new Float32Array(PER * TENSORS).fill(0);
  const copies: number[] = [];
  for (let r = 0; r <= RUNS; r++) {
    const t0 = process.hrtime.bigint();
    dst.set(src);
    if (r > 0) copies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const copyMs = median(copies);
  const tfjsRows: string[] = [];
  for (const backend of ['cpu', 'wasm'] as const) {
    try {
      const ms = await tfjsUpdate(backend, grads.map((g) => feed[g.name].data as Float32Array));
      tfjsRows.push(`| the same update as TensorFlow.js ops, ${backend} backend | ${TFJS_OPS_PER_STEP} | ${ms.toFixed(1)} | ${((PER * TENSORS * BYTES_PER_ELEMENT) / (ms / 1000) / 1e9).toFixed(2)} | ${(median(times.unfused) / ms).toFixed(2)}× |`);
    } catch (e) {
      tfjsRows.push(`| the same update as TensorFlow.js ops, ${backend} backend | – | – | – | could not run here: ${(e as Error).message.split('\n')[0]} |`);
    }
  }
  const same = Buffer.from((scopes.unfused.getTensor('w0')!.data as Float32Array).buffer).equals(Buffer.from((scopes.fused.getTensor('w0')!.data as Float32Array).buffer));
  const elements = PER * TENSORS;
  const row = (v: 'unfused' | 'fused'): string => {
    const ms = median(times[v]);
    return `| ${v} | ${opsRun[v]} | ${ms.toFixed(1)} | ${((elements * BYTES_PER_ELEMENT) / (ms / 1000) / 1e9).toFixed(2)} | ${(median(times.unfused) / ms).toFixed(2)}× |`;
  };
  const table = [
    `Optimizer phase: ${(elements / 1e6).toFixed(1)}M float32 parameters in ${TENSORS} tensors, batchNum 8, ClipGradByGlobalNorm + weightDecay; median of ${RUNS} runs after a warm-up (Node ${process.version}, ${process.platform} ${process.arch}).`,
    '',
    '| program | ops run | ms / step | effective GB/s (28 B/element) | speed-up vs unfused |',
    '|---|---|---|---|---|',
    row('unfused'),
    row('fused'),
    ...tfjsRows,
    ...(cMs !== undefined ? [`| the same update in C (cc -O3, one core) | – | ${cMs.toFixed(1)} | ${((elements * BYTES_PER_ELEMENT) / (cMs / 1000) / 1e9).toFixed(2)} | ${(median(times.unfused) / cMs).toFixed(2)}× |`] : []),
    `| a plain copy of ${(elements / 1e6).toFixed(1)}M float32 (8 B/element: read + write) | – | ${copyMs.toFixed(1)} | ${((elements * 8) / (copyMs / 1000) / 1e9).toFixed(2)} (of memory traffic) | – |`,
    '',
    ...(cNote ? [cNote, ''] : []),
    `Fused and unfused parameters after ${RUNS + 1} steps are bitwise equal: ${same}.`,
  ].join('\n');
  return table;
}
