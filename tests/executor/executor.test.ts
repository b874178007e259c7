import {
  ASGD,
  CompiledProgram,
  DTypeError,
  Executor,
  MissingFeedError,
  OpRole,
  Program,
  RuntimeOpError,
  Scope,
  ShapeError,
  Tensor,
  data,
  globalScope,
  nn,
  ops,
  programGuard,
  scopeGuard,
} from '../../src';
import { build, expectTensor } from '../helpers';


describe('a two-layer network built with nn.fc', () => {
  test('gives the hand-computed outputs for weights set in the scope', async () => {
    const { main, startup, out } = build(() => {
      const x = data('x', [-1, 3]);
      const h = nn.fc(x, 2, { activation: 'relu' });
      return nn.fc(h, 1);
    });
    expect(main.allParameters().map((p) => `${p.name}:${p.shape}`)).toEqual(['fc_0.w_0:3,2', 'fc_0.b_0:2', 'fc_1.w_0:2,1', 'fc_1.b_0:1']);
    const scope = new Scope();
    const exe = new Executor();
    await exe.run(startup, { scope });
    scope.setVar('fc_0.w_0', [[1, 0], [0, 1], [1, -1]]);
    scope.setVar('fc_0.b_0', [0.5, -0.5]);
    scope.setVar('fc_1.w_0', [[2], [-1]]);
    scope.setVar('fc_1.b_0', [0.1]);
    // row 1: [1,2,3]·W1 + b1 = [4.5, -1.5] -> relu [4.5, 0] -> 9 + 0.1
    // row 2: [-1,0,1]·W1 + b1 = [0.5, -1.5] -> relu [0.5, 0] -> 1 + 0.1
    const [y] = await exe.run(main, { scope, feed: { x: [[1, 2, 3], [-1, 0, 1]] }, fetchList: [out] });
    expectTensor(y, [2, 1], [9.1, 1.1]);
  });
});

describe('pruning and feeds', () => {
  function branchy() {
    return build(() => {
      const x = data('x', [-1, 2]);
      const y = data('y', [-1, 2]);
      const a = ops.relu(x);
      const b = ops.scale(a, 2);
      const c = ops.exp(y);
      const d = ops.add(b, c);
      return { x, y, a, b, d, e: ops.mean(d) };
    });
  }
  const xv = [[1, -1], [2, 3]];

  test('fetching an intermediate runs only its ancestors, and needs only their feeds', async () => {
    const { main, out } = branchy();
    const exe = new Executor();
    const [b] = await exe.run(main, { feed: { x: xv }, fetchList: [out.b], usePrune: true, scope: new Scope() });
    expectTensor(b, [2, 2], [2, 0, 4, 6]);
    expect(exe.lastRun!.opTypes).toEqual(['relu', 'scale']);
    // an unneeded feed is accepted and ignored
    await exe.run(main, { feed: { x: xv, y: xv }, fetchList: ['relu_0.tmp_0'], usePrune: true, scope: new Scope() });
    expect(exe.lastRun!.opTypes).toEqual(['relu']);
  });

  test('without pruning the whole program runs and needs every feed', async () => {
    const { main, out } = branchy();
    const exe = new Executor();
    await expect(exe.run(main, { feed: { x: xv }, fetchList: [out.b], scope: new Scope() })).rejects.toThrow('missing feed: y');
    await exe.run(main, { feed: { x: xv, y: xv }, fetchList: [out.b], scope: new Scope() });
    expect(exe.lastRun!.opTypes).toEqual(['relu', 'scale', 'exp', 'elementwise_add', 'reduce_mean']);
  });

  test('one error names every missing feed', async () => {
    const { main, out } = branchy();
    const exe = new Executor();
    const err = await exe.run(main, { fetchList: [out.e], usePrune: true, scope: new Scope() }).catch((e) => e);
    expect(err).toBeInstanceOf(MissingFeedError);
    expect(err.message).toBe('missing feed: x, y');
    expect(err.missing).toEqual(['x', 'y']);
  });

  test('a fed intermediate cuts the graph above it', async () => {
    const { main, out } = branchy();
    const exe = new Executor();
    const [b] = await exe.run(main, { feed: { [out.a.name]: Tensor.from([[5, 6]]) }, fetchList: [out.b], usePrune: true, scope: new Scope() });
    expectTensor(b, [1, 2], [10, 12]);
    expect(exe.lastRun!.opTypes).toEqual(['scale']);
  });

  test('feeds are checked: dtype, shape, flat arrays, unknown names', async () => {
    const { main, out } = branchy();
    const exe = new Executor();
    const scope = new Scope();
    const run = (feed: Record<string, unknown>) => exe.run(main, { feed: feed as never, fetchList: [out.b], usePrune: true, scope });
    await expect(run({ x: new Float64Array(4) })).rejects.toThrow(DTypeError);
    await expect(run({ x: new Float64Array(4) })).rejects.toThrow("feed 'x': expected float32[-1,2], received a Float64Array of 4 (float64)");
    await expect(run({ x: Tensor.from([[1, 2, 3]]) })).rejects.toThrow(ShapeError);
    await expect(run({ x: Tensor.from([[1, 2, 3]]) })).rejects.toThrow("feed 'x': expected shape [-1,2] (-1 = any), received [1,3]");
    await expect(run({ x: Tensor.from([[1, 2]], { dtype: 'float64' }) })).rejects.toThrow("convert it with tensor.cast('float32')");
    await expect(run({ x: new Float32Array(3) })).rejects.toThrow(ShapeError);
    const [b] = await run({ x: new Float32Array([1, 2, 3, 4]) });
    expectTensor(b, [2, 2], [2, 4, 6, 8]);
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    await run({ x: xv, nope: [1] });
    await run({ x: xv, nope: [1] });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toContain("feed 'nope' is not a variable of the program");
    warn.mockRestore();
  });

  test('persistables that are not in the scope are named with the fix', async () => {
    const { main, out } = build(() => nn.fc(data('x', [-1, 2]), 1));
    const err = await new Executor().run(main, { feed: {}, fetchList: [out], scope: new Scope() }).catch((e) => e);
    expect(err.message).toBe('missing feed: x; not initialised in the scope: fc_0.w_0, fc_0.b_0 (run the startup program first, or load the parameters)');
  });
});

