/**
 * Pieces the ops' ONNX mappings share: Paddle's axis broadcasting in numpy terms, Paddle paddings
 * in ONNX order, and the mapping of an op that is a single ONNX node.
 */
import { broadcastShapes } from '../shape';
import { expandPaddings } from './geometry';
import type { OnnxAttr, OnnxCtx, OpType } from './types';

/**
 * Paddle aligns Y's dims with X's starting at `axis`; numpy (ONNX) aligns trailing dims. Where the
 * two differ, the shorter operand gets trailing 1-dims (Reshape's 0 keeps a dim as it is).
 */
export function broadcastOperands(ctx: OnnxCtx<OpType>, axis: number): [string, string] {
  let x = ctx.input('X');
  let y = ctx.input('Y');
  const rx = ctx.inputVar('X').shape.length;
  const ry = ctx.inputVar('Y').shape.length;
  const [long, short] = rx >= ry ? [rx, ry] : [ry, rx];
  const at = axis === -1 || rx === ry ? long - short : axis;
  const trailing = long - short - at;
  if (trailing > 0 && short > 0) {
    const target = [...new Array<number>(short).fill(0), ...new Array<number>(trailing).fill(1)];
    const reshaped = ctx.node('Reshape', [rx >= ry ? y : x, ctx.ints(target)], 1)[0];
    if (rx >= ry) y = reshaped;
    else x = reshaped;
  }
  return [x, y];
}

/**
 * The gradient of a broadcast operand: `grad` has the broadcast output's shape; the dims the operand
 * was stretched along (or did not have) are summed away and the result takes the operand's shape.
 */
export function sumToOperand(ctx: OnnxCtx<OpType>, grad: string, slot: 'X' | 'Y', axis: number, out: string): void {
  const xs = ctx.inputVar('X').shape;
  const ys = ctx.inputVar('Y').shape;
  const long = Math.max(xs.length, ys.length);
  // both shapes placed in the output's rank as the forward op's inference placed them
  const placed = broadcastShapes(xs, ys, axis, 'X and Y');
  const mine = slot === 'X' ? placed.xs : placed.ys;
  const other = slot === 'X' ? placed.ys : placed.xs;
  // a dim of size 1 is summed where the other operand's is not 1 (unknown sizes included)
  const axes = mine.flatMap((d, i) => (d === 1 && other[i] !== 1 ? [i] : []));
  const own = slot === 'X' ? xs : ys;
  if (axes.length === 0 && own.length === long) {
    ctx.node('Identity', [grad], [out]);
    return;
  }
  const summed = axes.length ? ctx.node('ReduceSum', [grad, ctx.ints(axes)], 1, { keepdims: 1 })[0] : grad;
  ctx.node('Reshape', [summed, ctx.node('Shape', [ctx.input(slot)], 1)[0]], [out]);
}

/** Paddle's paddings ([h, w] or [top, bottom, left, right]) as ONNX's [top, left, bottom, right]. */
export function onnxPads(p: readonly number[]): number[] {
  const [top, bottom, left, right] = expandPaddings(p, 'paddings');
  return [top, left, bottom, right];
}

/** Window attributes of conv and pool: explicit pads, or auto_pad for Paddle's SAME and VALID. */
export function windowPadding(algorithm: 'EXPLICIT' | 'SAME' | 'VALID', paddings: readonly number[]): Record<string, OnnxAttr> {
  if (algorithm === 'SAME') return { auto_pad: 'SAME_UPPER' };
  if (algorithm === 'VALID') return { auto_pad: 'VALID' };
  return { pads: onnxPads(paddings) };
}

/** The mapping of an op that is one ONNX node from slot X to slot Out. */
export function onnxUnary(opType: string, attrs?: (ctx: OnnxCtx<OpType>) => Record<string, OnnxAttr>) {
  return (ctx: OnnxCtx<OpType>): void => {
    ctx.node(opType, [ctx.input('X')], [ctx.output('Out')], attrs?.(ctx));
  };
}
