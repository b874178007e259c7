import { execFileSync } from 'child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { FileFormatError, Tensor } from '../../src';
import { readPickle, writePickle } from '../../src/io/pickle';
import { seeded } from '../helpers';

const FIXTURE = join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'paddle', 'paddlescience-mlp-pdparams', 'best_model.pdparams');

test("paddle.save's state dict reads: eight float32 arrays and the structured-name map", () => {
  const d = readPickle(new Uint8Array(readFileSync(FIXTURE)), 'best_model.pdparams');
  const shapes = Object.fromEntries(Object.entries(d).filter(([, v]) => v instanceof Tensor).map(([k, v]) => [k, (v as Tensor).shape]));
  expect(shapes).toEqual({
    '0.weight': [14, 116],
    '0.bias': [116],
    '3.weight': [116, 132],
    '3.bias': [132],
    '6.weight': [132, 243],
    '6.bias': [243],
    '9.weight': [243, 3],
    '9.bias': [3],
  });
  expect(d['StructuredToParameterName@@']).toMatchObject({ '0.weight': 'linear_324.w_0', '9.bias': 'linear_327.b_0' });
  // the arrays hold exactly the bytes the file stores (4 bytes per float32 after the header)
  const total = Object.values(d).filter((v) => v instanceof Tensor).reduce((a, t) => a + (t as Tensor).size * 4, 0);
  expect(total).toBeLessThan(201614);
  expect(total).toBeGreaterThan(201614 - 4000);
});

test('what the writer writes, Python reads back: names, shapes, dtypes and bytes', () => {
  const d = {
    w: Tensor.from([[1.5, -2], [3, 4]]),
    step: Tensor.from([7n], { dtype: 'int64' }),
    flags: Tensor.from([true, false]),
    half: Tensor.from([0.5], { dtype: 'float16' }),
    LR_Scheduler: { last_epoch: 3, last_lr: 0.125, name: 'StepDecay', big: 2 ** 40, none: null },
  };
  const dir = mkdtempSync(join(tmpdir(), 'sagraph-pickle-'));
  const file = join(dir, 'x.pdparams');
  writeFileSync(file, writePickle(d));
  // a stand-in for numpy that records what the pickle asks for, so no numpy is needed
  const py = `
import pickle, sys, json
class Arr:
    def __setstate__(self, s):
        self.s = s
class DType:
    def __init__(self, code, a, b): self.code = code
    def __setstate__(self, s): self.order = s[1]
def reconstruct(cls, shape, b): return Arr()
class U(pickle.Unpickler):
    def find_class(self, m, n):
        return {('numpy.core.multiarray','_reconstruct'): reconstruct, ('numpy','ndarray'): Arr, ('numpy','dtype'): DType}[(m, n)]
d = U(open(sys.argv[1], 'rb')).load()
out = {}
for k, v in d.items():
    out[k] = {'shape': list(v.s[1]), 'dtype': v.s[2].code, 'order': v.s[2].order, 'bytes': v.s[4].hex()} if isinstance(v, Arr) else v
print(json.dumps(out))
`;
  const got = JSON.parse(execFileSync('python3', ['-c', py, file]).toString());
  expect(got.w).toEqual({ shape: [2, 2], dtype: 'f4', order: '<', bytes: Buffer.from(new Float32Array([1.5, -2, 3, 4]).buffer).toString('hex') });
  expect(got.step).toMatchObject({ shape: [1], dtype: 'i8', bytes: '0700000000000000' });
  expect(got.flags).toMatchObject({ dtype: 'b1', order: '|', bytes: '0100' });
  expect(got.half).toMatchObject({ dtype: 'f2', bytes: '0038' });
  expect(got.LR_Scheduler).toEqual({ last_epoch: 3, last_lr: 0.125, name: 'StepDecay', big: 2 ** 40, none: null });
  const back = readPickle(writePickle(d), 'again');
  expect((back.w as Tensor).toArray()).toEqual([[1.5, -2], [3, 4]]);
  expect(back.LR_Scheduler).toEqual(d.LR_Scheduler);
});

