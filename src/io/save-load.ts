/**
 * Checkpoints and inference models in PaddlePaddle's layouts:
 *   save/load: <prefix>.pdmodel, <prefix>.pdparams (parameters), <prefix>.pdopt (other state)
 *   saveInferenceModel/loadInferenceModel: <prefix>.pdmodel with feed/fetch ops + <prefix>.pdiparams;
 *   loadInferenceModel also reads old model folders (__model__ with a `params` file or one file per
 *   variable).
 * Files are written to a temporary name and renamed, so an interrupted save never leaves a
 * half-written checkpoint.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { ArgumentError, FileFormatError, ProgramError } from '../program/errors';
import { Program, defaultMainProgram } from '../program/program';
import { Parameter, Variable } from '../program/variable';
import { Scope, globalScope } from '../executor/scope';
import { Tensor } from '../executor/tensor';
import type { Executor } from '../executor/executor';
import { parseProgram } from './pdmodel';
import { PickleValue, readPickle, writePickle } from './pickle';
import { readCombined, readTensor, writeCombined } from './tensor-file';

/** Writes `bytes` to `file` through a temporary file and a rename. */
export function writeAtomic(file: string, bytes: Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  } catch (e) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw e;
  }
}

function readFile(file: string): Uint8Array {
  if (!existsSync(file)) throw new ArgumentError(`no file ${file}`);
  return new Uint8Array(readFileSync(file));
}

function persistables(p: Program): Variable[] {
  return [...p.globalBlock().vars.values()].filter((v) => v.persistable);
}

function checkPrefix(prefix: unknown, fn: string): string {
  if (typeof prefix !== 'string' || prefix === '') throw new ArgumentError(`${fn}: pathPrefix must be a non-empty string, received ${String(prefix)}`);
  return prefix;
}

/** Saves the program and its persistable values from the scope (Paddle's paddle.static.save). */
export async function save(program: Program, pathPrefix: string, o: { scope?: Scope } = {}): Promise<void> {
  const prefix = checkPrefix(pathPrefix, 'save');
  const scope = o.scope ?? globalScope();
  const params: { [k: string]: PickleValue } = {};
  const opt: { [k: string]: PickleValue } = {};
  const missing: string[] = [];
  for (const v of persistables(program)) {
    const t = scope.getTensor(v.name);
    if (!t) {
      missing.push(v.name);
      continue;
    }
    (v instanceof Parameter ? params : opt)[v.name] = t.clone();
  }
  if (missing.length) throw new ProgramError(`save: not in the scope: ${missing.join(', ')} (run the startup program first, or load the values)`);
  writeAtomic(`${prefix}.pdmodel`, program.serializeToString());
  writeAtomic(`${prefix}.pdparams`, writePickle(params));
  writeAtomic(`${prefix}.pdopt`, writePickle(opt));
}

/** Loads the values save() wrote into the scope, checking each against the program's variable. */
export async function load(program: Program, pathPrefix: string, o: { scope?: Scope } = {}): Promise<void> {
  const prefix = checkPrefix(pathPrefix, 'load');
  const scope = o.scope ?? globalScope();
  const values: { [k: string]: PickleValue } = { ...readPickle(readFile(`${prefix}.pdparams`), `${prefix}.pdparams`) };
  if (existsSync(`${prefix}.pdopt`)) Object.assign(values, readPickle(readFile(`${prefix}.pdopt`), `${prefix}.pdopt`));
  const missing: string[] = [];
  for (const v of persistables(program)) {
    const t = values[v.name];
    if (!(t instanceof Tensor)) {
      missing.push(v.name);
      continue;
    }
    const fits = t.dtype === v.dtype && t.shape.length === v.shape.length && t.shape.every((d, i) => v.shape[i] < 0 || v.shape[i] === d);
    if (!fits) throw new FileFormatError(`load: ${v.name} is ${t.dtype}[${t.shape}] in ${prefix}.pdparams/.pdopt, but the program declares ${v.dtype}[${v.shape}]`);
    scope.putTensor(v.name, t);
  }
  if (missing.length) throw new FileFormatError(`load: ${prefix}.pdparams/.pdopt lack ${missing.join(', ')}`);
}

/**
 * Saves the forward part of `program` that computes fetchVars from feedVars, with feed/fetch ops,
 * as <prefix>.pdmodel and its persistable values (sorted by name) as <prefix>.pdiparams.
 */
