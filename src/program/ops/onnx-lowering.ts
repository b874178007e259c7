/**
 * Pieces the ops' ONNX mappings share: Paddle's axis broadcasting in numpy terms, Paddle paddings
 * in ONNX order, and the mapping of an op that is a single ONNX node.
 */
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
  const place = (s: readonly number[]): number[] => {
    const at = axis === -1 || s.length === long ? long - s.length : axis;
    return [...new Array<number>(at).fill(1), ...s, ...new Array<number>(long - at - s.length).fill(1)];
  };
  const px = place(xs);
  const py = place(ys);
  const mine = slot === 'X' ? px : py;
  const other = slot === 'X' ? py : px;
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
export function onnxPads(ctx: OnnxCtx<OpType>, p: readonly number[]): number[] {
  if (p.length === 2) return [p[0], p[1], p[0], p[1]];
  if (p.length === 4) return [p[0], p[2], p[1], p[3]];
  return ctx.unsupported(`paddings ${JSON.stringify(p)} must have 2 or 4 entries`);
}

/** Window attributes of conv and pool: explicit pads, or auto_pad for Paddle's SAME and VALID. */
export function windowPadding(ctx: OnnxCtx<OpType>, algorithm: 'EXPLICIT' | 'SAME' | 'VALID', paddings: readonly number[]): Record<string, OnnxAttr> {
  if (algorithm === 'SAME') return { auto_pad: 'SAME_UPPER' };
  if (algorithm === 'VALID') return { auto_pad: 'VALID' };
  return { pads: onnxPads(ctx, paddings) };
}

/** The mapping of an op that is one ONNX node from slot X to slot Out. */
export function onnxUnary(opType: string, attrs?: (ctx: OnnxCtx<OpType>) => Record<string, OnnxAttr>) {
  return (ctx: OnnxCtx<OpType>): void => {
    ctx.node(opType, [ctx.input('X')], [ctx.output('Out')], attrs?.(ctx));
  };
}
