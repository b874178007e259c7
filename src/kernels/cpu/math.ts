/** Scalar functions JavaScript lacks, accurate to double precision. */

/** The error function: a positive-term series below |x| = 3.5, a continued fraction for erfc above. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  const sign = x < 0 ? -1 : 1;
  if (a > 27) return sign; // erfc(27) < 1e-318
  if (a < 3.5) {
    // erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (1*3*...*(2n+1)); every term positive.
    const x2 = 2 * a * a;
    let term = a;
    let sum = a;
    for (let n = 1; n < 200; n++) {
      term *= x2 / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return sign * (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * sum;
  }
  return sign * (1 - erfcLarge(a));
}

/** erfc(x) for x >= 3.5 by the continued fraction x + 1/2 / (x + 1 / (x + 3/2 / ...)) (Lentz). */
function erfcLarge(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    d = x + an * d;
    d = d === 0 ? tiny : d;
    c = x + an / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

export function geluExact(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}
