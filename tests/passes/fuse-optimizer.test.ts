import {
  ASGD,
  ClipGradByGlobalNorm,
  ClipGradByNorm,
  ClipGradByValue,
  CompiledProgram,
  Executor,
  L1Decay,
  L2Decay,
  OpRole,
  ParamAttr,
  Scope,
  Tensor,
  data,
  lr,
  nn,
  ops,
  passes,
  verifyProgram,
} from '../../src';
import type { ASGDOptions } from '../../src';
import { build, randomArray } from '../helpers';

function net(opt: () => ASGDOptions, o: { dtype?: 'float32' | 'float64'; biasNoClip?: boolean; wMult?: number; groups?: boolean } = {}) {
  return build(() => {
    const dtype = o.dtype ?? 'float32';
    const x = data('x', [-1, 4], dtype);
    const label = data('label', [-1], 'int64');
    const h = nn.fc(x, 6, { activation: 'relu', weightAttr: new ParamAttr({ learningRate: o.wMult ?? 1 }), biasAttr: new ParamAttr({ needClip: !o.biasNoClip }) });
    const logits = nn.fc(h, 3);
    const loss = ops.crossEntropy(logits, label);
    const options = opt();
    if (o.groups) {
      const ps = loss.block.program.allParameters();
      options.parameters = [{ params: ps.slice(0, 2), learningRate: 0.5, weightDecay: 0.02 }, { params: ps.slice(2) }];
    }
    const optimizer = new ASGD(options);
    const [optimizeOps] = optimizer.minimize(loss);
    return { loss, optimizer, optimizeOps };
  });
}

const XS = Array.from({ length: 4 }, (_, b) => randomArray(8 * 4, 40 + b, -2, 2));
const LABELS = Array.from({ length: 4 }, (_, b) => randomArray(8, 60 + b, 0, 3).map((v) => BigInt(Math.floor(v))));

async function train(build_: ReturnType<typeof net>, fuse: boolean, steps: number, step?: () => void) {
  const { main, startup, out } = build_;
  const scope = new Scope();
  const exe = new Executor();
  startup.randomSeed = 3;
  await exe.run(startup, { scope });
  const prog = new CompiledProgram(main, { buildStrategy: { fuseAllOptimizerOps: fuse } });
  const dtype = main.globalBlock().var('x').dtype;
  for (let s = 0; s < steps; s++) {
    await exe.run(prog, { feed: { x: Tensor.from(XS[s % 4], { shape: [8, 4], dtype }), label: Tensor.from(LABELS[s % 4]) }, fetchList: [out.loss], scope });
    step?.();
  }
  return { scope, types: exe.lastRun!.opTypes };
}

const configs: [string, () => ASGDOptions, Parameters<typeof net>[1]?][] = [
  ['plain, batchNum 3', () => ({ learningRate: 0.1, batchNum: 3 })],
  ['global-norm clip and float decay, batchNum 8', () => ({ learningRate: 0.1, batchNum: 8, gradClip: new ClipGradByGlobalNorm(0.5), weightDecay: 0.01 })],
  ['global-norm clip with a needClip:false bias', () => ({ learningRate: 0.1, batchNum: 3, gradClip: new ClipGradByGlobalNorm(0.3) }), { biasNoClip: true }],
  ['value clip and L2Decay', () => ({ learningRate: 0.1, batchNum: 3, gradClip: new ClipGradByValue(0.05), weightDecay: new L2Decay(0.05) })],
  ['norm clip and L1Decay', () => ({ learningRate: 0.1, batchNum: 3, gradClip: new ClipGradByNorm(0.2), weightDecay: new L1Decay(0.01) })],
  ['a learning-rate multiplier and a scheduler', () => ({ learningRate: new lr.StepDecay({ learningRate: 0.1, stepSize: 3 }), batchNum: 2 }), { wMult: 0.3 }],
  ['parameter groups with their own rates and decay', () => ({ learningRate: 0.1, batchNum: 3, weightDecay: new L2Decay(0.01) }), { groups: true }],
  ['float64', () => ({ learningRate: 0.1, batchNum: 3, gradClip: new ClipGradByGlobalNorm(0.5), weightDecay: 0.01 }), { dtype: 'float64' }],
];

