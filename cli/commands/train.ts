/** sagraph train: trains a compiled program on CSV data, with checkpoints and a loss curve. */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import { ArgumentError, Executor, Program, Tensor, save } from '../../src';
import { openModel } from '../model';

export interface TrainOptions {
  data: string;
  epochs: string;
  batchSize: string;
  out?: string;
  quiet?: boolean;
}

/** Numeric rows from a CSV file or every .csv file of a folder (a first row with letters is a header). */
export function readCsv(path: string): number[][] {
  if (!existsSync(path)) throw new ArgumentError(`--data: no file or folder ${path}`);
  const files = statSync(path).isDirectory() ? readdirSync(path).filter((f) => f.endsWith('.csv')).sort().map((f) => join(path, f)) : [path];
  if (files.length === 0) throw new ArgumentError(`--data: ${path} holds no .csv file`);
  const rows: number[][] = [];
  for (const f of files) {
    const lines = readFileSync(f, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
    lines.forEach((l, i) => {
      if (i === 0 && /[a-df-zA-DF-Z_]/.test(l)) return; // header
      const row = l.split(',').map((c) => Number(c.trim()));
      if (row.some((v) => !Number.isFinite(v))) throw new ArgumentError(`${f}:${i + 1}: not a row of numbers: ${l.slice(0, 80)}`);
      rows.push(row);
    });
  }
  return rows;
}

function bar(done: number, total: number, width = 24): string {
  const k = Math.round((done / total) * width);
  return `[${'#'.repeat(k)}${'-'.repeat(width - k)}]`;
}

/** A small SVG line chart of the loss per step. */
export function lossSvg(losses: number[]): string {
  const w = 640;
  const h = 320;
  const pad = 40;
  const max = Math.max(...losses);
  const min = Math.min(...losses);
  const span = max - min || 1;
  const pts = losses.map((l, i) => `${(pad + (i / Math.max(losses.length - 1, 1)) * (w - 2 * pad)).toFixed(1)},${(h - pad - ((l - min) / span) * (h - 2 * pad)).toFixed(1)}`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="black"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="black"/>`,
    `<text x="${pad}" y="${pad - 10}">loss ${max.toPrecision(4)}</text><text x="${pad}" y="${h - 10}">${min.toPrecision(4)} · ${losses.length} steps</text>`,
    `<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${pts.join(' ')}"/>`,
    '</svg>',
    '',
  ].join('\n');
}

export async function trainCommand(model: string, o: TrainOptions): Promise<{ losses: number[]; lines: string[] }> {
  const epochs = Number(o.epochs);
  const batchSize = Number(o.batchSize);
  if (!Number.isInteger(epochs) || epochs < 1) throw new ArgumentError(`--epochs must be a positive integer, received '${o.epochs}'`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(`--batch-size must be a positive integer, received '${o.batchSize}'`);
  const { program, scope, prefix, values } = await openModel(model, { needValues: true });
  if (values !== 'checkpoint') throw new ArgumentError(`${model} is not a training checkpoint; make one with sagraph compile`);
  const loss = program.fetchTargetNames[0];
  if (!loss || program.feedTargetNames.length === 0) throw new ArgumentError(`${model} names no feeds and loss; make it with sagraph compile`);
  const block = program.globalBlock();
  const feeds = program.feedTargetNames.map((n) => {
    const v = block.var(n);
    const width = v.shape.slice(1).reduce((a, d) => a * d, 1);
    if (v.shape.slice(1).some((d) => d < 0)) throw new ArgumentError(`feed ${n} has an unknown feature size [${v.shape}]`);
    return { name: n, dtype: v.dtype, inner: v.shape.slice(1), width };
  });
  const rows = readCsv(o.data);
  const columns = feeds.reduce((a, f) => a + f.width, 0);
  rows.forEach((r, i) => {
    if (r.length !== columns) throw new ArgumentError(`--data row ${i + 1} has ${r.length} columns; the feeds ${feeds.map((f) => `${f.name} (${f.width})`).join(', ')} take ${columns}`);
  });
  const out = o.out ?? prefix;
  const exe = new Executor();
  const losses: number[] = [];
  const lines: string[] = [];
  const start = Date.now();
  for (let e = 0; e < epochs; e++) {
    let sum = 0;
    let batches = 0;
    for (let b = 0; b < rows.length; b += batchSize) {
      const chunk = rows.slice(b, b + batchSize);
      const feed: Record<string, Tensor> = {};
      let col = 0;
      for (const f of feeds) {
        const flat = chunk.flatMap((r) => r.slice(col, col + f.width));
        feed[f.name] = Tensor.from(f.dtype === 'int64' ? flat.map((v) => BigInt(Math.trunc(v))) : flat, { dtype: f.dtype, shape: [chunk.length, ...f.inner] });
        col += f.width;
      }
      const [l] = await exe.run(program, { feed, fetchList: [loss], scope });
      const v = l.data[0] as number;
      losses.push(v);
      sum += v;
      batches++;
      if (!o.quiet && process.stderr.isTTY) process.stderr.write(`\repoch ${e + 1}/${epochs} ${bar(Math.min(b + batchSize, rows.length), rows.length)} loss ${v.toFixed(5)}`);
    }
    if (!o.quiet && process.stderr.isTTY) process.stderr.write('\n');
    await save(program as Program, out, { scope });
    lines.push(`epoch ${e + 1}/${epochs}: mean loss ${(sum / batches).toPrecision(6)} (${batches} batches), checkpoint ${out}`);
  }
  const seconds = (Date.now() - start) / 1000;
  writeFileSync(`${out}.loss.csv`, ['step,loss', ...losses.map((l, i) => `${i},${l}`)].join('\n') + '\n');
  writeFileSync(`${out}.loss.svg`, lossSvg(losses));
  lines.push(`${epochs * rows.length} samples in ${seconds.toFixed(2)} s (${((epochs * rows.length) / Math.max(seconds, 1e-9)).toFixed(0)} samples/s); loss curve ${out}.loss.csv, ${out}.loss.svg`);
  return { losses, lines };
}
