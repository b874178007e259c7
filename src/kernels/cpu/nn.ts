import type { KernelArgs } from '../../program/ops/types';
import { RuntimeOpError } from '../../program/errors';
import { convWindow, expandPaddings, poolWindow } from '../../program/ops/geometry';
import { indexAt, nums, store } from './util';

export function conv2dKernel(k: KernelArgs<'conv2d'>): void {
  const x = k.input('Input');
  const w = k.input('Filter');
  const out = k.output('Output');
  const a = k.attrs;
  const [N, C, H, W] = x.shape;
  const [OC, ICg, KH, KW] = w.shape;
  const g = a.groups;
  const [pt, pb, pl, pr] = expandPaddings(a.paddings, k.label);
  const hw = convWindow(H, KH, a.strides[0], pt, pb, a.dilations[0], a.padding_algorithm, k.label);
  const ww = convWindow(W, KW, a.strides[1], pl, pr, a.dilations[1], a.padding_algorithm, k.label);
  const OH = hw.out;
  const OW = ww.out;
  const OCg = OC / g;
  const xd = nums(x.data);
  const wd = nums(w.data);
  const od = nums(out.data);
  const [sh, sw] = a.strides;
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < OC; oc++) {
      const grp = Math.floor(oc / OCg);
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let acc = 0;
          for (let icg = 0; icg < ICg; icg++) {
            const ic = grp * ICg + icg;
            const xBase = (n * C + ic) * H * W;
            const wBase = (oc * ICg + icg) * KH * KW;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * sh - hw.padBefore + kh * hw.dilation;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * sw - ww.padBefore + kw * ww.dilation;
                if (iw < 0 || iw >= W) continue;
                acc += xd[xBase + ih * W + iw] * wd[wBase + kh * KW + kw];
              }
            }
          }
          od[((n * OC + oc) * OH + oh) * OW + ow] = acc;
        }
      }
    }
  }
}

/**
 * The input rows (or columns) each pooling window covers, clipped to the input, with the window's
 * nominal size: adaptive windows split the input evenly; others slide by the stride from -padding.
 */
function poolWindows(xshape: readonly number[], OH: number, OW: number, a: PoolAttrs, label: string) {
  const [, , H, W] = xshape;
  let kh = a.ksize[0];
  let kw = a.ksize[1];
  let pt = 0;
  let pl = 0;
  let sh = a.strides[0];
  let sw = a.strides[1];
  if (a.global_pooling) {
    kh = H;
    kw = W;
    sh = 1;
    sw = 1;
  } else if (!a.adaptive) {
    const p = expandPaddings(a.paddings, label);
    pt = poolWindow(H, kh, sh, p[0], p[1], a.ceil_mode, a.padding_algorithm, label).padBefore;
    pl = poolWindow(W, kw, sw, p[2], p[3], a.ceil_mode, a.padding_algorithm, label).padBefore;
  }
  const span = (i: number, size: number, outSize: number, k: number, s: number, pad: number): [number, number, number] => {
    if (a.adaptive) return [Math.floor((i * size) / outSize), Math.ceil(((i + 1) * size) / outSize), k];
    const start = i * s - pad;
    return [Math.max(start, 0), Math.min(start + k, size), k];
  };
  return {
    rows: (oh: number) => span(oh, H, OH, kh, sh, pt),
    cols: (ow: number) => span(ow, W, OW, kw, sw, pl),
  };
}

type PoolAttrs = KernelArgs<'pool2d'>['attrs'];

export function pool2dKernel(k: KernelArgs<'pool2d'>): void {
  const x = k.input('X');
  const out = k.output('Out');
  const a = k.attrs;
  const [N, C, H, W] = x.shape;
  const OH = out.shape[2];
  const OW = out.shape[3];
  const xd = nums(x.data);
  const od = nums(out.data);
  const isMax = a.pooling_type === 'max';
  const win = poolWindows(x.shape, OH, OW, a, k.label);
  for (let nc = 0; nc < N * C; nc++) {
    const base = nc * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const [hs, he, kh] = win.rows(oh);
      for (let ow = 0; ow < OW; ow++) {
        const [ws, we, kw] = win.cols(ow);
        let acc = isMax ? -Infinity : 0;
        for (let ih = hs; ih < he; ih++) {
          for (let iw = ws; iw < we; iw++) {
            const v = xd[base + ih * W + iw];
            if (isMax) {
              if (v > acc || Number.isNaN(v)) acc = v;
            } else acc += v;
          }
        }
        if (!isMax) acc /= a.exclusive || a.adaptive ? (he - hs) * (we - ws) : kh * kw;
        od[(nc * OH + oh) * OW + ow] = acc;
      }
    }
  }
}

