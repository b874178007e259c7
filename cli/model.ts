/** Opening the model files the CLI is given: a .pdmodel (with its params), __model__, or a folder. */
import { existsSync, readFileSync, statSync } from 'fs';
import { basename, dirname, join } from 'path';
import { ArgumentError, Executor, Program, Scope, load, loadInferenceModel } from '../src';

export interface OpenModel {
  program: Program;
  scope: Scope;
  /** Where the values came from: a checkpoint (.pdparams/.pdopt), an inference model, or none. */
  values: 'checkpoint' | 'inference' | 'none';
  prefix: string;
}

function stripExt(p: string): string {
  return p.endsWith('.pdmodel') ? p.slice(0, -'.pdmodel'.length) : p;
}

/** Reads the program and, where they are beside it, its values. */
export async function openModel(path: string, o: { needValues?: boolean } = {}): Promise<OpenModel> {
  if (!existsSync(path) && !existsSync(`${path}.pdmodel`)) throw new ArgumentError(`no model at ${path} (expected a .pdmodel file, a __model__ file or a model folder)`);
  const scope = new Scope();
  const exe = new Executor();
  if (existsSync(path) && statSync(path).isDirectory()) {
    const m = await loadInferenceModel(path, exe, { scope });
    return { program: m.program, scope, values: 'inference', prefix: join(path, 'model') };
  }
  const prefix = stripExt(path);
  const file = existsSync(`${prefix}.pdmodel`) ? `${prefix}.pdmodel` : path;
  if (existsSync(`${prefix}.pdparams`)) {
    const program = Program.parseFromString(new Uint8Array(readFileSync(file)));
    await load(program, prefix, { scope });
    return { program, scope, values: 'checkpoint', prefix };
  }
  if (existsSync(`${prefix}.pdiparams`)) {
    const m = await loadInferenceModel(prefix, exe, { scope });
    return { program: m.program, scope, values: 'inference', prefix };
  }
  if (basename(path) === '__model__') {
    const m = await loadInferenceModel(dirname(path), exe, { scope });
    return { program: m.program, scope, values: 'inference', prefix: join(dirname(path), 'model') };
  }
  if (o.needValues) throw new ArgumentError(`${path}: no parameter values beside it (${prefix}.pdparams or ${prefix}.pdiparams)`);
  return { program: Program.parseFromString(new Uint8Array(readFileSync(file))), scope, values: 'none', prefix };
}
