// Plain loops over typed arrays for the reference forward: fp64 accumulation, fp32 storage, no ONNX.
// Deliberately simple and independent of the graph compiler so the two can check each other.
// Indices in these loops are in bounds by the loop bounds (tensor shapes checked on load): plain `!` access.

/** out[m,n] = Σ_k x[m,k]·w[n,k] (+ b[n]); w in PyTorch Linear layout [N,K]. */
export function linear(
  x: Float32Array,
  M: number,
  K: number,
  w: Float32Array,
  N: number,
  b?: Float32Array,
): Float32Array {
  const out = new Float32Array(M * N);
  for (let m = 0; m < M; m++) {
    const xo = m * K;
    for (let n = 0; n < N; n++) {
      const wo = n * K;
      let s = b ? b[n]! : 0;
      for (let k = 0; k < K; k++) s += x[xo + k]! * w[wo + k]!;
      out[m * N + n] = s;
    }
  }
  return out;
}

/** LayerNorm over rows of width D, with weight and bias. */
export function layerNorm(x: Float32Array, D: number, w: Float32Array, b: Float32Array, eps: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / D; r++) {
    let mean = 0;
    for (let i = 0; i < D; i++) mean += x[r * D + i]!;
    mean /= D;
    let v = 0;
    for (let i = 0; i < D; i++) v += (x[r * D + i]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / D + eps);
    for (let i = 0; i < D; i++) out[r * D + i] = (x[r * D + i]! - mean) * inv * w[i]! + b[i]!;
  }
  return out;
}

/** RMSNorm over rows of width D: x·rsqrt(mean(x²)+eps)·w. */
export function rmsNorm(x: Float32Array, D: number, w: Float32Array, eps: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / D; r++) {
    let ms = 0;
    for (let i = 0; i < D; i++) ms += x[r * D + i]! ** 2;
    const inv = 1 / Math.sqrt(ms / D + eps);
    for (let i = 0; i < D; i++) out[r * D + i] = x[r * D + i]! * inv * w[i]!;
  }
  return out;
}

export const geluTanh = (x: number): number =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
export const silu = (x: number): number => x / (1 + Math.exp(-x));

/** Softmax of `scores` where `allowed[i]` is false → weight 0 (fp64). */
export function maskedSoftmax(scores: Float64Array, allowed: (i: number) => boolean): Float64Array {
  let mx = -Infinity;
  for (let i = 0; i < scores.length; i++) if (allowed(i) && scores[i]! > mx) mx = scores[i]!;
  const p = new Float64Array(scores.length);
  let s = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!allowed(i)) continue;
    p[i] = Math.exp(scores[i]! - mx);
    s += p[i]!;
  }
  for (let i = 0; i < p.length; i++) p[i] = s > 0 ? p[i]! / s : 0;
  return p;
}

/** In-place a += b. */
export function addInto(a: Float32Array, b: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
  return a;
}

/** Largest |a−b| divided by the largest |b| (a tensor-level relative error). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return m === 0 ? d : d / m;
}
