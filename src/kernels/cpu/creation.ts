import type { KernelArgs } from '../../program/ops/types';
import { writeNumber } from '../../program/dtype';
import type { Tensor } from '../../executor/tensor';

/** Writes f(i) into every element; plain float arrays are written directly (the common case). */
function generate(out: Tensor, f: () => number): void {
  const d = out.data;
  if (d instanceof Float32Array || d instanceof Float64Array) {
    for (let i = 0; i < d.length; i++) d[i] = f();
  } else {
    for (let i = 0; i < d.length; i++) writeNumber(d, out.dtype, i, f());
  }
}

function fill(out: Tensor, value: number): void {
  if (out.size === 0) return;
  writeNumber(out.data, out.dtype, 0, value);
  const first = out.data[0];
  if (out.data instanceof BigInt64Array) out.data.fill(first as bigint);
  else out.data.fill(first as number);
}

export function fillConstantKernel(k: KernelArgs<'fill_constant'>): void {
  fill(k.output('Out'), k.attrs.value);
}

export function fillAnyLikeKernel(k: KernelArgs<'fill_any_like'>): void {
  fill(k.output('Out'), k.attrs.value);
}

export function uniformRandomKernel(k: KernelArgs<'uniform_random'>): void {
  const out = k.output('Out');
  const rng = k.rng();
  const { min, max } = k.attrs;
  generate(out, () => min + (max - min) * rng.uniform());
}

export function gaussianRandomKernel(k: KernelArgs<'gaussian_random'>): void {
  const out = k.output('Out');
  const rng = k.rng();
  const { mean, std } = k.attrs;
  generate(out, () => mean + std * rng.normal());
}

/** Normal samples redrawn until they fall in [mean + a*std, mean + b*std]. */
export function truncatedGaussianRandomKernel(k: KernelArgs<'truncated_gaussian_random'>): void {
  const out = k.output('Out');
  const rng = k.rng();
  const { mean, std, a, b } = k.attrs;
  generate(out, () => {
    let z = rng.normal();
    while (z < a || z > b) z = rng.normal();
    return mean + std * z;
  });
}
