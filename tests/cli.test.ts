import { main } from '../cli/main';
import { trainCommand } from '../cli/commands/train';
import { demoCommand } from '../cli/commands/demo';
import { onnx } from 'onnx-proto';
import { listOpTypes } from '../src';

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += a.join(' ') + '\n'));
  try {
    return { code: await fn(), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    log.mockRestore();
  }
}

test('sagraph ops --json lists every op with its slots', async () => {
  const r = await capture(() => main(['ops', '--json']));
  expect(r.code).toBe(0);
  const rows = JSON.parse(r.out) as { type: string; inputs: string[] }[];
  expect(rows.map((x) => x.type)).toEqual(listOpTypes());
  expect(rows.find((x) => x.type === 'batch_norm')!.inputs).toEqual(['X', 'Scale', 'Bias', 'Mean', 'Variance']);
});

test('an unknown command is one clear line and a non-zero exit', async () => {
  const r = await capture(() => main(['bogus']));
  expect(r.code).toBe(1);
  expect(r.err.trim()).toBe("error: unknown command 'bogus'");
});

import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Program, Scope, Tensor, load } from '../src';
import { decodeProgramDesc } from '../src/io/framework-proto';
import { readNpy, writeNpy } from '../src/io/npy';
import { seeded } from './helpers';

const FIXTURES = join(__dirname, '..', '..', 'shared', 'fixtures', 'paddle');

describe('sagraph inspect', () => {
  test.each([
    ['p2o-fit-a-line', 'p2o-fit-a-line/__model__'],
    ['lite-simple-model/model.pdmodel', 'lite-simple-model/model.pdmodel'],
    ['paddlejs-gesture-rec', 'paddlejs-gesture-rec/__model__'],
    ['paddlerec-join-train/main_program', 'paddlerec-join-train/main_program'],
    ['paddlerec-join-train/inference_program', 'paddlerec-join-train/inference_program'],
  ])('%s: op counts, parameters and feed/fetch targets as the file holds them', async (model, file) => {
    const r = await capture(() => main(['inspect', join(FIXTURES, model), '--json']));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const got = JSON.parse(r.out);
    const d = decodeProgramDesc(new Uint8Array(readFileSync(join(FIXTURES, file))));
    const want: Record<string, number> = {};
    for (const op of d.blocks![0].ops!) if (op.type !== 'feed' && op.type !== 'fetch') want[op.type] = (want[op.type] ?? 0) + 1;
    expect(got.opTypes).toEqual(want);
    const persist = d.blocks![0].vars!.filter((v) => v.persistable && v.type.type === 7);
    expect(got.parameters.map((p: { name: string }) => p.name).sort()).toEqual(persist.map((v) => v.name).sort());
    for (const p of got.parameters) expect(p.shape).toEqual(persist.find((v) => v.name === p.name)!.type.lod_tensor!.tensor.dims ?? []);
    const feeds = d.blocks![0].ops!.filter((o) => o.type === 'feed').map((o) => o.outputs![0].arguments![0]);
    expect(got.feeds.map((f: { name: string }) => f.name)).toEqual(feeds);
  });

  test('--dot writes a Graphviz graph', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sagraph-cli-'));
    await capture(() => main(['inspect', join(FIXTURES, 'p2o-fit-a-line'), '--dot', join(dir, 'g.dot')]));
    const dot = readFileSync(join(dir, 'g.dot'), 'utf8');
    expect(dot).toMatch(/^digraph program \{/);
    expect(dot).toContain('"op:0" [label="#0 mul", shape=box]');
    expect(dot).toContain('"v:x" -> "op:0"');
  });
});

