import { mkdtempSync, readdirSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ASGD, Executor, FileFormatError, Scope, Tensor, data, load, loadInferenceModel, nn, ops, save, saveInferenceModel } from '../../src';
import { writePickle } from '../../src/io/pickle';
import { writeAtomic } from '../../src/io/save-load';
import { build, randomArray } from '../helpers';

const FIXTURES = join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'paddle');
const tmp = () => mkdtempSync(join(tmpdir(), 'sagraph-save-'));

function model() {
  return build(() => {
    const x = data('x', [-1, 3]);
    const y = data('y', [-1, 1]);
    const pred = nn.fc(nn.batchNorm(nn.fc(x, 4, { activation: 'tanh' })), 1);
    const loss = ops.mseLoss(pred, y);
    new ASGD({ learningRate: 0.1, batchNum: 3, weightDecay: 0.01 }).minimize(loss);
    return { x, pred, loss };
  });
}
const feed = (s: number) => ({ x: Tensor.from(randomArray(12, s), { shape: [4, 3] }), y: Tensor.from(randomArray(4, s + 50), { shape: [4, 1] }) });

test('a checkpoint resumes training with identical numbers', async () => {
  const dir = tmp();
  const { main, startup, out } = model();
  const exe = new Executor();
  const scope = new Scope();
  await exe.run(startup, { scope });
  for (let s = 0; s < 4; s++) await exe.run(main, { feed: feed(s), fetchList: [out.loss], scope });
  await save(main, join(dir, 'ckpt'), { scope });
  expect(readdirSync(dir).sort()).toEqual(['ckpt.pdmodel', 'ckpt.pdopt', 'ckpt.pdparams']);
  const cont = async (sc: Scope) => {
    const losses: number[] = [];
    for (let s = 4; s < 8; s++) losses.push((await exe.run(main, { feed: feed(s), fetchList: [out.loss], scope: sc }))[0].data[0] as number);
    return { losses, w: sc.findVar('fc_1.w_0')!.toFlat(), m: sc.findVar('fc_1.w_0_m_0')!.data[0] };
  };
  const fresh = new Scope();
  await load(main, join(dir, 'ckpt'), { scope: fresh });
  const b = await cont(fresh);
  const a = await cont(scope);
  expect(b).toEqual(a);
  expect(a.m).toBe(8n);
});

test('load checks what it reads against the program', async () => {
  const dir = tmp();
  const { main } = model();
  writeAtomic(join(dir, 'bad.pdparams'), writePickle({ 'fc_0.w_0': Tensor.from([[1, 2]]) }));
  await expect(load(main, join(dir, 'bad'), { scope: new Scope() })).rejects.toThrow(FileFormatError);
  await expect(load(main, join(dir, 'bad'), { scope: new Scope() })).rejects.toThrow('load: fc_0.w_0 is float32[1,2] in');
  await expect(load(main, join(dir, 'none'), { scope: new Scope() })).rejects.toThrow(/no file .*none\.pdparams/);
  await expect(save(main, join(dir, 'x'), { scope: new Scope() })).rejects.toThrow('save: not in the scope: ');
});

test('an inference model saved and loaded gives the same outputs', async () => {
  const dir = tmp();
  const { main, startup, out } = model();
  const exe = new Executor();
  const scope = new Scope();
  await exe.run(startup, { scope });
  for (let s = 0; s < 3; s++) await exe.run(main, { feed: feed(s), fetchList: [out.loss], scope });
  const test = main.clone({ forTest: true });
  const [want] = await exe.run(test, { feed: { x: feed(9).x }, fetchList: [out.pred.name], scope, usePrune: true });
  await saveInferenceModel(join(dir, 'infer'), [out.x], [out.pred], exe, { program: main, scope });
  const other = new Scope();
  const m = await loadInferenceModel(join(dir, 'infer'), exe, { scope: other });
  expect(m.feedTargetNames).toEqual(['x']);
  expect(m.program.globalBlock().ops.every((op) => op.role === 0 || op.role === 256)).toBe(true);
  const [got] = await exe.run(m.program, { feed: { x: feed(9).x }, fetchList: m.fetchTargets, scope: other });
  expect(got.toFlat()).toEqual(want.toFlat());
  expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
});

test("PaddlePaddle's model folders load: one file per variable, and a combined params file", async () => {
  const exe = new Executor();
  const scope = new Scope();
  const fit = await loadInferenceModel(join(FIXTURES, 'p2o-fit-a-line'), exe, { scope });
  expect(fit.feedTargetNames).toEqual(['x']);
  const [y] = await exe.run(fit.program, { feed: { x: Tensor.from(new Float32Array(13).fill(0.1), { shape: [1, 13] }) }, fetchList: fit.fetchTargets, scope });
  expect(y.shape).toEqual([1, 1]);
  const gesture = await loadInferenceModel(join(FIXTURES, 'paddlejs-gesture-rec'), exe, { scope: new Scope() });
  expect(gesture.fetchTargets.map((v) => v.name)).toEqual(['save_infer_model/scale_0']);
  const lite = await loadInferenceModel(join(FIXTURES, 'lite-simple-model', 'model'), exe, { scope: new Scope() });
  expect(lite.feedTargetNames).toEqual(['image']);
});