describe('optimize-role ops as pruning targets', () => {
  function withUpdates() {
    return build(() => {
      const x = data('x', [-1, 1]);
      const w = nn.fc(x, 1, { biasAttr: false, weightAttr: { name: 'w' } });
      const loss = ops.mean(w);
      const block = loss.block;
      // two stand-in update ops writing persistables in place
      const upW = block.program.roleGuard(OpRole.Optimize, () => block.appendOp({ type: 'scale', inputs: { X: 'w' }, outputs: { Out: 'w' }, attrs: { scale: 0.5 } }));
      nn.fc(x, 1, { biasAttr: false, weightAttr: { name: 'v' } });
      const upV = block.program.roleGuard(OpRole.Optimize, () => block.appendOp({ type: 'scale', inputs: { X: 'v' }, outputs: { Out: 'v' }, attrs: { scale: 3 } }));
      return { loss, upW, upV };
    });
  }

  async function setup() {
    const b = withUpdates();
    const scope = new Scope();
    const exe = new Executor();
    await exe.run(b.startup, { scope });
    scope.setVar('w', [[2]]);
    scope.setVar('v', [[1]]);
    return { ...b, scope, exe };
  }

  test('fetching the loss with pruning still runs every optimize op', async () => {
    const { main, out, scope, exe } = await setup();
    const [loss] = await exe.run(main, { feed: { x: [[1], [3]] }, fetchList: [out.loss], usePrune: true, scope });
    expectTensor(loss, [], [4]);
    expect(exe.lastRun!.opTypes).toEqual(['mul', 'reduce_mean', 'scale', 'scale']);
    expect(scope.findVar('w')!.toFlat()).toEqual([1]);
    expect(scope.findVar('v')!.toFlat()).toEqual([3]);
  });

  test('fetching an optimize op runs only that one; the minimize tuple form too', async () => {
    const { main, out, scope, exe } = await setup();
    const r = await exe.run(main, { feed: { x: [[1]] }, fetchList: [out.upW], scope });
    expect(r).toEqual([]);
    expect(exe.lastRun!.opTypes).toEqual(['scale']);
    expect(scope.findVar('w')!.toFlat()).toEqual([1]);
    expect(scope.findVar('v')!.toFlat()).toEqual([1]);
    const [loss] = await exe.run(main, { feed: { x: [[1]] }, fetchList: [out.loss, [[out.upV], []]], scope });
    expect(exe.lastRun!.opTypes).toEqual(['mul', 'reduce_mean', 'scale']);
    expectTensor(loss, [], [1]);
    expect(scope.findVar('v')!.toFlat()).toEqual([3]);
  });
});

