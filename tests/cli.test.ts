import { main } from '../cli/main';
import { listOpTypes } from '../src';

function capture(fn: () => number): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += a.join(' ') + '\n'));
  try {
    return { code: fn(), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    log.mockRestore();
  }
}

test('sagraph ops --json lists every op with its slots', () => {
  const r = capture(() => main(['ops', '--json']));
  expect(r.code).toBe(0);
  const rows = JSON.parse(r.out) as { type: string; inputs: string[] }[];
  expect(rows.map((x) => x.type)).toEqual(listOpTypes());
  expect(rows.find((x) => x.type === 'batch_norm')!.inputs).toEqual(['X', 'Scale', 'Bias', 'Mean', 'Variance']);
});

test('an unknown command is one clear line and a non-zero exit', () => {
  const r = capture(() => main(['bogus']));
  expect(r.code).toBe(1);
  expect(r.err.trim()).toBe("error: unknown command 'bogus'");
});