/** Channels, and the element offset function, for NCHW-like (channel dim 1) or NHWC layouts. */
function channelLayout(shape: readonly number[], layout: string): { C: number; spatial: number; N: number; nhwc: boolean } {
  const nhwc = layout === 'NHWC' && shape.length > 2;
  const C = nhwc ? shape[shape.length - 1] : shape[1];
  const N = shape[0];
  let spatial = 1;
  for (let i = nhwc ? 1 : 2; i < (nhwc ? shape.length - 1 : shape.length); i++) spatial *= shape[i];
  return { C, spatial, N, nhwc };
}

/**
 * batch_norm. Training: batch statistics with the biased variance (as Paddle), running statistics
 * updated with `momentum`, SavedVariance holding 1/sqrt(var + eps). Test / global stats: the running
 * statistics.
 */
export function batchNormKernel(k: KernelArgs<'batch_norm'>): void {
  const x = k.input('X');
  const scale = nums(k.input('Scale').data);
  const bias = nums(k.input('Bias').data);
  const mean = nums(k.input('Mean').data);
  const variance = nums(k.input('Variance').data);
  const y = nums(k.output('Y').data);
  const a = k.attrs;
  const { C, spatial, N, nhwc } = channelLayout(x.shape, a.data_layout);
  const xd = nums(x.data);
  const at = (n: number, c: number, s: number): number => (nhwc ? (n * spatial + s) * C + c : (n * C + c) * spatial + s);
  const useGlobal = a.is_test || a.use_global_stats;
  const m = N * spatial;
  const meanOut = k.maybeOutput('MeanOut');
  const varOut = k.maybeOutput('VarianceOut');
  const savedMean = k.maybeOutput('SavedMean');
  const savedVar = k.maybeOutput('SavedVariance');
  for (let c = 0; c < C; c++) {
    let mu: number;
    let v: number;
    if (useGlobal) {
      mu = mean[c];
      v = variance[c];
    } else {
      let s = 0;
      for (let n = 0; n < N; n++) for (let q = 0; q < spatial; q++) s += xd[at(n, c, q)];
      mu = s / m;
      let ss = 0;
      for (let n = 0; n < N; n++) {
        for (let q = 0; q < spatial; q++) {
          const d = xd[at(n, c, q)] - mu;
          ss += d * d;
        }
      }
      v = ss / m;
    }
    const inv = 1 / Math.sqrt(v + a.epsilon);
    for (let n = 0; n < N; n++) {
      for (let q = 0; q < spatial; q++) {
        const i = at(n, c, q);
        y[i] = (xd[i] - mu) * inv * scale[c] + bias[c];
      }
    }
    const runMean = mean[c];
    const runVar = variance[c];
    if (meanOut) nums(meanOut.data)[c] = useGlobal ? runMean : runMean * a.momentum + mu * (1 - a.momentum);
    if (varOut) nums(varOut.data)[c] = useGlobal ? runVar : runVar * a.momentum + v * (1 - a.momentum);
    if (savedMean) nums(savedMean.data)[c] = mu;
    if (savedVar) nums(savedVar.data)[c] = inv;
  }
}

export function lookupTableKernel(k: KernelArgs<'lookup_table_v2'>): void {
  const w = k.input('W');
  const ids = k.input('Ids');
  const out = k.output('Out');
  const [V, D] = w.shape;
  const wd = store(w.data);
  const od = store(out.data);
  const pad = k.attrs.padding_idx < 0 ? k.attrs.padding_idx + V : k.attrs.padding_idx;
  for (let i = 0; i < ids.size; i++) {
    const r = indexAt(ids.data, i, V, k.label, 'id');
    if (k.attrs.padding_idx !== -1 && r === pad) {
      for (let j = 0; j < D; j++) od[i * D + j] = 0;
    } else {
      for (let j = 0; j < D; j++) od[i * D + j] = wd[r * D + j];
    }
  }
}

