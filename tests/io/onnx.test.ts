/**
 * @jest-environment ./tests/onnx-environment.js
 *
 * ONNX export, checked by another runtime: ONNX Runtime runs each exported model on the feeds the
 * executor ran, and Debian's onnx checker (full check) accepts every model written.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { appendBackward, ASGD, ClipGradByGlobalNorm, data, Executor, L2Decay, nn, ops, Program, Scope, Tensor } from '../../src';
import type { WeightDecay } from '../../src/optimizer/asgd';
import { encodeOnnx, exportOnnx } from '../../src/io/onnx';
import { readCombined } from '../../src/io/tensor-file';
import type { Variable } from '../../src/program/variable';
import { build, randomArray } from '../helpers';

const FIXTURES = path.join(__dirname, '../../../shared/fixtures/paddle');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sagraph-onnx-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** onnx.checker with full checking (shape inference included), in Debian's python3-onnx. */
function checkModel(bytes: Uint8Array, name: string): void {
  const file = path.join(tmp, `${name}.onnx`);
  fs.writeFileSync(file, bytes);
  const script = 'import onnx, sys\nm = onnx.load(sys.argv[1])\nonnx.checker.check_model(m, full_check=True)\nprint("ok", m.ir_version, m.opset_import[0].version)';
  const out = execFileSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' });
  expect(out.trim()).toBe('ok 8 17');
}

async function runOrt(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const input: Record<string, ort.Tensor> = {};
  for (const [k, t] of Object.entries(feeds)) input[k] = new ort.Tensor(t.dtype === 'float32' ? 'float32' : (t.dtype as 'int64'), t.data as Float32Array, t.shape);
  return session.run(input);
}

/** Exports, checks, runs in ONNX Runtime and compares every fetch with the executor's. */
async function compare(program: Program, scope: Scope, feeds: Record<string, Tensor>, fetches: (Variable | string)[], name: string): Promise<void> {
  const model = exportOnnx(program, { feeds: Object.keys(feeds), fetches, scope });
  const bytes = encodeOnnx(model);
  checkModel(bytes, name);
  const want = await new Executor().run(program, { feed: feeds, fetchList: fetches, scope });
  const got = await runOrt(bytes, feeds);
  fetches.forEach((f, i) => {
    const n = typeof f === 'string' ? f : f.name;
    const g = got[n];
    expect(g).toBeDefined();
    expect([...g.dims]).toEqual(want[i].shape);
    expectClose(n, g.data as Float32Array, want[i].data as Float32Array);
  });
}

/**
 * ONNX Runtime's values against the executor's: 1e-5 relative per element, with an absolute floor of
 * 1e-6 of the largest magnitude for elements near zero (sums that cancel keep the rounding error of
 * their large terms).
 */
function expectClose(what: string, got: ArrayLike<number | bigint>, want: ArrayLike<number | bigint>): void {
  const a = Array.from(got, Number);
  const w = Array.from(want, Number);
  const floor = 1e-6 * w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const bad = a.findIndex((v, j) => !(Math.abs(v - w[j]) <= 1e-5 * Math.abs(w[j]) + floor));
  expect(bad < 0 ? 'all close' : `${what}[${bad}]: ONNX Runtime ${a[bad]}, executor ${w[bad]}`).toBe('all close');
}

const feedOf = (shape: number[], seed: number): Tensor => Tensor.from(randomArray(shape.reduce((a, b) => a * b, 1), seed, -1, 1), { shape });