export async function saveInferenceModel(
  pathPrefix: string,
  feedVars: Variable[],
  fetchVars: Variable[],
  _exe: Executor,
  o: { program?: Program; scope?: Scope } = {},
): Promise<void> {
  const prefix = checkPrefix(pathPrefix, 'saveInferenceModel');
  const source = o.program ?? defaultMainProgram();
  if (!Array.isArray(feedVars) || !Array.isArray(fetchVars) || fetchVars.length === 0) {
    throw new ArgumentError('saveInferenceModel: feedVars and fetchVars must be arrays of variables (at least one fetch)');
  }
  const p = source.clone({ forTest: true });
  const block = p.globalBlock();
  const feeds = new Set(feedVars.map((v) => v.name));
  // keep the ops on the way from the feeds to the fetches
  const needed = new Set(fetchVars.map((v) => v.name));
  const keep = new Array<boolean>(block.ops.length).fill(false);
  for (let i = block.ops.length - 1; i >= 0; i--) {
    const op = block.ops[i];
    if (!op.outputArgNames().some((n) => needed.has(n) && !feeds.has(n))) continue;
    keep[i] = true;
    for (const n of op.inputArgNames()) needed.add(n);
  }
  for (let i = block.ops.length - 1; i >= 0; i--) if (!keep[i]) block.removeOp(i);
  const used = new Set(block.ops.flatMap((op) => [...op.inputArgNames(), ...op.outputArgNames()]));
  for (const v of [...block.vars.values()]) if (!used.has(v.name) && !feeds.has(v.name)) block.removeVar(v.name);
  for (const v of [...feedVars, ...fetchVars]) if (!block.hasVar(v.name)) throw new ArgumentError(`saveInferenceModel: ${v.name} is not a variable of the program`);
  p.optimizerChains.length = 0;
  p.feedTargetNames.splice(0, p.feedTargetNames.length, ...feedVars.map((v) => v.name));
  p.fetchTargetNames.splice(0, p.fetchTargetNames.length, ...fetchVars.map((v) => v.name));
  const scope = o.scope ?? globalScope();
  const values = new Map<string, Tensor>();
  for (const v of persistables(p)) {
    const t = scope.getTensor(v.name);
    if (!t) throw new ProgramError(`saveInferenceModel: ${v.name} is not in the scope (run the startup program first)`);
    values.set(v.name, t);
  }
  writeAtomic(`${prefix}.pdmodel`, p.serializeToString());
  writeAtomic(`${prefix}.pdiparams`, writeCombined(values));
}

/**
 * Loads an inference model into the scope (default: the global scope): <prefix>.pdmodel +
 * <prefix>.pdiparams, or a model folder with __model__ and a `params` file or one file per variable.
 */
export async function loadInferenceModel(
  pathPrefix: string,
  _exe: Executor,
  o: { scope?: Scope } = {},
): Promise<{ program: Program; feedTargetNames: string[]; fetchTargets: Variable[] }> {
  const prefix = checkPrefix(pathPrefix, 'loadInferenceModel');
  const folder = existsSync(prefix) && statSync(prefix).isDirectory();
  const modelFile = folder ? join(prefix, existsSync(join(prefix, '__model__')) ? '__model__' : 'model.pdmodel') : `${prefix}.pdmodel`;
  const program = parseProgram(readFile(modelFile), modelFile);
  const names = persistables(program).map((v) => v.name).sort();
  const scope = o.scope ?? globalScope();
  let values: Map<string, Tensor>;
  const combined = folder ? [join(prefix, 'params'), join(prefix, '__params__'), join(prefix, 'model.pdiparams')].find(existsSync) : `${prefix}.pdiparams`;
  if (combined && existsSync(combined)) values = readCombined(readFile(combined), names, combined);
  else if (folder) values = new Map(names.map((n) => [n, readTensor(readFile(join(prefix, n)), 0, join(prefix, n)).tensor]));
  else throw new ArgumentError(`loadInferenceModel: no ${prefix}.pdiparams`);
  for (const [n, t] of values) scope.putTensor(n, t);
  return { program, feedTargetNames: [...program.feedTargetNames], fetchTargets: program.fetchTargetNames.map((n) => program.globalBlock().var(n)) };
}
