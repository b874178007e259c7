import { Executor, Scope, Tensor, data, nn, ops } from '../../src';
import { build, expectTensor } from '../helpers';
import { refConv2d } from '../reference';


test('a classifier head: crossEntropy with rank-1 labels, accuracy, mseLoss', async () => {
  const { main, startup, out } = build(() => {
    const x = data('x', [-1, 2]);
    const label = data('label', [-1], 'int64');
    const logits = nn.fc(x, 3, { biasAttr: false });
    return {
      ce: ops.crossEntropy(logits, label),
      ceSum: ops.crossEntropy(logits, label, { reduction: 'sum' }),
      acc: ops.accuracy(logits, ops.reshape(label, [-1, 1])),
      mse: ops.mseLoss(logits, ops.fullLike(logits, 1)),
    };
  });
  const scope = new Scope();
  const exe = new Executor();
  await exe.run(startup, { scope });
  scope.setVar('fc_0.w_0', [[1, 0, 0], [0, 1, 0]]);
  // logits = [[2, 0, 0], [0, 1, 0]]; labels 0 and 2
  const feed = { x: [[2, 0], [0, 1]], label: Tensor.from([0n, 2n]) };
  const [ce, ceSum, acc, mse] = await exe.run(main, { feed, fetchList: [out.ce, out.ceSum, out.acc, out.mse], scope });
  const l0 = Math.log(Math.exp(2) + 2) - 2;
  const l1 = Math.log(Math.E + 2);
  expectTensor(ce, [], [(l0 + l1) / 2]);
  expectTensor(ceSum, [], [l0 + l1]);
  expectTensor(acc, [1], [0.5]);
  // (logits - 1)^2: [1, 1, 1, 1, 0, 1] / 6
  expectTensor(mse, [], [5 / 6]);
});

test('conv2d → relu → pool2d → fc runs with any batch size and matches a reference', async () => {
  const { main, startup, out } = build(() => {
    const img = data('img', [-1, 2, 5, 5]);
    const c = nn.conv2d(img, 3, 3, { padding: 1, activation: 'relu', biasAttr: false });
    const p = nn.pool2d(c, { poolType: 'avg', globalPooling: true });
    return { c, y: nn.fc(ops.flatten(p, 1), 1, { biasAttr: false, weightAttr: { name: 'head' } }) };
  });
  expect(main.globalBlock().var(out.c.name).shape).toEqual([-1, 3, 5, 5]);
  const scope = new Scope();
  const exe = new Executor();
  await exe.run(startup, { scope });
  scope.setVar('head', [[1], [1], [1]]);
  const w = scope.findVar('conv2d_0.w_0')!.toFlat();
  const x = Array.from({ length: 3 * 50 }, (_, i) => Math.sin(i));
  const [y] = await exe.run(main, { feed: { img: Tensor.from(x, { shape: [3, 2, 5, 5] }) }, fetchList: [out.y], scope });
  const conv = refConv2d(x.map(Math.fround), [3, 2, 5, 5], w, [3, 2, 3, 3], { stride: [1, 1], pad: [1, 1, 1, 1], dil: [1, 1], groups: 1 });
  const want = [0, 1, 2].map((n) => conv.data.slice(n * 75, n * 75 + 75).reduce((a, v) => a + Math.max(v, 0), 0) / 25);
  expectTensor(y, [3, 1], want, { rtol: 1e-5, atol: 1e-6 });
});

test('embedding, split and concat through the API', async () => {
  const { main, startup, out } = build(() => {
    const ids = data('ids', [-1, 2], 'int64');
    const e = nn.embedding(ids, [4, 2], { weightAttr: { name: 'emb' }, paddingIdx: 0 });
    const [a, b] = ops.split(e, 2, 1);
    return ops.concat([b, a], 1);
  });
  const scope = new Scope();
  const exe = new Executor();
  await exe.run(startup, { scope });
  scope.setVar('emb', [[9, 9], [1, 2], [3, 4], [5, 6]]);
  const [r] = await exe.run(main, { feed: { ids: Tensor.from([[1n, 0n], [3n, 2n]]) }, fetchList: [out], scope });
  // rows [e(1), e(0)=pad=0] and [e(3), e(2)], halves swapped along axis 1
  expectTensor(r, [2, 2, 2], [0, 0, 1, 2, 3, 4, 5, 6]);
});
