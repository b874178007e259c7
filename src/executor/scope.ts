import type { DType, TypedArray } from '../program/dtype';
import { ArgumentError } from '../program/errors';
import { NestedNumbers, Tensor } from './tensor';

let nextScopeId = 1;

/**
 * Where persistable values (parameters, optimizer state, learning rates) live between runs.
 * Temporaries never enter a scope.
 */
export class Scope {
  readonly id = nextScopeId++;
  private readonly vars = new Map<string, Tensor>();
  private _structure = 0;

  /** A copy of the current value of `name`, or undefined. */
  findVar(name: string): Tensor | undefined {
    const t = this.vars.get(name);
    return t?.clone();
  }

  hasVar(name: string): boolean {
    return this.vars.has(name);
  }

  varNames(): string[] {
    return [...this.vars.keys()].sort();
  }

  /**
   * Sets `name` to a copy of `value` (Paddle's scope.find_var(name).get_tensor().set(value)).
   * Numbers and arrays become tensors of `dtype` (float32 by default).
   */
  setVar(name: string, value: Tensor | TypedArray | NestedNumbers, o: { dtype?: DType; shape?: number[] } = {}): void {
    if (typeof name !== 'string' || name === '') throw new ArgumentError(`Scope.setVar: name must be a non-empty string, received ${JSON.stringify(name)}`);
    this.putTensor(name, Tensor.from(value as NestedNumbers, o));
  }

  eraseVar(name: string): void {
    if (this.vars.delete(name)) this._structure++;
  }

  /** Changes when a variable is added or removed or changes shape or dtype (plans depend on it). */
  get structureVersion(): number {
    return this._structure;
  }

  /** The live tensor (no copy): for executors. */
  getTensor(name: string): Tensor | undefined {
    return this.vars.get(name);
  }

  /** Stores a tensor as is (no copy): for executors. */
  putTensor(name: string, t: Tensor): void {
    const old = this.vars.get(name);
    if (!old || old.dtype !== t.dtype || old.shape.length !== t.shape.length || old.shape.some((d, i) => d !== t.shape[i])) {
      this._structure++;
    }
    this.vars.set(name, t);
  }
}

let current = new Scope();

/** The scope `Executor.run` uses when none is given; scopeGuard switches it, as in Paddle. */
export function globalScope(): Scope {
  return current;
}

export function scopeGuard<T>(s: Scope, fn: () => T): T {
  if (!(s instanceof Scope)) throw new ArgumentError(`scopeGuard: expected a Scope, received ${String(s)}`);
  const saved = current;
  current = s;
  try {
    return fn();
  } finally {
    current = saved;
  }
}