export function dropoutKernel(k: KernelArgs<'dropout'>): void {
  const x = nums(k.input('X').data);
  const out = nums(k.output('Out').data);
  const maskT = k.maybeOutput('Mask');
  const mask = maskT ? (maskT.data as Uint8Array) : undefined;
  const p = k.attrs.dropout_prob;
  const upscale = k.attrs.dropout_implementation === 'upscale_in_train';
  if (!(p >= 0 && p <= 1)) throw new RuntimeOpError(`${k.label}: dropout_prob ${p} must be in [0, 1]`);
  if (k.attrs.is_test) {
    const f = upscale ? 1 : 1 - p;
    for (let i = 0; i < x.length; i++) out[i] = x[i] * f;
    if (mask) mask.fill(1);
    return;
  }
  const rng = k.rng();
  const f = upscale ? (p === 1 ? 0 : 1 / (1 - p)) : 1;
  for (let i = 0; i < x.length; i++) {
    const keep = rng.uniform() >= p ? 1 : 0;
    if (mask) mask[i] = keep;
    out[i] = keep ? x[i] * f : 0;
  }
}

/** conv2d_grad: each output gradient flows back to the input pixels and filter taps it used. */
export function conv2dGradKernel(k: KernelArgs<'conv2d_grad'>): void {
  const x = k.input('Input');
  const w = k.input('Filter');
  const g = k.input('Output@GRAD');
  const dxT = k.maybeOutput('Input@GRAD');
  const dwT = k.maybeOutput('Filter@GRAD');
  const a = k.attrs;
  const [N, C, H, W] = x.shape;
  const [OC, ICg, KH, KW] = w.shape;
  const [, , OH, OW] = g.shape;
  const [pt, pb, pl, pr] = expandPaddings(a.paddings, k.label);
  const hw = convWindow(H, KH, a.strides[0], pt, pb, a.dilations[0], a.padding_algorithm, k.label);
  const ww = convWindow(W, KW, a.strides[1], pl, pr, a.dilations[1], a.padding_algorithm, k.label);
  const OCg = OC / a.groups;
  const xd = nums(x.data);
  const wd = nums(w.data);
  const gd = nums(g.data);
  const dx = dxT ? new Float64Array(x.size) : undefined;
  const dw = dwT ? new Float64Array(w.size) : undefined;
  const [sh, sw] = a.strides;
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < OC; oc++) {
      const grp = Math.floor(oc / OCg);
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const gv = gd[((n * OC + oc) * OH + oh) * OW + ow];
          for (let icg = 0; icg < ICg; icg++) {
            const xBase = (n * C + grp * ICg + icg) * H * W;
            const wBase = (oc * ICg + icg) * KH * KW;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * sh - hw.padBefore + kh * hw.dilation;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * sw - ww.padBefore + kw * ww.dilation;
                if (iw < 0 || iw >= W) continue;
                if (dx) dx[xBase + ih * W + iw] += gv * wd[wBase + kh * KW + kw];
                if (dw) dw[wBase + kh * KW + kw] += gv * xd[xBase + ih * W + iw];
              }
            }
          }
        }
      }
    }
  }
  if (dxT && dx) nums(dxT.data).set(dx);
  if (dwT && dw) nums(dwT.data).set(dw);
}

/**
 * pool2d_grad: an average window spreads its gradient over the elements it averaged; a max window
 * gives it to its first maximal element (as Paddle's MaxPool2dGradFunctor).
 */
export function pool2dGradKernel(k: KernelArgs<'pool2d_grad'>): void {
  const x = k.input('X');
  const out = nums(k.input('Out').data);
  const g = nums(k.input('Out@GRAD').data);
  const dxT = k.output('X@GRAD');
  const a = k.attrs;
  const [N, C, H, W] = x.shape;
  const oshape = k.input('Out').shape;
  const OH = oshape[2];
  const OW = oshape[3];
  const xd = nums(x.data);
  const dx = new Float64Array(x.size);
  const isMax = a.pooling_type === 'max';
  const win = poolWindows(x.shape, OH, OW, a, k.label);
  for (let nc = 0; nc < N * C; nc++) {
    const base = nc * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const [hs, he, kh] = win.rows(oh);
      for (let ow = 0; ow < OW; ow++) {
        const [ws, we, kw] = win.cols(ow);
        const o = (nc * OH + oh) * OW + ow;
        if (isMax) {
          search: for (let ih = hs; ih < he; ih++) {
            for (let iw = ws; iw < we; iw++) {
              if (xd[base + ih * W + iw] === out[o]) {
                dx[base + ih * W + iw] += g[o];
                break search;
              }
            }
          }
        } else {
          const count = a.exclusive || a.adaptive ? (he - hs) * (we - ws) : kh * kw;
          for (let ih = hs; ih < he; ih++) for (let iw = ws; iw < we; iw++) dx[base + ih * W + iw] += g[o] / count;
        }
      }
    }
  }
  nums(dxT.data).set(dx);
}