describe('sagraph compile, train and run', () => {
  function regressionCsv(file: string, n: number): void {
    const r = seeded(5);
    const rows = ['x0,x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,x11,x12,price'];
    for (let i = 0; i < n; i++) {
      const x = Array.from({ length: 13 }, () => r() * 2 - 1);
      rows.push([...x, x.reduce((a, v, k) => a + v * ((k % 3) - 1) * 0.5, 0.3)].map((v) => v.toFixed(6)).join(','));
    }
    writeFileSync(file, rows.join('\n') + '\n');
  }

  test('fit_a_line compiles to an ASGD training program that trains, and a reloaded checkpoint continues with identical numbers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sagraph-cli-'));
    regressionCsv(join(dir, 'housing.csv'), 160);
    const c = await capture(() => main(['compile', join(FIXTURES, 'p2o-fit-a-line'), '-o', join(dir, 'fit'), '--lr', '0.05', '--batch-num', '5', '--clip-global-norm', '10', '--weight-decay', '0.001']));
    expect(c.err).toBe('');
    expect(c.out).toContain('fuse_optimizer: ');
    expect(c.out).toContain('fused_asgd');
    // two epochs in one go
    const a = await trainCommand(join(dir, 'fit'), { data: join(dir, 'housing.csv'), epochs: '2', batchSize: '32', out: join(dir, 'a'), quiet: true });
    // one epoch, then one more from the saved checkpoint
    await trainCommand(join(dir, 'fit'), { data: join(dir, 'housing.csv'), epochs: '1', batchSize: '32', out: join(dir, 'b'), quiet: true });
    const b2 = await trainCommand(join(dir, 'b'), { data: join(dir, 'housing.csv'), epochs: '1', batchSize: '32', out: join(dir, 'b'), quiet: true });
    expect(b2.losses).toEqual(a.losses.slice(5));
    const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
    expect(mean(a.losses.slice(5))).toBeLessThan(mean(a.losses.slice(0, 5)) * 0.8);
    expect(readFileSync(join(dir, 'a.loss.svg'), 'utf8')).toContain('<polyline');
    const t = await capture(() => main(['train', join(dir, 'a'), '--data', join(dir, 'housing.csv'), '--epochs', '1']));
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/epoch 1\/1: mean loss [0-9.e-]+ \(5 batches\)/);
  });

  test('run feeds .npy files and prints or writes the fetched values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sagraph-cli-'));
    const x = Tensor.from(Array.from({ length: 26 }, (_, i) => (i % 13) / 13), { shape: [2, 13] });
    writeFileSync(join(dir, 'x.npy'), writeNpy(x));
    const r = await capture(() => main(['run', join(FIXTURES, 'p2o-fit-a-line'), '--feed', `x=${join(dir, 'x.npy')}`, '--out', join(dir, 'out')]));
    expect(r.err).toBe('');
    const y = readNpy(new Uint8Array(readFileSync(join(dir, 'out', 'fc_0.tmp_1.npy'))), 'y');
    expect(y.shape).toEqual([2, 1]);
    const printed = await capture(() => main(['run', join(FIXTURES, 'p2o-fit-a-line'), '--feed', `x=${join(dir, 'x.npy')}`]));
    expect(printed.out).toContain(`fc_0.tmp_1: float32[2,1] ${JSON.stringify(y.toArray())}`);
  });

  test('user errors are one line and exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sagraph-cli-'));
    writeFileSync(join(dir, 'junk.pdmodel'), 'not a program');
    for (const [args, msg] of [
      [['inspect', join(dir, 'missing')], 'sagraph: no model at'],
      [['inspect', join(dir, 'junk.pdmodel')], 'sagraph: program: not a valid ProgramDesc'],
      [['compile', join(FIXTURES, 'p2o-fit-a-line'), '-o', join(dir, 'x'), '--lr', 'fast'], "sagraph: --lr must be a number > 0, received 'fast'"],
      [['compile', join(FIXTURES, 'p2o-fit-a-line'), '-o', join(dir, 'x'), '--loss', 'hinge'], "sagraph: --loss must be mse or ce, received 'hinge'"],
      [['compile', join(FIXTURES, 'paddlerec-join-train', 'main_program'), '-o', join(dir, 'x')], 'sagraph: '],
      [['run', join(FIXTURES, 'p2o-fit-a-line'), '--feed', 'x'], "sagraph: --feed must be name=file.npy, received 'x'"],
      [['export-onnx', join(FIXTURES, 'p2o-fit-a-line'), '-o', join(dir, 'm.onnx'), '--fetch', 'nope'], "sagraph: exportOnnx: no variable 'nope' in the program's global block"],
      [['export-onnx', join(FIXTURES, 'p2o-fit-a-line'), '-o', join(dir, 'm.onnx'), '--feed', 'fc_0.w_0', '--fetch', 'fc_0.tmp_1'], "sagraph: exportOnnx: op #0 mul reads 'x', which is neither fed nor computed (add it to feeds)"],
    ] as [string[], string][]) {
      const r = await capture(() => main(args));
      expect(r.code).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain(msg);
    }
  });
});

