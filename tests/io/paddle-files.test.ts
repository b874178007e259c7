import { readFileSync } from 'fs';
import { join } from 'path';
import { FileFormatError, Tensor } from '../../src';
import { VarTypeEnum, decodeProgramDesc, encodeProgramDesc, ProgramDescJson } from '../../src/io/framework-proto';
import { readCombined, readTensor, writeCombined, writeTensor } from '../../src/io/tensor-file';
import { seeded } from '../helpers';

const FIXTURES = join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'paddle');
const read = (p: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, p)));

/** The persistable tensors of a program, sorted as Paddle's save_combine writes them. */
function persistables(d: ProgramDescJson): string[] {
  return (d.blocks![0].vars ?? [])
    .filter((v) => v.persistable && v.type.type === VarTypeEnum.LOD_TENSOR)
    .map((v) => v.name)
    .sort();
}

function opCounts(d: ProgramDescJson): Record<string, number> {
  const out: Record<string, number> = {};
  for (const op of d.blocks![0].ops ?? []) out[op.type] = (out[op.type] ?? 0) + 1;
  return out;
}

describe("PaddlePaddle's files", () => {
  test('fit_a_line (Fluid, 2018): the program and one file per parameter', () => {
    const d = decodeProgramDesc(read('p2o-fit-a-line/__model__'), '__model__');
    expect(d.version).toBeUndefined();
    expect(d.blocks![0].ops!.map((o) => o.type)).toEqual(['feed', 'mul', 'elementwise_add', 'fetch']);
    expect(persistables(d)).toEqual(['fc_0.b_0', 'fc_0.w_0']);
    for (const [name, shape] of [
      ['fc_0.w_0', [13, 1]],
      ['fc_0.b_0', [1]],
    ] as const) {
      const bytes = read(`p2o-fit-a-line/${name}`);
      const { tensor, next } = readTensor(bytes, 0, name);
      expect(tensor.dtype).toBe('float32');
      expect(tensor.shape).toEqual(shape);
      expect(next).toBe(bytes.length);
      expect(tensor.toFlat().every(Number.isFinite)).toBe(true);
      // writing it again gives the file, byte for byte
      expect(Buffer.from(writeTensor(tensor)).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  test('the Paddle-Lite model (2.2.2): combined .pdiparams read to the last byte and written identically', () => {
    const d = decodeProgramDesc(read('lite-simple-model/model.pdmodel'), 'model.pdmodel');
    expect(d.version).toEqual({ version: 2002002 });
    expect(opCounts(d)).toEqual({ feed: 1, conv2d: 1, batch_norm: 1, relu: 1, fetch: 1 });
    const names = persistables(d);
    expect(names).toHaveLength(5);
    const bytes = read('lite-simple-model/model.pdiparams');
    const tensors = readCombined(bytes, names, 'model.pdiparams');
    const shapes = Object.fromEntries([...tensors].map(([n, t]) => [n, t.shape]));
    const vars = Object.fromEntries(d.blocks![0].vars!.map((v) => [v.name, v.type.lod_tensor?.tensor.dims]));
    for (const n of names) expect(shapes[n]).toEqual(vars[n]);
    expect(Buffer.from(writeCombined(tensors)).equals(Buffer.from(bytes))).toBe(true);
  });

  test('the Paddle.js gesture model (1.6.3): legacy field 3 skipped, 269 tensors in one file', () => {
    const d = decodeProgramDesc(read('paddlejs-gesture-rec/__model__'), '__model__');
    expect(d.version).toEqual({ version: 1006003 });
    expect(opCounts(d)).toMatchObject({ conv2d: 36, depthwise_conv2d: 17, batch_norm: 53, relu6: 36, pool2d: 3, concat: 2, mul: 2 });
    const names = persistables(d);
    expect(names).toHaveLength(269);
    const tensors = readCombined(read('paddlejs-gesture-rec/params'), names, 'params');
    expect([...tensors.values()].reduce((a, t) => a + t.size, 0)).toBeGreaterThan(600000);
  });

  test('the PaddleRec training programs: op counts as their .pbtxt says', () => {
    for (const f of ['main_program', 'startup_program', 'inference_program']) {
      const d = decodeProgramDesc(read(`paddlerec-join-train/${f}`), f);
      const text = readFileSync(join(FIXTURES, 'paddlerec-join-train', `${f}.pbtxt`), 'utf8');
      const want: Record<string, number> = {};
      for (const m of text.matchAll(/^ {4}type: "([a-z_0-9]+)"$/gm)) want[m[1]] = (want[m[1]] ?? 0) + 1;
      expect(opCounts(d)).toEqual(want);
      expect(d.blocks![0].vars!.length).toBe((text.match(/^ {2}vars \{$/gm) ?? []).length);
    }
  });

  test('decode → encode → decode gives the same program', () => {
    for (const f of ['lite-simple-model/model.pdmodel', 'paddlerec-join-train/main_program']) {
      const d = decodeProgramDesc(read(f), f);
      expect(decodeProgramDesc(encodeProgramDesc(d), f)).toEqual(d);
    }
  });

  test('every element type round-trips through a tensor record', () => {
    for (const t of [
      Tensor.from([1.5, -2], { dtype: 'float64' }),
      Tensor.from([[1, 2, 3]], { dtype: 'int32' }),
      Tensor.from([2n ** 62n, -1n], { dtype: 'int64' }),
      Tensor.from([0.1, 65504], { dtype: 'float16' }),
      Tensor.from([true, false]),
      Tensor.from([], { shape: [0, 3] }),
    ]) {
      const back = readTensor(writeTensor(t), 0, 'test').tensor;
      expect(back.dtype).toBe(t.dtype);
      expect(back.shape).toEqual(t.shape);
      expect(Buffer.from(back.data.buffer).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))).toBe(true);
    }
  });
});

describe('damaged files give clear errors only', () => {
  const cases: [string, (b: Uint8Array) => void][] = [
    ['lite-simple-model/model.pdmodel', (b) => decodeProgramDesc(b, 'model.pdmodel')],
    ['p2o-fit-a-line/__model__', (b) => decodeProgramDesc(b, '__model__')],
    ['lite-simple-model/model.pdiparams', (b) => readCombined(b, ['a', 'b', 'c', 'd', 'e'], 'model.pdiparams')],
    ['p2o-fit-a-line/fc_0.w_0', (b) => readTensor(b, 0, 'fc_0.w_0')],
  ];
  test.each(cases.map(([f, fn]) => [f, fn] as const))('%s: truncated, bit-flipped, huge lengths', (file, parse) => {
    const original = read(file);
    const rnd = seeded(file.length);
    let errors = 0;
    for (let k = 0; k < 300; k++) {
      const b = original.slice();
      let mutated: Uint8Array = b;
      const kind = k % 3;
      if (kind === 0) mutated = b.subarray(0, Math.floor(rnd() * b.length));
      else if (kind === 1) for (let f = 0; f < 3; f++) b[Math.floor(rnd() * b.length)] ^= 1 << Math.floor(rnd() * 8);
      else {
        const at = Math.floor(rnd() * Math.max(1, b.length - 8));
        b.set([0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f], at);
      }
      try {
        parse(mutated);
      } catch (e) {
        if (!(e instanceof FileFormatError)) throw new Error(`mutation ${k} of ${file} threw ${(e as Error).constructor.name}: ${(e as Error).message}`);
        expect((e as Error).message.length).toBeGreaterThan(10);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(100);
  });
});
