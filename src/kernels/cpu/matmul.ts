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
  let i = 0;
  if (bCol === 1 && M >= 4) {
    // four rows of C at a time share each load of B, read through a subarray of its row (which V8
    // compiles to a tight loop); every sum keeps its order, so the results are the same as row by row
    const acc0 = new Float64Array(N);
    const acc1 = new Float64Array(N);
    const acc2 = new Float64Array(N);
    const acc3 = new Float64Array(N);
    for (; i + 4 <= M; i += 4) {
      acc0.fill(0);
      acc1.fill(0);
      acc2.fill(0);
      acc3.fill(0);
      const r0 = aOff + i * aRow;
      for (let p = 0; p < K; p++) {
        const q = r0 + p * aCol;
        const a0 = A[q];
        const a1 = A[q + aRow];
        const a2 = A[q + 2 * aRow];
        const a3 = A[q + 3 * aRow];
        const bp = bOff + p * bRow;
        const brow = B.subarray(bp, bp + N);
        for (let j = 0; j < N; j++) {
          const b = brow[j];
          acc0[j] += a0 * b;
          acc1[j] += a1 * b;
          acc2[j] += a2 * b;
          acc3[j] += a3 * b;
        }
      }
      const c0 = cOff + i * N;
      for (let j = 0; j < N; j++) {
        C[c0 + j] = acc0[j];
        C[c0 + N + j] = acc1[j];
        C[c0 + 2 * N + j] = acc2[j];
        C[c0 + 3 * N + j] = acc3[j];
      }
    }
  }
  const acc = new Float64Array(N);
  for (; i < M; i++) {
    acc.fill(0);
    const ai = aOff + i * aRow;
    for (let p = 0; p < K; p++) {
      const a = A[ai + p * aCol];
      const bp = bOff + p * bRow;
      if (bCol === 1) {
        const brow = B.subarray(bp, bp + N);
        for (let j = 0; j < N; j++) acc[j] += a * brow[j];
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

/**
 * matmul_v2_grad: per batch, d op(X) = G · op(Y)ᵀ and d op(Y) = op(X)ᵀ · G, transposed back where
 * the forward op transposed, and summed over the batches an operand was broadcast across.
 */
export function matmulGradKernel(k: KernelArgs<'matmul_v2_grad'>): void {
  const x = k.input('X');
  const y = k.input('Y');
  const g = nums(k.input('Out@GRAD').data);
  const dxT = k.maybeOutput('X@GRAD');
  const dyT = k.maybeOutput('Y@GRAD');
  const { xs, ys, tx, ty, M, Kx: K, N, xBatch, yBatch, batch } = matmulGeometry(x.shape, y.shape, k.attrs.trans_x, k.attrs.trans_y);
  const xd = nums(x.data);
  const yd = nums(y.data);
  const xc = xs[xs.length - 1];
  const yc = ys[ys.length - 1];
  // strides of op(X) (M x K) and op(Y) (K x N) elements in X and Y
  const [xRow, xCol] = tx ? [1, xc] : [xc, 1];
  const [yRow, yCol] = ty ? [1, yc] : [yc, 1];
  const dx = dxT ? new Float64Array(x.size) : undefined;
  const dy = dyT ? new Float64Array(y.size) : undefined;
  const cx = new Float64Array(M * K);
  const cy = new Float64Array(K * N);
  const rank = batch.length;
  let batches = 1;
  for (const d of batch) batches *= d;
  const idx = new Array<number>(rank).fill(0);
  for (let b = 0; b < batches; b++) {
    let xo = 0;
    let yo = 0;
    for (let d = 0; d < rank; d++) {
      xo = xo * xBatch[d] + (xBatch[d] === 1 ? 0 : idx[d]);
      yo = yo * yBatch[d] + (yBatch[d] === 1 ? 0 : idx[d]);
    }
    xo *= M * K;
    yo *= K * N;
    const go = b * M * N;
    if (dx) {
      gemm(g, go, N, 1, yd, yo, yCol, yRow, cx, 0, M, K, N);
      for (let m = 0; m < M; m++) for (let q = 0; q < K; q++) dx[xo + (tx ? q * M + m : m * K + q)] += cx[m * K + q];
    }
    if (dy) {
      gemm(xd, xo, xCol, xRow, g, go, N, 1, cy, 0, K, N, M);
      for (let q = 0; q < K; q++) for (let n = 0; n < N; n++) dy[yo + (ty ? n * K + q : q * N + n)] += cy[q * N + n];
    }
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
  if (dxT && dx) nums(dxT.data).set(dx);
  if (dyT && dy) nums(dyT.data).set(dy);
}

/** mul_grad: with X as [M, K] and Y as [K, N], dX = G · Yᵀ and dY = Xᵀ · G. */
export function mulGradKernel(k: KernelArgs<'mul_grad'>): void {
  const x = k.input('X');
  const y = k.input('Y');
  const g = nums(k.input('Out@GRAD').data);
  const M = x.shape.slice(0, k.attrs.x_num_col_dims).reduce((a, b) => a * b, 1);
  const K = x.shape.slice(k.attrs.x_num_col_dims).reduce((a, b) => a * b, 1);
  const N = y.shape.slice(k.attrs.y_num_col_dims).reduce((a, b) => a * b, 1);
  const dxT = k.maybeOutput('X@GRAD');
  const dyT = k.maybeOutput('Y@GRAD');
  if (dxT) gemm(g, 0, N, 1, nums(y.data), 0, 1, N, nums(dxT.data), 0, M, K, N);
  if (dyT) gemm(nums(x.data), 0, 1, K, g, 0, N, 1, nums(dyT.data), 0, K, N, M);
}
