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
    const p = expandPaddings(a.paddings, k.label);
    pt = poolWindow(H, kh, sh, p[0], p[1], a.ceil_mode, a.padding_algorithm, k.label).padBefore;
    pl = poolWindow(W, kw, sw, p[2], p[3], a.ceil_mode, a.padding_algorithm, k.label).padBefore;
  }
  for (let nc = 0; nc < N * C; nc++) {
    const base = nc * H * W;
    for (let oh = 0; oh < OH; oh++) {
      let h0: number;
      let h1: number;
      if (a.adaptive) {
        h0 = Math.floor((oh * H) / OH);
        h1 = Math.ceil(((oh + 1) * H) / OH);
      } else {
        h0 = oh * sh - pt;
        h1 = h0 + kh;
      }
      const hs = Math.max(h0, 0);
      const he = Math.min(h1, H);
      for (let ow = 0; ow < OW; ow++) {
        let w0: number;
        let w1: number;
        if (a.adaptive) {
          w0 = Math.floor((ow * W) / OW);
          w1 = Math.ceil(((ow + 1) * W) / OW);
        } else {
          w0 = ow * sw - pl;
          w1 = w0 + kw;
        }
        const ws = Math.max(w0, 0);
        const we = Math.min(w1, W);
        let acc = isMax ? -Infinity : 0;
        for (let ih = hs; ih < he; ih++) {
          for (let iw = ws; iw < we; iw++) {
            const v = xd[base + ih * W + iw];
            if (isMax) {
              if (v > acc || Number.isNaN(v)) acc = v;
            } else acc += v;
          }
        }
        if (!isMax) {
          const count = a.exclusive || a.adaptive ? (he - hs) * (we - ws) : kh * kw;
          acc /= count;
        }
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
