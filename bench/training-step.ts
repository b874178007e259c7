/**
 * One training step of an MLP 784-512-256-10 at batch 128 with softmax cross-entropy: sagraph's
 * CPU executor (ASGD) against TensorFlow.js's CPU and WebAssembly backends doing the same model with
 * an SGD update; plus sagraph's memory plan for that step and an end-to-end run of the demo.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import { ASGD, Executor, Program, Scope, Tensor, data, encodeOnnx, exportOnnx, nn, ops, programGuard, uniqueName } from '../src';
import { demoCommand } from '../cli/commands/demo';
import { median } from './optimizer-phase';

const RUNS = Number(process.env.SAGRAPH_BENCH_RUNS ?? 5);
const STEPS = 10;
const B = 128;

function batch(): { x: Float32Array; y: number[] } {
  let s = 1;
  const r = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);
  return { x: Float32Array.from({ length: B * 784 }, r), y: Array.from({ length: B }, () => Math.floor(r() * 10)) };
}

async function timeSteps(step: () => Promise<void> | void): Promise<number> {
  for (let i = 0; i < 3; i++) await step(); // warm-up
  const perStep: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < STEPS; i++) await step();
    perStep.push(Number(process.hrtime.bigint() - t0) / 1e6 / STEPS);
  }
  return median(perStep);
}

async function sagraphStep(): Promise<{ ms: number; ortMs: number | string; arena: number; unshared: number; stateBytesPerParam: number }> {
  const main = new Program();
  const startup = new Program();
  const loss = uniqueName.guard(() =>
    programGuard(main, startup, () => {
      const x = data('x', [-1, 784]);
      const y = data('y', [-1], 'int64');
      const h = nn.fc(nn.fc(x, 512, { activation: 'relu' }), 256, { activation: 'relu' });
      const l = ops.crossEntropy(nn.fc(h, 10), y);
      new ASGD({ learningRate: 0.05, batchNum: 8 }).minimize(l);
      return l;
    }),
  );
  const exe = new Executor();
  const scope = new Scope();
  await exe.run(startup, { scope });
  const { x, y } = batch();
  const feed = { x: new Tensor('float32', [B, 784], x), y: Tensor.from(y.map(BigInt)) };
  // the same step exported (before any run, from the same initial state) and run by ONNX Runtime,
  // one thread as sagraph, each step's `.next` state fed back
  let ortMs: number | string;
  try {
    const model = exportOnnx(main, { feeds: ['x', 'y'], fetches: [loss], scope, training: true });
    const session = await ort.InferenceSession.create(encodeOnnx(model), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const stateNames = model.graph!.input!.slice(2).map((v) => v.name!);
    const toOrt = (t: Tensor): ort.Tensor => new ort.Tensor(t.dtype as 'float32', t.data as Float32Array, t.shape);
    let state: Record<string, ort.Tensor> = Object.fromEntries(stateNames.map((n) => [n, toOrt(scope.getTensor(n)!)]));
    const input = { x: toOrt(feed.x), y: toOrt(feed.y) };
    ortMs = await timeSteps(async () => {
      const out = await session.run({ ...input, ...state });
      state = Object.fromEntries(stateNames.map((n) => [n, out[`${n}.next`]]));
    });
  } catch (e) {
    ortMs = `could not run here: ${(e as Error).message.split('\n')[0]}`;
  }
  const ms = await timeSteps(async () => {
    await exe.run(main, { feed, fetchList: [loss], scope });
  });
  const params = main.allParameters();
  const paramElements = params.reduce((a, p) => a + p.shape.reduce((u, v) => u * v, 1), 0);
  const stateBytes = scope
    .varNames()
    .filter((n) => /_(d|y|m)_0$/.test(n))
    .reduce((a, n) => a + scope.getTensor(n)!.data.byteLength, 0);
  return { ms, ortMs, arena: exe.lastRun!.arenaBytes, unshared: exe.lastRun!.unsharedBytes, stateBytesPerParam: stateBytes / paramElements };
}

async function tfjsStep(backend: 'cpu' | 'wasm'): Promise<number> {
  await tf.setBackend(backend);
  await tf.ready();
  const glorot = (i: number, o: number) => tf.variable(tf.randomUniform([i, o], -Math.sqrt(6 / (i + o)), Math.sqrt(6 / (i + o))));
  const w1 = glorot(784, 512);
  const b1 = tf.variable(tf.zeros([512]));
  const w2 = glorot(512, 256);
  const b2 = tf.variable(tf.zeros([256]));
  const w3 = glorot(256, 10);
  const b3 = tf.variable(tf.zeros([10]));
  const opt = tf.train.sgd(0.05);
  const { x, y } = batch();
  const xs = tf.tensor2d(x, [B, 784]);
  const ys = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
  const ms = await timeSteps(() => {
    opt.minimize(() => {
      const h1 = tf.relu(tf.add(tf.matMul(xs, w1), b1));
      const h2 = tf.relu(tf.add(tf.matMul(h1, w2), b2));
      return tf.losses.softmaxCrossEntropy(ys, tf.add(tf.matMul(h2, w3), b3)) as tf.Scalar;
    });
  });
  tf.disposeVariables();
  xs.dispose();
  ys.dispose();
  return ms;
}

/** The training-step, memory and end-to-end tables (markdown). */
export async function trainingStep(): Promise<string> {
  const s = await sagraphStep();
  const peers: [string, number | string][] = [['sagraph, CPU executor (ASGD, fused)', s.ms]];
  for (const backend of ['cpu', 'wasm'] as const) {
    try {
      peers.push([`TensorFlow.js ${backend} backend (SGD)`, await tfjsStep(backend)]);
    } catch (e) {
      peers.push([`TensorFlow.js ${backend} backend (SGD)`, `could not run here: ${(e as Error).message.split('\n')[0]}`]);
    }
  }
  peers.push(['the same step exported (`exportOnnx`, training) in ONNX Runtime 1.30, 1 thread', s.ortMs]);
  peers.push(['sagraph, WebGPU executor', 'not built yet (the WebGPU backend is a later issue)']);
  const row = ([name, v]: [string, number | string]) =>
    typeof v === 'number' ? `| ${name} | ${v.toFixed(1)} | ${(1000 / v).toFixed(1)} | ${(v / s.ms).toFixed(2)}× |` : `| ${name} | – | – | ${v} |`;
  const demo = await demoCommand({ epochs: '1', quiet: true, out: 'bench/out/demo' });
  const demoLine = demo.lines[demo.lines.length - 1];
  return [
    `Training step: MLP 784-512-256-10, batch ${B}, softmax cross-entropy; median over ${RUNS} runs of ${STEPS} steps after a warm-up.`,
    '',
    '| implementation | ms / step | steps / s | time vs sagraph |',
    '|---|---|---|---|',
    ...peers.map(row),
    '',
    'Memory of that sagraph step:',
    '',
    '| measure | bytes |',
    '|---|---|',
    `| temporaries, planned peak (one arena, shared by liveness) | ${s.arena.toLocaleString('en')} |`,
    `| temporaries, each in its own memory | ${s.unshared.toLocaleString('en')} |`,
    `| ASGD state per parameter element (d, y with batchNum 8, m) | ${s.stateBytesPerParam.toFixed(2)} |`,
    '',
    `End to end: \`sagraph demo --epochs 1\` (MNIST, 7,996 training digits): ${demoLine}`,
  ].join('\n');
}
