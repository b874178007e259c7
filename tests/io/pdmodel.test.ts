import { readFileSync } from 'fs';
import { join } from 'path';
import { ASGD, ClipGradByGlobalNorm, Executor, Program, ProgramError, Scope, Tensor, data, nn, ops, passes, readCombined, readTensor, verifyProgram } from '../../src';
import { decodeProgramDesc } from '../../src/io/framework-proto';
import { build, expectTensor, randomArray, seeded } from '../helpers';
import { refConv2d } from '../reference';

const FIXTURES = join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'paddle');
const read = (p: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, p)));

describe('.pdmodel programs', () => {
  test('a training program sagraph wrote re-reads to the same program and re-writes to the same bytes', () => {
    const { main, startup } = build(() => {
      const x = data('x', [-1, 4]);
      const label = data('label', [-1], 'int64');
      const h = nn.dropout(nn.batchNorm(nn.fc(x, 8, { activation: 'relu' })), 0.2);
      const logits = nn.fc(ops.reshape(h, [-1, 8]), 3);
      const loss = ops.crossEntropy(logits, label);
      new ASGD({ learningRate: 0.1, batchNum: 2, gradClip: new ClipGradByGlobalNorm(1), weightDecay: 0.01 }).minimize(loss);
    });
    for (const p of [main, startup, passes.apply(main, ['fuse_optimizer'])]) {
      const bytes = p.serializeToString();
      const back = Program.parseFromString(bytes);
      expect(back.toString()).toBe(p.toString());
      expect(Buffer.from(back.serializeToString()).equals(Buffer.from(bytes))).toBe(true);
      verifyProgram(back);
    }
    // the fused op is marked as sagraph's own
    const fused = decodeProgramDesc(passes.apply(main, ['fuse_optimizer']).serializeToString());
    const op = fused.blocks![0].ops!.find((o) => o.type === 'fused_asgd')!;
    expect(op.attrs!.find((a) => a.name === 'sagraph_only')?.b).toBe(true);
    expect(op.attrs!.find((a) => a.name === 'op_role')?.i).toBe(2);
  });

  test('a re-read training program trains like the original', async () => {
    const make = () =>
      build(() => {
        const loss = ops.mseLoss(nn.fc(data('x', [-1, 3]), 1), data('y', [-1, 1]));
        new ASGD({ learningRate: 0.1, batchNum: 2 }).minimize(loss);
        return loss;
      });
    const a = make();
    const b = { main: Program.parseFromString(a.main.serializeToString()), startup: Program.parseFromString(a.startup.serializeToString()) };
    const feed = { x: Tensor.from(randomArray(12, 1), { shape: [4, 3] }), y: Tensor.from(randomArray(4, 2), { shape: [4, 1] }) };
    const losses = async (p: { main: Program; startup: Program }) => {
      const scope = new Scope();
      const exe = new Executor();
      p.startup.randomSeed = 4;
      await exe.run(p.startup, { scope });
      const out: number[] = [];
      for (let s = 0; s < 5; s++) out.push((await exe.run(p.main, { feed, fetchList: [a.out.name], scope }))[0].data[0] as number);
      return out;
    };
    expect(await losses(b)).toEqual(await losses(a));
  });

  test('fit_a_line (Fluid 2018) runs and matches a float64 computation from its weights', async () => {
    const p = Program.parseFromString(read('p2o-fit-a-line/__model__'));
    expect(p.feedTargetNames).toEqual(['x']);
    expect(p.fetchTargetNames).toEqual(['fc_0.tmp_1']);
    const scope = new Scope();
    const w = readTensor(read('p2o-fit-a-line/fc_0.w_0'), 0, 'fc_0.w_0').tensor;
    const b = readTensor(read('p2o-fit-a-line/fc_0.b_0'), 0, 'fc_0.b_0').tensor;
    scope.setVar('fc_0.w_0', w);
    scope.setVar('fc_0.b_0', b);
    const x = randomArray(3 * 13, 5, -1, 1).map(Math.fround);
    const [y] = await new Executor().run(p, { feed: { x: Tensor.from(x, { shape: [3, 13] }) }, fetchList: p.fetchTargetNames, scope });
    const wv = w.toFlat();
    const want = [0, 1, 2].map((s) => x.slice(s * 13, s * 13 + 13).reduce((acc, v, i) => acc + v * wv[i], b.toFlat()[0]));
    expectTensor(y, [3, 1], want, { rtol: 1e-6, atol: 1e-6 });
  });

  test('the Paddle-Lite model runs: conv2d → batch_norm (test mode) → relu against a float64 computation', async () => {
    const p = Program.parseFromString(read('lite-simple-model/model.pdmodel'));
    const names = [...p.globalBlock().vars.values()].filter((v) => v.persistable).map((v) => v.name).sort();
    const params = readCombined(read('lite-simple-model/model.pdiparams'), names, 'model.pdiparams');
    const scope = new Scope();
    for (const [n, t] of params) scope.setVar(n, t);
    const H = 224; // the feed is declared [-1, 3, 224, 224]
    const x = randomArray(3 * H * H, 9, -1, 1).map(Math.fround);
    const [y] = await new Executor().run(p, { feed: { image: Tensor.from(x, { shape: [1, 3, H, H] }) }, fetchList: p.fetchTargetNames, scope });
    expect(y.shape).toEqual([1, 32, H / 2, H / 2]);
    const conv = refConv2d(x, [1, 3, H, H], params.get('conv1_weights')!.toFlat(), [32, 3, 3, 3], { stride: [2, 2], pad: [1, 1, 1, 1], dil: [1, 1], groups: 1 });
    const [mean, variance, scale, offset] = ['conv1_bn_mean', 'conv1_bn_variance', 'conv1_bn_scale', 'conv1_bn_offset'].map((n) => params.get(n)!.toFlat());
    const eps = Math.fround(1e-5);
    const plane = (H / 2) * (H / 2);
    const want = conv.data.map((v, i) => {
      const c = Math.floor(i / plane) % 32;
      return Math.max(((v - mean[c]) / Math.sqrt(variance[c] + eps)) * scale[c] + offset[c], 0);
    });
    expectTensor(y, [1, 32, H / 2, H / 2], want, { rtol: 1e-4, atol: 1e-5 });
  });

  test('the Paddle.js gesture model (depthwise conv, relu6) loads and runs', async () => {
    const p = Program.parseFromString(read('paddlejs-gesture-rec/__model__'));
    verifyProgram(p);
    const names = [...p.globalBlock().vars.values()].filter((v) => v.persistable).map((v) => v.name).sort();
    const scope = new Scope();
    for (const [n, t] of readCombined(read('paddlejs-gesture-rec/params'), names, 'params')) scope.setVar(n, t);
    const shape = p.globalBlock().var(p.feedTargetNames[0]).shape.map((d) => (d < 0 ? 1 : d));
    const x = Tensor.from(randomArray(shape.reduce((a, b) => a * b, 1), 3, 0, 1), { shape });
    const [y] = await new Executor().run(p, { feed: { [p.feedTargetNames[0]]: x }, fetchList: p.fetchTargetNames, scope });
    expect(y.shape[0]).toBe(1);
    expect(y.toFlat().every(Number.isFinite)).toBe(true);
  });

  test('the PaddleRec training programs load with the ops sagraph lacks kept as they are; a run that needs them says which', async () => {
    for (const f of ['main_program', 'startup_program', 'inference_program']) {
      const p = Program.parseFromString(read(`paddlerec-join-train/${f}`));
      verifyProgram(p);
      const text = p.toString();
      expect(text).toContain('program {randomSeed: 0}');
      const d = decodeProgramDesc(read(`paddlerec-join-train/${f}`));
      expect(p.globalBlock().ops.length).toBe(d.blocks![0].ops!.filter((o) => o.type !== 'feed' && o.type !== 'fetch').length);
      // writing it back keeps every op, foreign ones with their attributes as read
      const again = decodeProgramDesc(p.serializeToString());
      expect(again.blocks![0].ops!.map((o) => o.type)).toEqual(d.blocks![0].ops!.map((o) => o.type));
      const foreign = d.blocks![0].ops!.find((o) => o.type === 'data_norm');
      if (foreign) expect(again.blocks![0].ops!.find((o) => o.type === 'data_norm')!.attrs).toEqual(foreign.attrs);
    }
    const main = Program.parseFromString(read('paddlerec-join-train/main_program'));
    const roles = main.globalBlock().ops.map((o) => o.role);
    expect(roles.filter((r) => r & 1).length).toBeGreaterThan(20); // backward ops recognised by op_role
    expect(main.toString()).toMatch(/data_norm\(.*\/\/ not implemented by sagraph/);
    await expect(new Executor().run(main, { scope: new Scope() })).rejects.toThrow(/the run needs ops sagraph does not implement: op #0 data_norm, .*log_loss/);
  });
});

describe('damaged programs give clear errors only', () => {
  test.each(['p2o-fit-a-line/__model__', 'lite-simple-model/model.pdmodel', 'paddlejs-gesture-rec/__model__', 'paddlerec-join-train/main_program', 'paddlerec-join-train/startup_program'])(
    '%s through Program.parseFromString',
    (file) => {
      const original = read(file);
      const rnd = seeded(original.length);
      for (let k = 0; k < 60; k++) {
        let b = original.slice();
        if (k % 3 === 0) b = b.subarray(0, Math.floor(rnd() * b.length));
        else if (k % 3 === 1) for (let f = 0; f < 3; f++) b[Math.floor(rnd() * b.length)] ^= 1 << Math.floor(rnd() * 8);
        else b.set([0xff, 0xff, 0xff, 0xff, 0x0f], Math.floor(rnd() * Math.max(1, b.length - 5)));
        try {
          Program.parseFromString(b).toString();
        } catch (e) {
          if (!(e instanceof ProgramError)) throw new Error(`mutation ${k} of ${file} threw ${(e as Error).constructor.name}: ${(e as Error).message}`);
        }
      }
    },
  );
});
