import type { KernelArgs } from '../../program/ops/types';
import { nums } from './util';
import type { NumberArray } from '../../program/dtype';
import { matmulGeometry } from '../../program/ops/geometry';

/**
 * C[m, n] = sum_k A[m, k] B[k, n] with arbitrary element strides, accumulated in double and
 * rounded once into C.
 */
export function gemm(
  A: NumberArray,
  aOff: number,
  aRow: number,
  aCol: number,
  B: NumberArray,
  bOff: number,
  bRow: number,
  bCol: number,
  C: NumberArray,
  cOff: number,
  M: number,
  N: number,
  K: number,
): void {
  const acc = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    acc.fill(0);
    const ai = aOff + i * aRow;
    for (let p = 0; p < K; p++) {
      const a = A[ai + p * aCol];
      const bp = bOff + p * bRow;
      if (bCol === 1) {
        for (let j = 0; j < N; j++) acc[j] += a * B[bp + j];
      } else {
        for (let j = 0; j < N; j++) acc[j] += a * B[bp + j * bCol];
      }
    }
    const ci = cOff + i * N;
    for (let j = 0; j < N; j++) C[ci + j] = acc[j];
  }
}

/** matmul_v2: batched with broadcast batch dims; 1-D operands as Paddle (promoted, then squeezed). */
export function matmulKernel(k: KernelArgs<'matmul_v2'>): void {
  const x = k.input('X');
  const y = k.input('Y');
  const out = k.output('Out');
  const { xs, ys, tx, ty, M, Kx: K, N, xBatch: xbp, yBatch: ybp, batch: ob } = matmulGeometry(x.shape, y.shape, k.attrs.trans_x, k.attrs.trans_y);
  const xr = xs.length;
  const yr = ys.length;
  const rank = ob.length;
  let batches = 1;
  for (const d of ob) batches *= d;
  const xd = nums(x.data);
  const yd = nums(y.data);
  const od = nums(out.data);
  const xMat = xs[xr - 2] * xs[xr - 1];
  const yMat = ys[yr - 2] * ys[yr - 1];
  const idx = new Array<number>(rank).fill(0);
  for (let b = 0; b < batches; b++) {
    let xo = 0;
    let yo = 0;
    for (let d = 0; d < rank; d++) {
      xo = xo * xbp[d] + (xbp[d] === 1 ? 0 : idx[d]);
      yo = yo * ybp[d] + (ybp[d] === 1 ? 0 : idx[d]);
    }
    const xRow = tx ? 1 : xs[xr - 1];
    const xCol = tx ? xs[xr - 1] : 1;
    const yRow = ty ? 1 : ys[yr - 1];
    const yCol = ty ? ys[yr - 1] : 1;
    gemm(xd, xo * xMat, xRow, xCol, yd, yo * yMat, yRow, yCol, od, b * M * N, M, N, K);
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < ob[d]) break;
      idx[d] = 0;
    }
  }
}

/** mul: X flattened to 2-D at x_num_col_dims, Y at y_num_col_dims. */
export function mulKernel(k: KernelArgs<'mul'>): void {
  const x = k.input('X');
  const y = k.input('Y');
  const out = k.output('Out');
  const M = x.shape.slice(0, k.attrs.x_num_col_dims).reduce((a, b) => a * b, 1);
  const K = x.shape.slice(k.attrs.x_num_col_dims).reduce((a, b) => a * b, 1);
  const N = y.shape.slice(k.attrs.y_num_col_dims).reduce((a, b) => a * b, 1);
  const yd = nums(y.data);
  gemm(nums(x.data), 0, K, 1, yd, 0, N, 1, nums(out.data), 0, M, N, K);
}