test('an MLP exports with a symbolic batch and gives the executor’s outputs for two batch sizes', async () => {
  const { main, startup, out } = build(() => {
    const x = data('x', [-1, 13]);
    const h = nn.fc(x, 32, { activation: 'relu' });
    const g = ops.gelu(nn.fc(h, 16, { activation: 'tanh' }));
    return { prob: ops.softmax(nn.fc(g, 4)) };
  });
  const scope = new Scope();
  await new Executor().run(startup, { scope });
  const model = exportOnnx(main, { feeds: ['x'], fetches: [out.prob], scope });
  const dims = model.graph!.input![0].type!.tensorType!.shape!.dim!;
  expect(dims.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 13]);
  // every parameter is an initializer, nothing else is fed
  expect(model.graph!.input!.map((i) => i.name)).toEqual(['x']);
  expect(model.graph!.initializer!.filter((t) => t.name!.startsWith('fc_')).map((t) => t.name).sort()).toEqual(
    ['fc_0.b_0', 'fc_0.w_0', 'fc_1.b_0', 'fc_1.w_0', 'fc_2.b_0', 'fc_2.w_0'],
  );
  await compare(main, scope, { x: feedOf([5, 13], 1) }, [out.prob], 'mlp');
  await compare(main, scope, { x: feedOf([2, 13], 2) }, [out.prob], 'mlp');
});

