import {
  ArgumentError,
  OpRole,
  ParamAttr,
  Program,
  ProgramError,
  ShapeError,
  UnsupportedOpError,
  VerifyError,
  data,
  defaultMainProgram,
  defaultStartupProgram,
  nn,
  ops,
  programGuard,
  uniqueName,
  verifyProgram,
} from '../../src';
import { build } from '../helpers';


describe('building programs', () => {
  test('the printer gives a stable text form', () => {
    const { main, startup } = build(() => ops.mean(nn.fc(data('x', [-1, 2]), 3, { activation: 'relu' })));
    expect(main.toString()).toBe(
      [
        'program {randomSeed: 0}',
        'block 0 {',
        '  param fc_0.b_0 : f32[3]',
        '  var fc_0.tmp_0 : f32[-1,3]',
        '  var fc_0.tmp_1 : f32[-1,3]',
        '  param fc_0.w_0 : f32[2,3]',
        '  var reduce_mean_0.tmp_0 : f32[]',
        '  var relu_0.tmp_0 : f32[-1,3]',
        '  var x : f32[-1,2] data',
        '  #0 %fc_0.tmp_0 = mul(X: %x, Y: %fc_0.w_0) {x_num_col_dims: 1, y_num_col_dims: 1} : f32[-1,3]',
        '  #1 %fc_0.tmp_1 = elementwise_add(X: %fc_0.tmp_0, Y: %fc_0.b_0) {axis: 1} : f32[-1,3]',
        '  #2 %relu_0.tmp_0 = relu(X: %fc_0.tmp_1) : f32[-1,3]',
        '  #3 %reduce_mean_0.tmp_0 = reduce_mean(X: %relu_0.tmp_0) {dim: [], keep_dim: false, reduce_all: true} : f32[]',
        '}',
        '',
      ].join('\n'),
    );
    expect(startup.toString()).toContain('#1 %fc_0.b_0 = fill_constant() {shape: [3], dtype: "float32", value: 0} : f32[3]');
    // Xavier uniform limit for a [2, 3] weight: sqrt(6 / (2 + 3))
    expect(startup.toString()).toMatch(/#0 %fc_0\.w_0 = uniform_random\(\) \{shape: \[2, 3\], dtype: "float32", min: -1\.0954451\d*, max: 1\.0954451\d*, seed: 0\}/);
  });

  test('layers put parameters in main and their initialisers in startup', () => {
    const { main, startup } = build(() => nn.conv2d(data('img', [-1, 3, 8, 8]), 4, 3, { padding: 1 }));
    expect(main.allParameters().map((p) => [p.name, p.shape])).toEqual([
      ['conv2d_0.w_0', [4, 3, 3, 3]],
      ['conv2d_0.b_0', [4]],
    ]);
    expect(startup.globalBlock().ops.map((o) => o.type)).toEqual(['gaussian_random', 'fill_constant']);
    expect(main.globalBlock().ops.map((o) => o.type)).toEqual(['conv2d', 'elementwise_add']);
    expect(main.globalBlock().var('conv2d_0.tmp_1').shape).toEqual([-1, 4, 8, 8]);
    verifyProgram(main);
    verifyProgram(startup);
  });

  test('a ParamAttr name shares a parameter between layers', () => {
    const { main } = build(() => {
      const x = data('x', [-1, 4]);
      const a = nn.fc(x, 4, { weightAttr: new ParamAttr({ name: 'shared' }), biasAttr: false });
      return nn.fc(a, 4, { weightAttr: { name: 'shared' }, biasAttr: false });
    });
    expect(main.allParameters().map((p) => p.name)).toEqual(['shared']);
    expect(main.globalBlock().ops.filter((o) => o.input('Y')[0] === 'shared')).toHaveLength(2);
  });

  test('variable sugar builds the same ops as ops.*', () => {
    const { main } = build(() => {
      const x = data('x', [-1, 2]);
      const y = data('y', [-1, 2]);
      return x.add(y).mul(2).sub(1).div(y).matmul(data('w', [2, 3]));
    });
    expect(main.globalBlock().ops.map((o) => o.type)).toEqual(['elementwise_add', 'scale', 'scale', 'elementwise_div', 'matmul_v2']);
  });

  test('unique names continue across programs and restart under a guard', () => {
    const names = uniqueName.guard(() => {
      const a = programGuard(new Program(), new Program(), () => nn.fc(data('x', [-1, 2]), 1).name);
      const b = programGuard(new Program(), new Program(), () => nn.fc(data('x', [-1, 2]), 1).name);
      return [a, b];
    });
    expect(names).toEqual(['fc_0.tmp_1', 'fc_1.tmp_1']);
  });

  test('programGuard restores the default programs, also after an error', () => {
    const main0 = defaultMainProgram();
    const start0 = defaultStartupProgram();
    expect(() => programGuard(new Program(), new Program(), () => ops.relu(1 as never))).toThrow(ArgumentError);
    expect(defaultMainProgram()).toBe(main0);
    expect(defaultStartupProgram()).toBe(start0);
  });

  test('every change bumps the program version', () => {
    const { main, out } = build(() => ops.relu(data('x', [2])));
    const v0 = main.version;
    programGuard(main, undefined, () => ops.exp(out));
    const v1 = main.version;
    expect(v1).toBeGreaterThan(v0);
    main.globalBlock().ops[0].role = OpRole.Backward;
    expect(main.version).toBeGreaterThan(v1);
    const v2 = main.version;
    main.globalBlock().ops[1].setAttr('axis' as never, 0 as never);
    expect(main.version).toBeGreaterThan(v2);
  });

  test('clone is deep; clone(forTest) drops training ops and sets is_test', () => {
    const { main } = build(() => {
      const x = data('x', [-1, 4]);
      const h = nn.dropout(nn.fc(x, 4), 0.5);
      const loss = ops.mean(h);
      const p = loss.block.program;
      p.roleGuard(OpRole.Backward, () => ops.scale(loss, 2));
      p.roleGuard(OpRole.Optimize, () => ops.scale(loss, 3));
      return loss;
    });
    const copy = main.clone();
    expect(copy.toString()).toBe(main.toString());
    copy.globalBlock().var('x').shape = [-1, 5];
    expect(main.globalBlock().var('x').shape).toEqual([-1, 4]);
    const test = main.clone({ forTest: true });
    expect(test.globalBlock().ops.map((o) => o.type)).toEqual(['mul', 'elementwise_add', 'dropout', 'reduce_mean']);
    expect(test.globalBlock().ops[2].attrs).toMatchObject({ is_test: true });
    expect(main.globalBlock().ops[2].attrs).toMatchObject({ is_test: false });
    expect(test.globalBlock().hasVar('scale_0.tmp_0')).toBe(false);
    verifyProgram(test);
  });
});

describe('errors while building', () => {
  test('appendOp checks the op type, slots, attributes and variables', () => {
    const p = new Program();
    const b = p.globalBlock();
    b.createVar({ name: 'x', shape: [2], dtype: 'float32', isData: true });
    b.createVar({ name: 'y', shape: [], dtype: 'float32' });
    expect(() => b.appendOp({ type: 'conv3d' as never, inputs: {}, outputs: {} })).toThrow(UnsupportedOpError);
    expect(() => b.appendOp({ type: 'relu', inputs: { Input: 'x' }, outputs: { Out: 'y' } })).toThrow("relu (appended at #0): no input slot 'Input' (expected X)");
    expect(() => b.appendOp({ type: 'relu', inputs: {}, outputs: { Out: 'y' } })).toThrow("input slot 'X' is required");
    expect(() => b.appendOp({ type: 'relu', inputs: { X: 'z' }, outputs: { Out: 'y' } })).toThrow("input 'X' names 'z', which is not a variable of block 0");
    expect(() => b.appendOp({ type: 'scale', inputs: { X: 'x' }, outputs: { Out: 'y' }, attrs: { factor: 2 } as never })).toThrow("no attribute 'factor' (expected scale, bias, bias_after_scale)");
    expect(b.ops).toHaveLength(0);
  });

  test('shape errors name the op, its index and its inputs', () => {
    expect(() =>
      build(() => {
        const x = data('x', [-1, 3]);
        const w = data('w', [2, 4]);
        ops.relu(x);
        return ops.matmul(x, w);
      }),
    ).toThrow(/^op #1 matmul_v2: X \[-1,3\] and Y \[2,4\] do not multiply: inner dims 3 and 2 differ \[inputs: x f32\[-1,3\], w f32\[2,4\]\]$/);
    expect(() => build(() => ops.add(data('a', [2, 3]), data('b', [4])))).toThrow(ShapeError);
  });

  test('API functions say which argument is wrong and what they received', () => {
    build(() => {
      const x = data('x', [-1, 2]);
      expect(() => ops.add(1 as never, x)).toThrow('ops.add: x must be a Variable or a Tensor, received number');
      expect(() => ops.mean(x, 'a' as never)).toThrow('ops.mean: axis must be an integer or a list of integers, received "a"');
      expect(() => nn.fc(x, 0)).toThrow('nn.fc: size must be a positive integer, received 0');
      expect(() => nn.fc(data('y', [-1, -1]), 2)).toThrow('the feature dims of y [-1] must be known');
      expect(() => data('z', [2, -3])).toThrow("data 'z': shape [2,-3] must hold integers >= 0, or -1 / null for any size");
      expect(() => data('x', [2])).toThrow("a variable named 'x' already exists");
      expect(() => new ParamAttr({ learningRate: -1 })).toThrow('ParamAttr: learningRate must be a finite number >= 0, received -1');
      expect(() => ops.crossEntropy(x, x, { reduction: 'avg' as never })).toThrow("reduction must be 'mean', 'sum' or 'none'");
      expect(() => ops.divide(x, 0)).toThrow('ops.divide: division by the number 0');
    });
  });

  test('layers refuse inputs of another program', () => {
    const other = new Program();
    const x = programGuard(other, undefined, () => data('x', [-1, 2]));
    expect(() => programGuard(new Program(), new Program(), () => nn.fc(x, 2))).toThrow(ProgramError);
  });
});

describe('the verifier', () => {
  test('accepts what the builders make', () => {
    const { main, startup } = build(() => ops.crossEntropy(nn.fc(nn.batchNorm(data('x', [-1, 4])), 3), data('label', [-1, 1], 'int64')));
    verifyProgram(main);
    verifyProgram(startup);
  });

  test('finds a read before any write, showing the ops around it', () => {
    const p = new Program();
    const b = p.globalBlock();
    b.createVar({ name: 't', shape: [2], dtype: 'float32' });
    b.createVar({ name: 'u', shape: [2], dtype: 'float32' });
    b.appendOp({ type: 'relu', inputs: { X: 't' }, outputs: { Out: 'u' } });
    expect(() => verifyProgram(p)).toThrow(VerifyError);
    expect(() => verifyProgram(p)).toThrow(/block 0, op #0 relu: reads 't' before any op writes it\n>> #0 %u = relu\(X: %t\) : f32\[2\]/);
  });

  test('finds recorded shapes that inference contradicts, and temporaries written twice', () => {
    const { main, out } = build(() => ops.relu(data('x', [-1, 2])));
    main.globalBlock().var(out.name).shape = [5];
    expect(() => verifyProgram(main)).toThrow("output 'relu_0.tmp_0' is recorded as float32[5] but inference gives float32[-1,2]");
    const p = new Program();
    const b = p.globalBlock();
    b.createVar({ name: 'x', shape: [2], dtype: 'float32', isData: true });
    b.createVar({ name: 'y', shape: [2], dtype: 'float32' });
    b.appendOp({ type: 'relu', inputs: { X: 'x' }, outputs: { Out: 'y' } });
    b.appendOp({ type: 'exp', inputs: { X: 'x' }, outputs: { Out: 'y' } });
    expect(() => verifyProgram(p)).toThrow("writes 'y', which an earlier op already wrote");
  });
});
