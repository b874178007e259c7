import type { Block } from './block';
import type { OpAttrMap, OpType } from './ops/types';
import { roleName } from './op-role';

export type SlotMap = Record<string, string[]>;

/**
 * One op in a block: a type from the closed set, variables by name per slot (Paddle's own slot
 * names), typed attributes, and its role.
 */
export class Operator<K extends OpType = OpType> {
  readonly block: Block;
  readonly type: K;
  readonly inputs: Readonly<SlotMap>;
  readonly outputs: Readonly<SlotMap>;
  private _attrs: OpAttrMap[K];
  private _role: number;

  constructor(block: Block, type: K, inputs: SlotMap, outputs: SlotMap, attrs: OpAttrMap[K], role: number) {
    this.block = block;
    this.type = type;
    this.inputs = inputs;
    this.outputs = outputs;
    this._attrs = attrs;
    this._role = role;
  }

  get attrs(): Readonly<OpAttrMap[K]> {
    return this._attrs;
  }

  get role(): number {
    return this._role;
  }
  set role(r: number) {
    this._role = r;
    this.block.program.bump();
  }

  /** The op's index in its block (-1 once removed). */
  get idx(): number {
    return this.block.ops.indexOf(this as unknown as Operator);
  }

  attr<A extends keyof OpAttrMap[K]>(name: A): OpAttrMap[K][A] {
    return this._attrs[name];
  }

  setAttr<A extends keyof OpAttrMap[K]>(name: A, value: OpAttrMap[K][A]): void {
    this._attrs = { ...this._attrs, [name]: value };
    this.block.program.bump();
  }

  input(slot: string): string[] {
    return this.inputs[slot] ?? [];
  }

  output(slot: string): string[] {
    return this.outputs[slot] ?? [];
  }

  inputArgNames(): string[] {
    return Object.values(this.inputs).flat();
  }

  outputArgNames(): string[] {
    return Object.values(this.outputs).flat();
  }

  /** "op #3 elementwise_add" */
  get label(): string {
    return `op #${this.idx} ${this.type}`;
  }

  toString(): string {
    return `${this.label} (${roleName(this._role)})`;
  }
}