describe('plans, memory and the scope', () => {
  test('a compiled plan is reused until the program changes', async () => {
    const { main, out } = build(() => ops.relu(data('x', [-1, 2])));
    const exe = new Executor();
    const scope = new Scope();
    await exe.run(main, { feed: { x: [[1, 2]] }, fetchList: [out], scope });
    expect(exe.lastRun!.planReused).toBe(false);
    await exe.run(main, { feed: { x: [[3, 4], [5, 6]] }, fetchList: [out], scope });
    expect(exe.lastRun!.planReused).toBe(true);
    const y = programGuard(main, undefined, () => ops.exp(out));
    const [r] = await exe.run(main, { feed: { x: [[0, 1]] }, fetchList: [y], scope });
    expect(exe.lastRun!.planReused).toBe(false);
    expectTensor(r, [1, 2], [1, Math.E]);
  });

  test('temporaries share the arena by liveness and results stay right', async () => {
    const { main, out } = build(() => {
      const x = data('x', [64, 64]);
      const a = ops.scale(x, 2);
      const b = ops.scale(a, 1, 1);
      const c = ops.scale(b, 3);
      const d = ops.scale(c, 1, -1);
      const e = ops.relu(d);
      return ops.mean(e);
    });
    const xs = Array.from({ length: 4096 }, (_, i) => (i % 7) - 3);
    const exe = new Executor();
    const [m] = await exe.run(main, { feed: { x: Tensor.from(xs, { shape: [64, 64] }) }, fetchList: [out], scope: new Scope() });
    const want = xs.map((v) => Math.max((2 * v + 1) * 3 - 1, 0)).reduce((a, b) => a + b, 0) / 4096;
    expectTensor(m, [], [want]);
    const one = 64 * 64 * 4;
    expect(exe.lastRun!.unsharedBytes).toBe(5 * one);
    expect(exe.lastRun!.arenaBytes).toBe(2 * one);
  });

  test('temporaries are not visible after a run; persistables are', async () => {
    const { main, startup, out } = build(() => nn.fc(data('x', [-1, 2]), 3, { activation: 'relu' }));
    const scope = new Scope();
    const exe = new Executor();
    await exe.run(startup, { scope });
    await exe.run(main, { feed: { x: [[1, 2]] }, fetchList: [out], scope });
    expect(scope.varNames()).toEqual(['fc_0.b_0', 'fc_0.w_0']);
    expect(scope.findVar('fc_0.tmp_0')).toBeUndefined();
  });

  test('running the startup program again resets the parameters', async () => {
    const { startup } = build(() => nn.fc(data('x', [-1, 2]), 3));
    const scope = new Scope();
    const exe = new Executor();
    await exe.run(startup, { scope });
    const w0 = scope.findVar('fc_0.w_0')!.toFlat();
    scope.setVar('fc_0.w_0', [[0, 0, 0], [0, 0, 0]]);
    await exe.run(startup, { scope });
    expect(scope.findVar('fc_0.w_0')!.toFlat()).toEqual(w0);
  });

  test('returnNumpy false gives the live persistable; the default gives copies', async () => {
    const { main, startup } = build(() => nn.fc(data('x', [-1, 2]), 1, { biasAttr: false }));
    const scope = new Scope();
    const exe = new Executor();
    await exe.run(startup, { scope });
    const [copy] = await exe.run(main, { fetchList: ['fc_0.w_0'], scope, usePrune: true });
    (copy.data as Float32Array)[0] = 42;
    expect(scope.findVar('fc_0.w_0')!.data[0]).not.toBe(42);
    const [live] = await exe.run(main, { fetchList: ['fc_0.w_0'], scope, usePrune: true, returnNumpy: false });
    (live.data as Float32Array)[0] = 42;
    expect(scope.findVar('fc_0.w_0')!.data[0]).toBe(42);
  });

  test('scopeGuard switches the scope run() uses by default', async () => {
    const { startup } = build(() => nn.fc(data('x', [-1, 2]), 1));
    const s = new Scope();
    const exe = new Executor();
    await scopeGuard(s, () => exe.run(startup));
    expect(s.varNames()).toEqual(['fc_0.b_0', 'fc_0.w_0']);
    expect(globalScope()).not.toBe(s);
    expect(globalScope().hasVar('fc_0.b_0')).toBe(false);
  });

  test('checkNanInf names the first op that produced a NaN', async () => {
    const { main, out } = build(() => ops.exp(ops.log(data('x', [2]))));
    const exe = new Executor('cpu', { checkNanInf: true });
    await expect(exe.run(main, { feed: { x: [1, -1] }, fetchList: [out], scope: new Scope() })).rejects.toThrow(RuntimeOpError);
    await expect(exe.run(main, { feed: { x: [1, -1] }, fetchList: [out], scope: new Scope() })).rejects.toThrow('op #0 log produced NaN in Out (log_0.tmp_0) at element 1');
  });

  test('batch norm updates its running statistics in the scope; clone(forTest) uses them', async () => {
    const { main, startup, out } = build(() => nn.batchNorm(data('x', [-1, 2]), { epsilon: 0 }));
    const scope = new Scope();
    const exe = new Executor();
    await exe.run(startup, { scope });
    const [y] = await exe.run(main, { feed: { x: [[1, 2], [3, 6]] }, fetchList: [out], scope });
    expectTensor(y, [2, 2], [-1, -1, 1, 1]);
    expectTensor(scope.findVar('batch_norm_0.w_1')!, [2], [0.2, 0.4]);
    expectTensor(scope.findVar('batch_norm_0.w_2')!, [2], [1.0, 1.3]);
    const test = main.clone({ forTest: true });
    const [yt] = await exe.run(test, { feed: { x: [[0.2, 0.4]] }, fetchList: [out.name], scope });
    expectTensor(yt, [1, 2], [0, 0]);
  });

  test('the executor refuses what it cannot do, with the reason', async () => {
    expect(() => new Executor('webgpu')).toThrow("place 'webgpu' is not available");
    expect(() => new Executor('tpu' as never)).toThrow("unknown place \"tpu\"");
    const exe = new Executor();
    await expect(exe.run({} as never)).rejects.toThrow('program must be a Program');
    await expect(exe.run(new Program(), { fetchList: ['nope'] })).rejects.toThrow("fetchList[0] names 'nope', which is not a variable of the program");
    await exe.close();
    await expect(exe.run(new Program())).rejects.toThrow('run() after close()');
  });
});

