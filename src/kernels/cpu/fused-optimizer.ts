/**
 * The fused ASGD update: one pass over each parameter doing what the unfused chain of ops does
 * (clip → regularise → decay → asgd → store the slot), with the same rounding after every step, so
 * that the results are bitwise those of the unfused program.
 */
import type { KernelArgs } from '../../program/ops/types';
import { nums } from './util';
import { precision, sumOfSquares } from './optimizer';

/** clip_norm / max(sqrt(Σ_k ‖g_k‖²), clip_norm), rounded as the unfused ops round. */
export function globalNormScaleKernel(k: KernelArgs<'fused_global_norm_scale'>): void {
  const xs = k.inputs('X');
  const r = precision(xs[0].dtype);
  // squared_l2_norm per tensor, stored; then `sum` (a double accumulator) unless there is one
  const squares = xs.map((x) => r(sumOfSquares(nums(x.data))));
  let total: number;
  if (squares.length === 1) total = squares[0];
  else {
    let acc = 0;
    for (const s of squares) acc += s;
    total = r(acc);
  }
  const norm = r(Math.sqrt(total));
  const maxNorm = r(k.attrs.clip_norm);
  const denom = norm > maxNorm ? norm : maxNorm;
  nums(k.output('Scale').data)[0] = r(maxNorm / denom);
}

/**
 * fused_asgd over every parameter of one optimizer (float32 or float64 state; the pass leaves
 * 16-bit and master-weight programs unfused).
 */
export function fusedAsgdKernel(k: KernelArgs<'fused_asgd'>): void {
  const a = k.attrs;
  const grads = k.inputs('Grad');
  const ds = k.inputs('D');
  const ys = k.inputs('Y');
  const ms = k.inputs('M');
  const lr32 = nums(k.input('LearningRate').data)[0];
  const scaleT = k.maybeInput('GlobalScale');
  const N = a.batch_num;
  k.inputs('Param').forEach((pT, j) => {
    const r = precision(pT.dtype);
    const x = nums(pT.data);
    const g = nums(grads[j].data);
    const d = nums(ds[j].data);
    const y = nums(ys[j].data);
    const m = ms[j].data as BigInt64Array;
    const size = x.length;
    // the step's scalars, rounded as the unfused scale and cast ops round them
    const lrP = a.lr_mults[j] === 1 ? lr32 : r(a.lr_mults[j] * lr32 + 0);
    const steps = Number(m[0]);
    const yOff = (steps % N) * size;
    const step = r(lrP / Math.min(steps + 1, N));
    m[0] = BigInt(steps + 1);
    const lambda = a.lambdas[j];
    const lrLambda = lambda !== 0 ? r(lambda * lrP + 0) : 0;
    const regKind = a.reg_kinds[j];
    const coeff = a.reg_coeffs[j];
    const clip = a.clipped[j] ? a.clip_kind : 'none';
    let factor = 1;
    let scaled = clip === 'global';
    if (clip === 'global') factor = nums(scaleT!.data)[0];
    else if (clip === 'norm') {
      const norm = r(Math.sqrt(r(sumOfSquares(g))));
      scaled = norm > a.clip_norm;
      if (scaled) factor = r(a.clip_norm / norm);
    }
    const lo = r(a.clip_min);
    const hi = r(a.clip_max);
    for (let e = 0; e < size; e++) {
      let gi = g[e];
      if (clip === 'value') gi = gi < a.clip_min ? lo : gi > a.clip_max ? hi : gi;
      else if (scaled) gi = r(gi * factor);
      const xe = x[e];
      if (regKind !== 0) {
        // scale(x or sign(x), coeff) then sum([g, decay]), whose accumulator starts at 0
        const decay = r(coeff * (regKind === 2 ? xe : xe > 0 ? 1 : xe < 0 ? -1 : 0) + 0);
        let acc = 0;
        acc += gi;
        acc += decay;
        gi = r(acc);
      }
      const decayed = lambda !== 0 ? r(xe - r(xe * lrLambda)) : xe;
      const di = r(r(d[e] - y[yOff + e]) + gi);
      d[e] = di;
      y[yOff + e] = gi;
      x[e] = r(decayed - r(step * di));
    }
  });
}
