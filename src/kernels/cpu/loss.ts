import type { KernelArgs } from '../../program/ops/types';
import { RuntimeOpError } from '../../program/errors';
import { nums, splitAt } from './util';

/**
 * softmax_with_cross_entropy along `axis`: Softmax holds the probabilities (or the input itself
 * with use_softmax false), Loss the per-sample cross entropy; hard labels equal to ignore_index
 * give 0.
 */
export function softmaxCrossEntropyKernel(k: KernelArgs<'softmax_with_cross_entropy'>): void {
  const logits = k.input('Logits');
  const label = k.input('Label');
  const a = k.attrs;
  const axis = a.axis < 0 ? a.axis + logits.shape.length : a.axis;
  const [outer, n, inner] = splitAt(logits.shape, axis);
  const x = nums(logits.data);
  const sm = nums(k.output('Softmax').data);
  const loss = nums(k.output('Loss').data);
  const row = new Float64Array(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      // log-probabilities of the row
      if (a.use_softmax) {
        let mx = -Infinity;
        for (let j = 0; j < n; j++) mx = Math.max(mx, x[base + j * inner]);
        let s = 0;
        for (let j = 0; j < n; j++) s += Math.exp(x[base + j * inner] - mx);
        const ls = Math.log(s);
        for (let j = 0; j < n; j++) {
          row[j] = x[base + j * inner] - mx - ls;
          sm[base + j * inner] = Math.exp(row[j]);
        }
      } else {
        for (let j = 0; j < n; j++) {
          const p = x[base + j * inner];
          sm[base + j * inner] = p;
          row[j] = Math.log(p);
        }
      }
      const li = o * inner + i;
      if (a.soft_label) {
        const ld = nums(label.data);
        let s = 0;
        for (let j = 0; j < n; j++) {
          const l = ld[base + j * inner];
          if (l !== 0) s -= l * row[j];
        }
        loss[li] = s;
      } else {
        const c = Number(label.data[li]);
        if (c === a.ignore_index) {
          loss[li] = 0;
          continue;
        }
        if (!(Number.isInteger(c) && c >= 0 && c < n)) {
          throw new RuntimeOpError(`${k.label}: label ${c} of sample ${li} is out of range [0, ${n}) (and is not ignore_index ${a.ignore_index})`);
        }
        loss[li] = -row[c];
      }
    }
  }
}

/** top_k_v2: the k largest (or smallest) along `axis`, ties in index order. */
export function topKKernel(k: KernelArgs<'top_k_v2'>): void {
  const x = k.input('X');
  const a = k.attrs;
  const axis = a.axis < 0 ? a.axis + x.shape.length : a.axis;
  const [outer, n, inner] = splitAt(x.shape, axis);
  const xd = nums(x.data);
  const vals = nums(k.output('Out').data);
  const idx = k.output('Indices').data as BigInt64Array;
  const K = a.k;
  const order = new Array<number>(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let j = 0; j < n; j++) order[j] = j;
      order.sort((p, q) => {
        const vp = xd[base + p * inner];
        const vq = xd[base + q * inner];
        const d = a.largest ? vq - vp : vp - vq;
        return d !== 0 && !Number.isNaN(d) ? d : p - q;
      });
      for (let j = 0; j < K; j++) {
        const dst = o * K * inner + j * inner + i;
        vals[dst] = xd[base + order[j] * inner];
        idx[dst] = BigInt(order[j]);
      }
    }
  }
}

/** accuracy: the fraction of rows whose top-k indices contain the label. */
export function accuracyKernel(k: KernelArgs<'accuracy'>): void {
  const indices = k.input('Indices');
  const label = k.input('Label');
  const rows = indices.shape[0];
  const K = rows === 0 ? 0 : indices.size / rows;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const l = label.data[r];
    for (let j = 0; j < K; j++) {
      if (indices.data[r * K + j] == l) {
        correct++;
        break;
      }
    }
  }
  nums(k.output('Accuracy').data)[0] = rows === 0 ? 0 : correct / rows;
  const c = k.maybeOutput('Correct');
  const t = k.maybeOutput('Total');
  if (c) (c.data as Int32Array)[0] = correct;
  if (t) (t.data as Int32Array)[0] = rows;
}

/**
 * softmax_with_cross_entropy_grad: with probabilities p and labels l, d logits = (p·Σl − l)·g
 * (p − onehot(label) for hard labels; 0 for ignored samples). With use_softmax false the input was
 * p itself: d p = −l/p·g.
 */
export function softmaxCrossEntropyGradKernel(k: KernelArgs<'softmax_with_cross_entropy_grad'>): void {
  const sm = k.input('Softmax');
  const label = k.input('Label');
  const g = nums(k.input('Loss@GRAD').data);
  const dx = nums(k.output('Logits@GRAD').data);
  const a = k.attrs;
  const axis = a.axis < 0 ? a.axis + sm.shape.length : a.axis;
  const [outer, n, inner] = splitAt(sm.shape, axis);
  const p = nums(sm.data);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      const li = o * inner + i;
      const gi = g[li];
      if (a.soft_label) {
        const ld = nums(label.data);
        let sl = 0;
        for (let j = 0; j < n; j++) sl += ld[base + j * inner];
        for (let j = 0; j < n; j++) {
          const q = base + j * inner;
          dx[q] = a.use_softmax ? (p[q] * sl - ld[q]) * gi : (-ld[q] / p[q]) * gi;
        }
        continue;
      }
      const c = Number(label.data[li]);
      for (let j = 0; j < n; j++) {
        const q = base + j * inner;
        if (c === a.ignore_index) dx[q] = 0;
        else if (a.use_softmax) dx[q] = (p[q] - (j === c ? 1 : 0)) * gi;
        else dx[q] = j === c ? (-1 / p[q]) * gi : 0;
      }
    }
  }
}