test('sagraph export-onnx writes the fixture as an ONNX model with a symbolic batch', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sagraph-cli-'));
  const file = join(dir, 'lite.onnx');
  const r = await capture(() => main(['export-onnx', join(FIXTURES, 'lite-simple-model', 'model.pdmodel'), '-o', file]));
  expect(r.code).toBe(0);
  expect(r.out).toContain('ONNX IR 8, opset 17, 3 nodes, 5 initializers');
  expect(r.out).toContain('inputs: image[batch,3,224,224]');
  const m = onnx.ModelProto.decode(readFileSync(file));
  expect(m.graph!.node!.map((n) => n.opType)).toEqual(['Conv', 'BatchNormalization', 'Relu']);
  expect(m.graph!.output!.map((v) => v.name)).toEqual(['batch_norm_0.tmp_3']);
});

test('sagraph export-onnx --training writes the training step of a compiled program; a fused one names the fused op', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sagraph-cli-'));
  const args = ['compile', join(FIXTURES, 'p2o-fit-a-line'), '--loss', 'mse', '--lr', '0.05', '--batch-num', '3'];
  expect((await capture(() => main([...args, '-o', join(dir, 'unfused'), '--no-fuse']))).code).toBe(0);
  expect((await capture(() => main([...args, '-o', join(dir, 'fused')]))).code).toBe(0);
  const r = await capture(() => main(['export-onnx', join(dir, 'unfused.pdmodel'), '-o', join(dir, 'step.onnx'), '--training']));
  expect(r.code).toBe(0);
  const m = onnx.ModelProto.decode(readFileSync(join(dir, 'step.onnx')));
  const inputs = m.graph!.input!.map((v) => v.name);
  expect(inputs.slice(0, 2)).toEqual(['x', 'label']);
  // the state's names carry the process's unique-name counters: match their forms
  for (const form of [/^fc_0\.w_0$/, /^fc_0\.w_0_d_\d+$/, /^fc_0\.w_0_y_\d+$/, /^fc_0\.w_0_m_\d+$/, /^learning_rate_\d+$/]) {
    expect(inputs.filter((n) => form.test(n!))).toHaveLength(1);
  }
  const outputs = m.graph!.output!.map((v) => v.name);
  expect(outputs[0]).toMatch(/^reduce_mean_\d+\.tmp_0$/); // the loss, the program's fetch target
  expect(outputs.slice(1)).toEqual(inputs.slice(2).map((n) => `${n}.next`));
  const f = await capture(() => main(['export-onnx', join(dir, 'fused.pdmodel'), '-o', join(dir, 'f.onnx'), '--training']));
  expect(f.code).toBe(1);
  expect(f.err).toMatch(/^sagraph: exportOnnx: op #\d+ fused_asgd has no ONNX mapping; it is made by sagraph's fuse_optimizer pass: export the program before the pass \(sagraph compile --no-fuse\)/);
});

describe('sagraph demo', () => {
  test('a few steps on a subset of MNIST: the loss falls, the curve and the checkpoint are written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sagraph-demo-'));
    const r = await demoCommand({ limit: 640, epochs: '3', batchSize: '64', lr: '0.1', lrDecay: '0.7', hidden: '32', out: dir, quiet: true });
    const first = r.losses.slice(0, 10).reduce((a, b) => a + b, 0) / 10;
    const last = r.losses.slice(-10).reduce((a, b) => a + b, 0) / 10;
    expect(r.losses).toHaveLength(30);
    expect(last).toBeLessThan(first * 0.8);
    expect(r.accuracy[2]).toBeGreaterThan(0.3); // chance is 0.1
    expect(readdirSync(dir).sort()).toEqual(['loss.csv', 'loss.svg', 'mnist.pdmodel', 'mnist.pdopt', 'mnist.pdparams']);
    expect(readFileSync(join(dir, 'loss.svg'), 'utf8')).toMatch(/^<svg/);
    // the checkpoint loads back
    const program = Program.parseFromString(new Uint8Array(readFileSync(join(dir, 'mnist.pdmodel'))));
    await load(program, join(dir, 'mnist'), { scope: new Scope() });
  });
});
