import type { Block } from './block';
import type { OpAttrMap, OpType } from './ops/types';
import { roleName } from './op-role';

export type SlotMap = Record<string, string[]>;

/**
 * An attribute of an op sagraph does not implement, kept as the file had it (a Paddle AttrDesc)
 * so that the program can be inspected and written back.
 */
export interface ForeignAttr {
  readonly name: string;
  readonly [field: string]: unknown;
}

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
  /** Set for an op read from a file whose type sagraph does not implement: its raw attributes. */
  readonly foreignAttrs: readonly ForeignAttr[] | undefined;
  /** The file's op type where sagraph runs it as another (depthwise_conv2d as conv2d). */
  paddleType: string | undefined;

  constructor(block: Block, type: K, inputs: SlotMap, outputs: SlotMap, attrs: OpAttrMap[K], role: number, foreignAttrs?: readonly ForeignAttr[]) {
    this.block = block;
    this.type = type;
    this.inputs = inputs;
    this.outputs = outputs;
    this._attrs = attrs;
    this._role = role;
    this.foreignAttrs = foreignAttrs;
  }

  /** An op sagraph does not implement (read from a file): it can be inspected and saved, not run. */
  get isForeign(): boolean {
    return this.foreignAttrs !== undefined;
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
