/** sagraph run: runs a saved program on .npy inputs and prints or writes the fetched values. */
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { ArgumentError, Executor, Tensor } from '../../src';
import { readNpy, writeNpy } from '../../src/io/npy';
import { openModel } from '../model';

export async function runCommand(model: string, o: { feed?: string[]; fetch?: string[]; out?: string }): Promise<string[]> {
  const { program, scope } = await openModel(model);
  const feed: Record<string, Tensor> = {};
  for (const f of o.feed ?? []) {
    const at = f.indexOf('=');
    if (at <= 0) throw new ArgumentError(`--feed must be name=file.npy, received '${f}'`);
    const file = f.slice(at + 1);
    feed[f.slice(0, at)] = readNpy(new Uint8Array(readFileSync(file)), file);
  }
  const fetch = o.fetch?.length ? o.fetch : program.fetchTargetNames;
  if (fetch.length === 0) throw new ArgumentError('name what to fetch with --fetch (the program names no fetch targets)');
  const results = await new Executor().run(program, { feed, fetchList: fetch, scope, usePrune: true });
  const lines: string[] = [];
  if (o.out) mkdirSync(o.out, { recursive: true });
  results.forEach((t, i) => {
    if (o.out) {
      const file = join(o.out, `${fetch[i].replace(/[^A-Za-z0-9_.-]/g, '_')}.npy`);
      writeFileSync(file, writeNpy(t));
      lines.push(`${fetch[i]}: ${t.dtype}[${t.shape}] -> ${file}`);
    } else lines.push(`${fetch[i]}: ${t.dtype}[${t.shape}] ${JSON.stringify(t.toArray())}`);
  });
  return lines;
}