describe('fuse_optimizer', () => {
  test.each(configs.map(([name, opt, o]) => [name, opt, o] as const))('%s: the fused program gives bitwise the same parameters and state', async (_n, opt, o) => {
    const a = net(opt, o);
    const b = net(opt, o);
    const schedOf = (x: typeof a) => {
      const s = (x.out.optimizer as unknown as { lr: unknown }).lr;
      return s instanceof lr.LRScheduler ? () => s.step() : undefined;
    };
    const unfused = await train(a, false, 12, schedOf(a));
    const fused = await train(b, true, 12, schedOf(b));
    expect(unfused.types).toContain('asgd');
    expect(fused.types).toContain('fused_asgd');
    expect(fused.types).not.toContain('asgd');
    const names = unfused.scope.varNames();
    expect(fused.scope.varNames()).toEqual(names);
    for (const n of names) {
      const x = unfused.scope.findVar(n)!;
      const y = fused.scope.findVar(n)!;
      const bx = Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength);
      const by = Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength);
      if (!bx.equals(by)) throw new Error(`${n} differs between the unfused and the fused program`);
    }
  });

  test('the optimizer phase becomes one op (plus the global-norm reduction); the result verifies', () => {
    const { main } = net(() => ({ learningRate: 0.1, batchNum: 3, gradClip: new ClipGradByGlobalNorm(0.5), weightDecay: 0.01 }));
    const before = main.globalBlock().ops.filter((op) => op.role === OpRole.Optimize).length;
    const fused = passes.apply(main, ['fuse_optimizer']);
    const after = fused.globalBlock().ops.filter((op) => op.role === OpRole.Optimize).map((op) => op.type);
    expect(before).toBeGreaterThan(40);
    expect(after).toEqual(['fused_global_norm_scale', 'fused_asgd']);
    expect(fused.globalBlock().ops.filter((op) => op.role !== OpRole.Optimize).length).toBe(main.globalBlock().ops.filter((op) => op.role !== OpRole.Optimize).length);
    verifyProgram(fused);
    // no clip: exactly one op
    const plain = net(() => ({ learningRate: 0.1 })).main;
    expect(passes.apply(plain, ['fuse_optimizer']).globalBlock().ops.filter((op) => op.role === OpRole.Optimize).map((op) => op.type)).toEqual(['fused_asgd']);
    // the temporaries of the chain are gone
    expect(fused.listVars().length).toBeLessThan(main.listVars().length);
  });

  test('a pass that changes nothing returns the same program; unknown passes are refused', () => {
    const { main } = build(() => ops.relu(data('x', [2])));
    expect(passes.apply(main, ['fuse_optimizer'])).toBe(main);
    expect(passes.list()).toContain('fuse_optimizer');
    expect(() => passes.apply(main, ['fuse_everything'])).toThrow("passes.apply: unknown pass 'fuse_everything' (known: fuse_optimizer, dead_code_elimination)");
  });

  test('fetching an intermediate of the chain keeps it unfused, and right', async () => {
    const { main, startup, out } = net(() => ({ learningRate: 0.1, gradClip: new ClipGradByValue(0.01) }));
    const clipped = out.optimizeOps.find((op) => op.type === 'clip')!.output('Out')[0];
    const scope = new Scope();
    const exe = new Executor();
    await exe.run(startup, { scope });
    const [c] = await exe.run(main, { feed: { x: Tensor.from(XS[0], { shape: [8, 4] }), label: Tensor.from(LABELS[0]) }, fetchList: [clipped], scope });
    expect(exe.lastRun!.opTypes).toContain('asgd');
    expect(Math.max(...c.toFlat().map(Math.abs))).toBeLessThanOrEqual(Math.fround(0.01));
  });

  test('multiPrecision programs stay unfused', () => {
    const { main } = build(() => {
      const x = data('x', [-1, 2], 'float16');
      const loss = ops.mean(nn.fc(x, 2));
      new ASGD({ learningRate: 0.1, multiPrecision: true }).minimize(loss);
    });
    expect(passes.apply(main, ['fuse_optimizer'])).toBe(main);
  });

  test('buildStrategy options are checked', () => {
    const { main } = build(() => ops.relu(data('x', [2])));
    expect(() => new CompiledProgram(main, { buildStrategy: { fuseElewiseAddAct: true } })).toThrow('buildStrategy.fuseElewiseAddAct is not supported yet');
    expect(() => new CompiledProgram(main, { buildStrategy: { fast: true } as never })).toThrow("unknown buildStrategy option 'fast'");
  });
});

describe('dead_code_elimination', () => {
  test('removes ops whose results nothing uses, chains of them too, and keeps what is fetched or persistable', async () => {
    const { main, out } = build(() => {
      const x = data('x', [-1, 3]);
      const y = nn.fc(x, 2);
      const unused = ops.exp(ops.relu(y)); // a dead chain
      const kept = ops.tanh(y);
      return { y, unused, kept };
    });
    const before = main.globalBlock().ops.map((o) => o.type);
    expect(before).toEqual(['mul', 'elementwise_add', 'relu', 'exp', 'tanh']);
    const pruned = passes.apply(main, ['dead_code_elimination'], { keep: new Set([out.kept.name]) });
    expect(pruned.globalBlock().ops.map((o) => o.type)).toEqual(['mul', 'elementwise_add', 'tanh']);
    expect(pruned.globalBlock().hasVar(out.unused.name)).toBe(false);
    verifyProgram(pruned);
    // nothing to remove: the same object
    expect(passes.apply(pruned, ['dead_code_elimination'], { keep: new Set([out.kept.name]) })).toBe(pruned);
    // an optimizer's in-place updates of persistables are never dead
    const { main: training } = net(() => ({ learningRate: 0.1 }));
    expect(passes.apply(training, ['dead_code_elimination']).globalBlock().ops.filter((o) => o.type === 'asgd')).toHaveLength(4);
    expect(passes.list()).toEqual(['fuse_optimizer', 'dead_code_elimination']);
  });
});