test('a pickle naming any other global is refused', () => {
  const evil = new TextEncoder().encode("cos\nsystem\n(S'echo pwned'\ntR.");
  expect(() => readPickle(evil, 'evil.pdparams')).toThrow(FileFormatError);
  expect(() => readPickle(evil, 'evil.pdparams')).toThrow('evil.pdparams: refused: the pickle names the global os.system; only numpy arrays are accepted');
  const ascii = (t: string): number[] => [...t].map((c) => c.charCodeAt(0));
  const builtins = new Uint8Array([0x80, 4, 0x8c, 8, ...ascii('builtins'), 0x8c, 4, ...ascii('eval'), 0x93, 0x2e]);
  expect(() => readPickle(builtins, 'b.pdopt')).toThrow('refused: the pickle names the global builtins.eval');
});

test('damaged pickles give clear errors only', () => {
  const original = new Uint8Array(readFileSync(FIXTURE));
  const rnd = seeded(11);
  let errors = 0;
  for (let k = 0; k < 300; k++) {
    let b = original.slice();
    if (k % 3 === 0) b = b.subarray(0, Math.floor(rnd() * b.length));
    else if (k % 3 === 1) for (let f = 0; f < 4; f++) b[Math.floor(rnd() * 2000)] ^= 1 << Math.floor(rnd() * 8);
    else b.set([0x8e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], Math.floor(rnd() * 2000));
    try {
      readPickle(b, 'damaged');
    } catch (e) {
      if (!(e instanceof FileFormatError)) throw new Error(`mutation ${k} threw ${(e as Error).constructor.name}: ${(e as Error).message}`);
      errors++;
    }
  }
  expect(errors).toBeGreaterThan(100);
});

test('pickles of every protocol from 2 to 5, written by Python itself, read', () => {
  // a stand-in numpy whose objects reduce the way numpy's do (protocol 2 stores bytes through _codecs.encode)
  const py = `import pickle, sys, types, struct
# a stand-in numpy whose objects pickle the way numpy's do, so that no numpy is needed
np = types.ModuleType('numpy'); core = types.ModuleType('numpy.core'); ma = types.ModuleType('numpy.core.multiarray')
np.core = core; core.multiarray = ma
sys.modules.update({'numpy': np, 'numpy.core': core, 'numpy.core.multiarray': ma})
def _reconstruct(cls, shape, b): return cls.__new__(cls)
_reconstruct.__module__ = 'numpy.core.multiarray'; ma._reconstruct = _reconstruct
class dtype:
    def __init__(self, code, a=False, b=True): self.code = code
    def __reduce__(self): return (dtype, (self.code, False, True), (3, '<', None, None, None, -1, -1, 0))
    def __setstate__(self, s): pass
dtype.__module__ = 'numpy'; np.dtype = dtype
class ndarray:
    def __init__(self, shape, code, data): self.shape, self.dt, self.data = shape, dtype(code), data
    def __reduce__(self): return (_reconstruct, (ndarray, (0,), b'b'), (1, self.shape, self.dt, False, self.data))
    def __setstate__(self, s): pass
ndarray.__module__ = 'numpy'; np.ndarray = ndarray
d = {'w': ndarray((2, 2), 'f4', struct.pack('<4f', 1.5, -2, 3, 4)), 'step': ndarray((1,), 'i8', struct.pack('<q', 7)), 'LR_Scheduler': {'last_epoch': 3, 'last_lr': 0.125}}
sys.stdout.buffer.write(pickle.dumps(d, protocol=int(sys.argv[1])))
`;
  for (const protocol of [2, 3, 4, 5]) {
    const bytes = new Uint8Array(execFileSync('python3', ['-c', py, String(protocol)]));
    const d = readPickle(bytes, `protocol ${protocol}`);
    expect((d.w as Tensor).toArray()).toEqual([[1.5, -2], [3, 4]]);
    expect([...((d.step as Tensor).data as BigInt64Array)]).toEqual([7n]);
    expect(d.LR_Scheduler).toEqual({ last_epoch: 3, last_lr: 0.125 });
  }
});