test('buildStrategy.memoryOptimize false gives every temporary its own memory', async () => {
  const { main, out } = build(() => ops.mean(ops.relu(ops.scale(ops.scale(data('x', [64, 64]), 2), 3))));
  const exe = new Executor();
  const feed = { x: Tensor.from(new Float32Array(4096).fill(1), { shape: [64, 64] }) };
  const [a] = await exe.run(main, { feed, fetchList: [out], scope: new Scope() });
  expect(exe.lastRun!.arenaBytes).toBeLessThan(exe.lastRun!.unsharedBytes);
  const [b] = await exe.run(new CompiledProgram(main, { buildStrategy: { memoryOptimize: false } }), { feed, fetchList: [out], scope: new Scope() });
  expect(exe.lastRun!.arenaBytes).toBe(exe.lastRun!.unsharedBytes);
  expect(b.toFlat()).toEqual(a.toFlat());
  expect(a.toFlat()).toEqual([6]);
});

test('alternating fetch lists on one training program reuse their compiled plans', async () => {
  const { main, startup, out } = build(() => {
    const x = data('x', [-1, 2]);
    const pred = nn.fc(x, 1);
    const loss = ops.mean(pred);
    new ASGD({ learningRate: 0.1 }).minimize(loss);
    return { pred, loss };
  });
  const exe = new Executor();
  const scope = new Scope();
  await exe.run(startup, { scope });
  const feed = { x: [[1, 2]] };
  await exe.run(main, { feed, fetchList: [out.loss], scope });
  await exe.run(main, { feed, fetchList: [out.pred], scope });
  await exe.run(main, { feed, fetchList: [out.loss], scope });
  expect(exe.lastRun!.planReused).toBe(true);
  await exe.run(main, { feed, fetchList: [out.pred], scope });
  expect(exe.lastRun!.planReused).toBe(true);
});