test('a CNN (conv, batch norm, pooling, dropout) exports from its test clone and matches the executor', async () => {
  const { main, startup, out } = build(() => {
    const img = data('img', [-1, 3, 12, 12]);
    const c1 = nn.conv2d(img, 4, 3, { padding: 1, activation: 'relu' });
    const b1 = nn.batchNorm(c1, { activation: 'relu' });
    const p1 = nn.pool2d(b1, { poolSize: 2, poolStride: 2, poolType: 'max' });
    const c2 = nn.conv2d(p1, 6, 3, { stride: 2, padding: [1, 0], groups: 2 });
    const p2 = nn.pool2d(c2, { poolSize: 2, poolType: 'avg', poolPadding: 1 });
    const d = nn.dropout(p2, 0.25);
    return { logits: nn.fc(ops.flatten(d, 1), 5), g: nn.pool2d(c2, { poolType: 'avg', globalPooling: true }) };
  });
  const scope = new Scope();
  await new Executor().run(startup, { scope });
  // non-trivial running statistics, so the test-mode normalisation is seen
  scope.setVar('batch_norm_0.w_1', Tensor.from([0.1, -0.2, 0.3, 0], { shape: [4] }));
  scope.setVar('batch_norm_0.w_2', Tensor.from([0.5, 2, 1, 0.25], { shape: [4] }));
  const test = main.clone({ forTest: true });
  expect(() => exportOnnx(main, { feeds: ['img'], fetches: [out.logits], scope })).toThrow(/op #\d+ batch_norm: training mode \(batch statistics\) has no ONNX mapping; export program.clone\(\{ forTest: true \}\)/);
  await compare(test, scope, { img: feedOf([3, 3, 12, 12], 3) }, [out.logits.name, out.g.name], 'cnn');
});

test('the Paddle-Lite fixture (conv2d, batch_norm, relu written by PaddlePaddle) matches the executor', async () => {
  const p = Program.parseFromString(fs.readFileSync(path.join(FIXTURES, 'lite-simple-model/model.pdmodel')));
  const names = [...p.globalBlock().vars.values()].filter((v) => v.persistable).map((v) => v.name).sort();
  const scope = new Scope();
  for (const [n, t] of readCombined(fs.readFileSync(path.join(FIXTURES, 'lite-simple-model/model.pdiparams')), names, 'model.pdiparams')) scope.setVar(n, t);
  await compare(p, scope, { image: feedOf([1, 3, 224, 224], 4) }, p.fetchTargetNames, 'lite-simple-model');
}, 60_000);

test('the Paddle.js gesture model (depthwise convs, relu6, 179 nodes) in test mode matches the executor', async () => {
  const p = Program.parseFromString(fs.readFileSync(path.join(FIXTURES, 'paddlejs-gesture-rec/__model__'))).clone({ forTest: true });
  const names = [...p.globalBlock().vars.values()].filter((v) => v.persistable).map((v) => v.name).sort();
  const scope = new Scope();
  for (const [n, t] of readCombined(fs.readFileSync(path.join(FIXTURES, 'paddlejs-gesture-rec/params')), names, 'params')) scope.setVar(n, t);
  await compare(p, scope, { img: feedOf([2, 3, 224, 224], 5) }, p.fetchTargetNames, 'gesture');
}, 60_000);

/** A program of raw ops on fed variables: each call appends one op and returns its output names. */
function rawProgram(): { p: Program; feed: (name: string, shape: number[], dtype?: 'float32' | 'int64') => string; op: (type: string, inputs: Record<string, string | string[]>, attrs?: object, outs?: Record<string, number>) => string[] } {
  const p = new Program();
  const b = p.globalBlock();
  let k = 0;
  return {
    p,
    feed(name, shape, dtype = 'float32') {
      b.createVar({ name, shape, dtype, isData: true });
      return name;
    },
    op(type, inputs, attrs = {}, outs = { Out: 1 }) {
      const outputs: Record<string, string[]> = {};
      for (const [slot, n] of Object.entries(outs)) {
        outputs[slot] = Array.from({ length: n }, () => {
          const name = `v${k++}`;
          b.createVar({ name, shape: [], dtype: 'float32' });
          return name;
        });
      }
      const ins = Object.fromEntries(Object.entries(inputs).map(([s, v]) => [s, Array.isArray(v) ? v : [v]]));
      b.appendOp({ type: type as never, inputs: ins, outputs, attrs: attrs as never });
      return Object.values(outputs).flat();
    },
  };
}

test('elementwise ops with Paddle’s axis, reductions, matmul, slicing and the other mapped ops match the executor', async () => {
  const { p, feed, op } = rawProgram();
  const x = feed('x', [-1, 3, 4]);
  const c = feed('c', [3]);
  const m = feed('m', [4, 5]);
  const ids = feed('ids', [-1, 2], 'int64');
  const table = feed('table', [6, 3]);
  const [xc] = op('elementwise_add', { X: x, Y: c }, { axis: 1 }); // c lines up with dim 1, not the last
  const [xd] = op('elementwise_div', { X: xc, Y: op('abs', { X: xc })[0] }, { axis: -1 });
  const [mod] = op('elementwise_mod', { X: x, Y: op('scale', { X: op('abs', { X: x })[0] }, { scale: 0.5, bias: 0.3, bias_after_scale: false })[0] });
  const [mx] = op('elementwise_max', { X: op('leaky_relu', { X: x }, { alpha: 0.1 })[0], Y: op('relu6', { X: op('scale', { X: x }, { scale: 8 })[0] }, { threshold: 6 })[0] });
  const [ge] = op('gelu', { X: x }, { approximate: true });
  const [pw] = op('pow', { X: op('sigmoid', { X: x })[0] }, { factor: 1.5 });
  const [mm] = op('matmul_v2', { X: x, Y: m });
  const [mt] = op('matmul_v2', { X: mm, Y: mm }, { trans_x: true, trans_y: false });
  const [rs] = op('reduce_sum', { X: mt }, { dim: [0, 2], keep_dim: true });
  const [rm] = op('reduce_mean', { X: x }, { dim: [-1] });
  const [rmax] = op('reduce_max', { X: x }, { reduce_all: true });
  const [tr] = op('transpose2', { X: x }, { axis: [2, 0, 1] }, { Out: 1, XShape: 1 });
  const [sl] = op('slice', { Input: x }, { axes: [1, 2], starts: [1, -3], ends: [2, 100], decrease_axis: [1] });
  const [s0, s1] = op('split', { X: x }, { axis: 2, sections: [1, -1] }, { Out: 2 });
  const [cat] = op('concat', { X: [s1, s0, op('exp', { X: s0 })[0]] }, { axis: -1 });
  const [ga] = op('gather', { X: x, Index: op('cast', { X: op('fill_constant', {}, { shape: [2], dtype: 'float32', value: 2 })[0] }, { in_dtype: 'float32', out_dtype: 'int64' })[0] }, { axis: 1 });
  const [emb] = op('lookup_table_v2', { W: table, Ids: ids }, { padding_idx: 2 });
  const [mul] = op('mul', { X: x, Y: op('reshape2', { X: m }, { shape: [2, -1, 5] }, { Out: 1, XShape: 1 })[0] }, { x_num_col_dims: 2, y_num_col_dims: 2 });
  const [fl] = op('flatten_contiguous_range', { X: op('clip', { X: x }, { min: -0.5, max: 0.25 })[0] }, { start_axis: 0, stop_axis: 1 }, { Out: 1, XShape: 1 });
  const [sm] = op('sum', { X: [op('tanh', { X: x })[0], op('square', { X: x })[0], op('sign', { X: x })[0]] });
  const [ls] = op('log_softmax', { X: x }, { axis: 1 });
  const [oh] = op('one_hot_v2', { X: ids }, { depth: 6, dtype: 'float32', allow_out_of_range: false });
  const [like] = op('fill_any_like', { X: x }, { value: 0.75, dtype: null });
  const feeds = {
    x: feedOf([2, 3, 4], 7),
    c: feedOf([3], 8),
    m: feedOf([4, 5], 9),
    ids: Tensor.from([[0, 2], [5, 2]], { dtype: 'int64' }),
    table: feedOf([6, 3], 10),
  };
  await compare(p, new Scope(), feeds, [xd, mod, mx, ge, pw, rs, rm, rmax, tr, sl, cat, ga, emb, mul, fl, sm, ls, oh, like], 'zoo');
});

test('export errors name the op and what was wrong', async () => {
  const { main, startup, out } = build(() => {
    const x = data('x', [-1, 4]);
    const label = data('label', [-1, 1], 'int64');
    const logits = nn.fc(x, 3);
    return { logits, acc: ops.accuracy(ops.softmax(logits), label) };
  });
  const scope = new Scope();
  expect(() => exportOnnx(main, { feeds: ['x'], fetches: [out.logits], scope })).toThrow(/op #0 mul reads 'fc_0.w_0', which is not initialised in the scope/);
  await new Executor().run(startup, { scope });
  expect(() => exportOnnx(main, { feeds: ['x', 'label'], fetches: [out.acc], scope })).toThrow(/op #\d top_k_v2 has no ONNX mapping \(ops with one: .*conv2d/);
  expect(() => exportOnnx(main, { feeds: [], fetches: [out.logits], scope })).toThrow(/reads 'x', which is neither fed nor computed/);
  expect(() => exportOnnx(main, { feeds: ['x'], fetches: ['nope'], scope })).toThrow(/no variable 'nope'/);
  expect(() => exportOnnx(main, { feeds: ['x'], fetches: [], scope })).toThrow(/fetches is empty/);
  expect(() => exportOnnx(main, { feeds: ['x', 'x'], fetches: [out.logits], scope })).toThrow(/'x' is listed twice in feeds/);
  expect(() => exportOnnx(main, { feeds: ['x'], fetches: [out.logits, out.logits], scope })).toThrow(/'fc_0.tmp_1' is listed twice in fetches/);
});

test('the backward graph of an MLP (cross-entropy with ignore_index, soft labels, squared error) exports: its gradients match the executor’s', async () => {
  const { main, startup, out } = build(() => {
    const x = data('x', [-1, 6]);
    const label = data('label', [-1, 1], 'int64');
    const soft = data('soft', [-1, 4]);
    const y = data('y', [-1, 4]);
    const h = nn.fc(x, 8, { activation: 'tanh' });
    const logits = nn.fc(nn.fc(h, 8, { activation: 'relu' }), 4, { activation: 'sigmoid' });
    const hard = ops.mean(ops.softmaxWithCrossEntropy(logits, label, { ignoreIndex: 2 }));
    const softLoss = ops.sum(ops.softmaxWithCrossEntropy(logits, soft, { softLabel: true }));
    const mse = ops.mean(ops.square(ops.subtract(ops.multiply(logits, y), ops.divide(y, ops.add(ops.square(logits), 1)))));
    const loss = ops.add(ops.add(hard, softLoss), mse);
    return { loss, grads: appendBackward(loss).map(([, g]) => g) };
  });
  const scope = new Scope();
  await new Executor().run(startup, { scope });
  const feeds = {
    x: feedOf([5, 6], 11),
    label: Tensor.from([[0], [2], [3], [1], [2]], { dtype: 'int64' }),
    soft: Tensor.from(randomArray(20, 12, 0, 1), { shape: [5, 4] }),
    y: feedOf([5, 4], 13),
  };
  expect(out.grads).toHaveLength(6);
  await compare(main, scope, feeds, [out.loss, ...out.grads], 'mlp-backward');
});

describe('training export: the whole ASGD step as one graph, state threaded through', () => {
  async function tenSteps(weightDecay: WeightDecay, clip: boolean, name: string): Promise<void> {
    const { main, startup, out } = build(() => {
      const x = data('x', [-1, 5]);
      const label = data('label', [-1, 1], 'int64');
      const h = nn.fc(x, 6, { activation: 'relu' });
      const loss = ops.mean(ops.softmaxWithCrossEntropy(nn.fc(h, 3), label));
      new ASGD({ learningRate: 0.2, batchNum: 3, weightDecay, gradClip: clip ? new ClipGradByGlobalNorm(0.5) : null }).minimize(loss);
      return { loss };
    });
    const scope = new Scope();
    await new Executor().run(startup, { scope });
    const model = exportOnnx(main, { feeds: ['x', 'label'], fetches: [out.loss], scope, training: true });
    const bytes = encodeOnnx(model);
    checkModel(bytes, name);
    const stateNames = model.graph!.input!.slice(2).map((v) => v.name!);
    // parameters, d, y (all batchNum slots), m and the learning rate, each an input by its own name
    expect(stateNames.sort()).toEqual(
      [...main.globalBlock().vars.values()].filter((v) => v.persistable).map((v) => v.name).sort(),
    );
    expect(model.graph!.output!.map((v) => v.name)).toEqual([out.loss.name, ...model.graph!.input!.slice(2).map((v) => `${v.name}.next`)]);
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    const toOrt = (t: Tensor): ort.Tensor => new ort.Tensor(t.dtype as 'float32', t.data as Float32Array, t.shape);
    let state: Record<string, ort.Tensor> = Object.fromEntries(model.graph!.input!.slice(2).map((v) => [v.name!, toOrt(scope.findVar(v.name!)!)]));
    const exe = new Executor();
    for (let step = 0; step < 10; step++) {
      const feeds = { x: feedOf([4, 5], 100 + step), label: Tensor.from([[step % 3], [(step + 1) % 3], [2], [0]], { dtype: 'int64' }) };
      const [loss] = await exe.run(main, { feed: feeds, fetchList: [out.loss], scope });
      const got = await session.run({ x: toOrt(feeds.x), label: toOrt(feeds.label), ...state });
      expectClose(`step ${step}, loss`, got[out.loss.name].data as Float32Array, loss.data as Float32Array);
      state = {};
      for (const n of stateNames) {
        const next = got[`${n}.next`];
        expectClose(`step ${step}, ${n}`, next.data as Float32Array, scope.findVar(n)!.data as Float32Array);
        state[n] = next;
      }
    }
    // the step counters moved: every y slot was written
    const m = stateNames.filter((n) => /_m_0$/.test(n));
    expect(m.length).toBeGreaterThan(0);
    for (const n of m) expect(Number((state[n].data as BigInt64Array)[0])).toBe(10);
  }

  test('10 steps with batchNum 3, global-norm clipping and a float (decoupled) decay match 10 executor runs', async () => {
    await tenSteps(0.05, true, 'train-float-decay');
  });

  test('10 steps with an L2Decay regulariser match 10 executor runs', async () => {
    await tenSteps(new L2Decay(0.05), false, 'train-l2');
  });
});

/** An op the API has no function for, appended to x's block with one differentiable output. */
function appendOp(x: Variable, type: 'relu6' | 'slice', slot: string, attrs: object, shape: number[]): Variable {
  const out = x.block.createVar({ name: `${x.name}.${type}`, shape, dtype: x.dtype });
  out.stopGradient = false;
  x.block.appendOp({ type, inputs: { [slot]: [x.name] }, outputs: { Out: [out.name] }, attrs: attrs as never });
  return out;
}

test('the gradients of the other mapped ops (activations, max/min/pow, batched matmul, softmax, reductions, reshapes, slices, concat, gather, embedding) match the executor', async () => {
  const { main, startup, out } = build(() => {
    const x = data('x', [-1, 6]);
    const ids = data('ids', [-1, 3], 'int64');
    const rows = data('rows', [3], 'int64');
    const h = nn.fc(x, 8);
    const h3 = ops.reshape(h, [-1, 2, 4]);
    const emb = nn.embedding(ids, [10, 8], { paddingIdx: 1 });
    const terms = [
      ops.exp(ops.scale(h, 0.1)),
      ops.log(ops.add(ops.abs(h), 1)),
      ops.sqrt(ops.add(ops.square(h), 1)),
      ops.leakyRelu(h, 0.1),
      appendOp(ops.scale(h, 5), 'relu6', 'X', { threshold: 6 }, [-1, 8]),
      ops.gelu(h),
      ops.gelu(h, true),
      ops.pow(ops.sigmoid(h), 1.5),
      ops.pow(ops.add(ops.abs(h), 0.5), ops.scale(ops.sigmoid(h), 2)),
      ops.maximum(h, ops.scale(h, -0.5)),
      ops.minimum(h, ops.tanh(h)),
      ops.flatten(ops.matmul(h3, h3, false, true), 1),
      ops.flatten(ops.matmul(ops.transpose(h3, [0, 2, 1]), h3, true, true), 1),
      ops.softmax(h),
      ops.logSoftmax(h),
      ops.max(h3, 1),
      ops.flatten(ops.transpose(h3, [0, 2, 1]), 1),
      ops.concat([h, ops.tanh(h)], 1),
      ops.gather(h, rows),
      ops.sum(emb, 1),
      ops.flatten(ops.slice(h3, [1, 2], [1, -3], [2, 100]), 1),
      // slice with decrease_axis (the API keeps the dim): row 1 of dim 1 → [-1, 4]
      appendOp(h3, 'slice', 'Input', { axes: [1], starts: [1], ends: [2], decrease_axis: [1] }, [-1, 4]),
    ];
    const loss = terms.reduce((acc, t, i) => ops.add(acc, ops.scale(ops.mean(ops.multiply(t, t)), 1 + i / 10)), ops.mean(h));
    return { loss, grads: appendBackward(loss).map(([, g]) => g) };
  });
  const scope = new Scope();
  await new Executor().run(startup, { scope });
  const feeds = {
    x: feedOf([4, 6], 21),
    ids: Tensor.from([[1, 3, 3], [0, 9, 1], [4, 4, 2], [7, 1, 5]], { dtype: 'int64' }),
    rows: Tensor.from([2, 0, 2], { dtype: 'int64' }),
  };
  await compare(main, scope, feeds, [out.loss, ...out.grads], 'zoo-backward');
});

test('conv2d gradients (stride, asymmetric padding, dilation, groups, SAME) match the executor', async () => {
  const { main, startup, out } = build(() => {
    const img = data('img', [-1, 4, 11, 10]);
    const a = nn.conv2d(img, 6, 3, { stride: 2, padding: [1, 0], groups: 2, activation: 'tanh' });
    const b = nn.conv2d(img, 3, [3, 2], { dilation: 2, padding: [2, 1, 0, 1] });
    const c = nn.conv2d(img, 2, 3, { stride: [2, 3], padding: 'SAME' });
    // convolutions of convolutions: their inputs' gradients go through the transposed convolution
    const d = nn.conv2d(a, 4, 3, { stride: 2, padding: 1, groups: 2 });
    const e = nn.conv2d(b, 2, 2, { stride: 3, dilation: [1, 2] });
    const loss = [ops.mean(ops.square(a)), ops.mean(ops.multiply(b, b)), ops.mean(ops.sigmoid(c)), ops.mean(ops.square(d)), ops.mean(ops.tanh(e))].reduce((x, y) => ops.add(x, y));
    return { loss, grads: appendBackward(loss).map(([, g]) => g) };
  });
  const scope = new Scope();
  await new Executor().run(startup, { scope });
  await compare(main, scope, { img: feedOf([2, 4, 11, 10], 31) }, [out.loss, ...out.grads], 'conv-backward');
});