/**
 * batch_norm_grad. Training (batch statistics): with x̂ = (x − μ)·inv,
 * dx = scale·inv/m · (m·g − Σg − x̂·Σ(g·x̂)); global statistics: dx = g·scale·inv.
 * dScale = Σ g·x̂, dBias = Σ g.
 */
export function batchNormGradKernel(k: KernelArgs<'batch_norm_grad'>): void {
  const x = k.input('X');
  const scale = nums(k.input('Scale').data);
  const g = nums(k.input('Y@GRAD').data);
  const a = k.attrs;
  const useGlobal = a.is_test || a.use_global_stats;
  const { C, spatial, N, nhwc } = channelLayout(x.shape, a.data_layout);
  const xd = nums(x.data);
  const at = (n: number, c: number, s: number): number => (nhwc ? (n * spatial + s) * C + c : (n * C + c) * spatial + s);
  const m = N * spatial;
  const dxT = k.maybeOutput('X@GRAD');
  const dsT = k.maybeOutput('Scale@GRAD');
  const dbT = k.maybeOutput('Bias@GRAD');
  const dx = dxT ? nums(dxT.data) : undefined;
  let mean: ArrayLike<number>;
  let inv: ArrayLike<number>;
  if (useGlobal) {
    mean = nums(k.input('Mean').data);
    const v = nums(k.input('Variance').data);
    inv = Array.from(v, (q) => 1 / Math.sqrt(q + a.epsilon));
  } else {
    mean = nums(k.input('SavedMean').data);
    inv = nums(k.input('SavedVariance').data);
  }
  for (let c = 0; c < C; c++) {
    let sg = 0;
    let sgx = 0;
    for (let n = 0; n < N; n++) {
      for (let q = 0; q < spatial; q++) {
        const i = at(n, c, q);
        sg += g[i];
        sgx += g[i] * (xd[i] - mean[c]) * inv[c];
      }
    }
    if (dsT) nums(dsT.data)[c] = sgx;
    if (dbT) nums(dbT.data)[c] = sg;
    if (!dx) continue;
    for (let n = 0; n < N; n++) {
      for (let q = 0; q < spatial; q++) {
        const i = at(n, c, q);
        if (useGlobal) dx[i] = g[i] * scale[c] * inv[c];
        else {
          const xh = (xd[i] - mean[c]) * inv[c];
          dx[i] = ((scale[c] * inv[c]) / m) * (m * g[i] - sg - xh * sgx);
        }
      }
    }
  }
}

/** lookup_table_v2_grad: the gradient rows added into the rows of W that were looked up (dense). */
export function lookupTableGradKernel(k: KernelArgs<'lookup_table_v2_grad'>): void {
  const w = k.input('W');
  const ids = k.input('Ids');
  const g = nums(k.input('Out@GRAD').data);
  const dwT = k.output('W@GRAD');
  const [V, D] = w.shape;
  const dw = new Float64Array(w.size);
  const pad = k.attrs.padding_idx < 0 ? k.attrs.padding_idx + V : k.attrs.padding_idx;
  for (let i = 0; i < ids.size; i++) {
    const r = indexAt(ids.data, i, V, k.label, 'id');
    if (k.attrs.padding_idx !== -1 && r === pad) continue;
    for (let j = 0; j < D; j++) dw[r * D + j] += g[i * D + j];
  }
  nums(dwT.data).set(dw);
}

export function dropoutGradKernel(k: KernelArgs<'dropout_grad'>): void {
  const mask = k.input('Mask').data as Uint8Array;
  const g = nums(k.input('Out@GRAD').data);
  const dx = nums(k.output('X@GRAD').data);
  const p = k.attrs.dropout_prob;
  const upscale = k.attrs.dropout_implementation === 'upscale_in_train';
  if (k.attrs.is_test) {
    const f = upscale ? 1 : 1 - p;
    for (let i = 0; i < dx.length; i++) dx[i] = g[i] * f;
    return;
  }
  const f = upscale ? (p === 1 ? 0 : 1 / (1 - p)) : 1;
  for (let i = 0; i < dx.length; i++) dx[i] = mask[i] ? g[i] * f : 0;
}
