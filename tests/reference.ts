/**
 * Float64 reference implementations written separately from the kernels (different index
 * arithmetic: explicit multi-indices and padded copies), used to compute expected values.
 */

export function prod(s: number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

/** Multi-index of flat index i in shape s. */
export function unravel(i: number, s: number[]): number[] {
  const idx = new Array(s.length).fill(0);
  for (let d = s.length - 1; d >= 0; d--) {
    idx[d] = i % s[d];
    i = Math.floor(i / s[d]);
  }
  return idx;
}

export function ravel(idx: number[], s: number[]): number {
  let i = 0;
  for (let d = 0; d < s.length; d++) i = i * s[d] + idx[d];
  return i;
}

/** Paddle elementwise broadcasting, computed per output element by modulo. */
export function refElementwise(
  xs: number[],
  ys: number[],
  axis: number,
  x: number[],
  y: number[],
  f: (a: number, b: number) => number,
): { shape: number[]; data: number[] } {
  const rank = Math.max(xs.length, ys.length);
  const swap = xs.length < ys.length;
  const big = swap ? ys : xs;
  const small = swap ? xs : ys;
  const start = axis === -1 || xs.length === ys.length ? rank - small.length : axis;
  const smallPadded = big.map((_, d) => (d >= start && d < start + small.length ? small[d - start] : 1));
  const xp = swap ? smallPadded : big;
  const yp = swap ? big : smallPadded;
  const shape = xp.map((d, i) => Math.max(d, yp[i]));
  if (xp.some((d, i) => d === 0 || yp[i] === 0)) shape.forEach((_, i) => (shape[i] = xp[i] === 1 ? yp[i] : xp[i]));
  const data: number[] = [];
  for (let i = 0; i < prod(shape); i++) {
    const idx = unravel(i, shape);
    const xi = ravel(idx.map((v, d) => v % xp[d]), xp);
    const yi = ravel(idx.map((v, d) => v % yp[d]), yp);
    data.push(f(x[xi], y[yi]));
  }
  return { shape, data };
}

/** C = op(A) op(B) for 2-D row-major matrices. */
export function refMatmul2d(a: number[], ar: number, ac: number, b: number[], br: number, bc: number, ta = false, tb = false): number[] {
  const A = (i: number, k: number): number => (ta ? a[k * ac + i] : a[i * ac + k]);
  const B = (k: number, j: number): number => (tb ? b[j * bc + k] : b[k * bc + j]);
  const M = ta ? ac : ar;
  const K = ta ? ar : ac;
  const N = tb ? br : bc;
  const c: number[] = [];
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A(i, k) * B(k, j);
      c.push(s);
    }
  }
  return c;
}

/** NCHW convolution on an explicitly zero-padded copy of the input. */
export function refConv2d(
  x: number[],
  [N, C, H, W]: number[],
  w: number[],
  [OC, ICg, KH, KW]: number[],
  o: { stride: [number, number]; pad: [number, number, number, number]; dil: [number, number]; groups: number },
): { shape: number[]; data: number[] } {
  const [pt, pb, pl, pr] = o.pad;
  const HP = H + pt + pb;
  const WP = W + pl + pr;
  const padded = new Array(N * C * HP * WP).fill(0);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++)
        for (let ww = 0; ww < W; ww++) padded[((n * C + c) * HP + h + pt) * WP + ww + pl] = x[((n * C + c) * H + h) * W + ww];
  const OH = Math.floor((HP - (o.dil[0] * (KH - 1) + 1)) / o.stride[0]) + 1;
  const OW = Math.floor((WP - (o.dil[1] * (KW - 1) + 1)) / o.stride[1]) + 1;
  const out: number[] = [];
  const ocPerGroup = OC / o.groups;
  for (let n = 0; n < N; n++)
    for (let oc = 0; oc < OC; oc++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const g = Math.floor(oc / ocPerGroup);
          let s = 0;
          for (let ic = 0; ic < ICg; ic++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const h = oh * o.stride[0] + kh * o.dil[0];
                const ww = ow * o.stride[1] + kw * o.dil[1];
                s += padded[((n * C + g * ICg + ic) * HP + h) * WP + ww] * w[((oc * ICg + ic) * KH + kh) * KW + kw];
              }
          out.push(s);
        }
  return { shape: [N, OC, OH, OW], data: out };
}

/** erf by composite Simpson integration of 2/sqrt(pi) exp(-t^2) over [0, x]. */
export function refErf(x: number): number {
  const n = 2000;
  const h = x / n;
  let s = 1 + Math.exp(-x * x);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * Math.exp(-(i * h) * (i * h));
  return ((s * h) / 3) * (2 / Math.sqrt(Math.PI));
}
