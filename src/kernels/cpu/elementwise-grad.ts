import { broadcastShapes } from '../../program/shape';
import type { KernelArgs, OpType } from '../../program/ops/types';
import { broadcastStrides, nums, walk2 } from './util';

/** Partial derivatives of a binary op, given x, y and the incoming gradient g. */
export interface BinaryPartials {
  dx: (x: number, y: number, g: number) => number;
  dy: (x: number, y: number, g: number) => number;
}

type BinaryGrad = 'elementwise_add_grad' | 'elementwise_sub_grad' | 'elementwise_mul_grad' | 'elementwise_div_grad' | 'elementwise_max_grad' | 'elementwise_min_grad' | 'elementwise_pow_grad';

/**
 * X@GRAD and Y@GRAD of a broadcasting binary op: each output element's partials accumulate into
 * the input element it came from, which sums over the broadcast dims.
 */
export function binaryGradKernel<K extends BinaryGrad>(p: BinaryPartials) {
  return (k: KernelArgs<K>): void => {
    const x = k.input('X');
    const y = k.input('Y');
    const g = k.input('Out@GRAD');
    const dxT = k.maybeOutput('X@GRAD');
    const dyT = k.maybeOutput('Y@GRAD');
    const { xs, ys, out } = broadcastShapes(x.shape, y.shape, k.attrs.axis, k.label);
    const sx = broadcastStrides(xs, out);
    const sy = broadcastStrides(ys, out);
    const xd = nums(x.data);
    const yd = nums(y.data);
    const gd = nums(g.data);
    const dx = dxT ? new Float64Array(x.size) : undefined;
    const dy = dyT ? new Float64Array(y.size) : undefined;
    walk2(out, sx, sy, (i, a, b) => {
      if (dx) dx[a] += p.dx(xd[a], yd[b], gd[i]);
      if (dy) dy[b] += p.dy(xd[a], yd[b], gd[i]);
    });
    if (dxT && dx) nums(dxT.data).set(dx);
    if (dyT && dy) nums(dyT.data).set(dy);
  };
}

/** X@GRAD = f(v, g) elementwise, where v is the forward X or Out. */
export function unaryGradKernel<K extends OpType>(slot: 'X' | 'Out', f: (k: KernelArgs<K>) => (v: number, g: number) => number) {
  return (k: KernelArgs<K>): void => {
    const v = nums(k.input(slot).data);
    const g = nums(k.input('Out@GRAD').data);
    const dx = nums(k.output('X@GRAD').data);
    const fn = f(k);
    for (let i = 0; i < dx.length; i++) dx[i] = fn(v[i], g[i]);
  };
}
