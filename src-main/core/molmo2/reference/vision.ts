// Reference vision path: SigLIP2 ViT blocks, two-layer feature concat, masked attention pooling, SwiGLU projector.
// Follows molmo2-inference.md §5.1–5.2 (HF modeling_molmo2.py:241-472) with plain loops.
// Indices in these loops are in bounds by the loop bounds (tensor shapes checked on load): plain `!` access.
import type { Checkpoint } from '../weights.js';
import { geluTanh, layerNorm, linear, maskedSoftmax, silu } from './math.js';
import { w } from './weights-cache.js';

/** Multi-head attention of queries [Lq, h·d] over keys/values [Lk, h·d], fp64 softmax; `allowed(j)` masks keys. */
function attend(
  q: Float32Array,
  Lq: number,
  k: Float32Array,
  v: Float32Array,
  Lk: number,
  heads: number,
  d: number,
  allowed: (j: number) => boolean,
): Float32Array {
  const out = new Float32Array(Lq * heads * d);
  const scale = 1 / Math.sqrt(d);
  const sc = new Float64Array(Lk);
  const hd = heads * d;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < Lq; i++) {
      for (let j = 0; j < Lk; j++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += q[i * hd + h * d + t]! * k[j * hd + h * d + t]!;
        sc[j] = s * scale;
      }
      const p = maskedSoftmax(sc, allowed);
      for (let t = 0; t < d; t++) {
        let s = 0;
        for (let j = 0; j < Lk; j++) s += p[j]! * v[j * hd + h * d + t]!;
        out[i * hd + h * d + t] = s;
      }
    }
  }
  return out;
}

/** ViT over one crop [729, 588]; returns the outputs of every block (after its residual adds). */
export function referenceVit(ck: Checkpoint, crop: Float32Array): Float32Array[] {
  const v = ck.config.vit_config;
  const P = v.image_num_pos;
  const C = v.hidden_size;
  const pd = v.image_patch_size * v.image_patch_size * 3;
  const p = 'model.vision_backbone.image_vit.';
  const x = linear(crop, P, pd, w(ck, `${p}patch_embedding.weight`), C, w(ck, `${p}patch_embedding.bias`));
  const pos = w(ck, `${p}positional_embedding`);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + pos[i]!;
  const outs: Float32Array[] = [];
  const hd = v.num_attention_heads * v.head_dim;
  let h = x;
  for (let b = 0; b < ck.vitBlocks; b++) {
    const bp = `${p}transformer.resblocks.${b}.`;
    const n1 = layerNorm(
      h,
      C,
      w(ck, `${bp}attention_norm.weight`),
      w(ck, `${bp}attention_norm.bias`),
      v.layer_norm_eps,
    );
    const q = linear(n1, P, C, w(ck, `${bp}attention.wq.weight`), hd, w(ck, `${bp}attention.wq.bias`));
    const k = linear(n1, P, C, w(ck, `${bp}attention.wk.weight`), hd, w(ck, `${bp}attention.wk.bias`));
    const vv = linear(n1, P, C, w(ck, `${bp}attention.wv.weight`), hd, w(ck, `${bp}attention.wv.bias`));
    const a = attend(q, P, k, vv, P, v.num_attention_heads, v.head_dim, () => true);
    const o = linear(a, P, hd, w(ck, `${bp}attention.wo.weight`), C, w(ck, `${bp}attention.wo.bias`));
    const h1 = new Float32Array(h.length);
    for (let i = 0; i < h.length; i++) h1[i] = h[i]! + o[i]!;
    const n2 = layerNorm(h1, C, w(ck, `${bp}ffn_norm.weight`), w(ck, `${bp}ffn_norm.bias`), v.layer_norm_eps);
    const f = linear(
      n2,
      P,
      C,
      w(ck, `${bp}feed_forward.w1.weight`),
      v.intermediate_size,
      w(ck, `${bp}feed_forward.w1.bias`),
    );
    for (let i = 0; i < f.length; i++) f[i] = geluTanh(f[i]!);
    const f2 = linear(
      f,
      P,
      v.intermediate_size,
      w(ck, `${bp}feed_forward.w2.weight`),
      C,
      w(ck, `${bp}feed_forward.w2.bias`),
    );
    const h2 = new Float32Array(h.length);
    for (let i = 0; i < h.length; i++) h2[i] = h1[i]! + f2[i]!;
    outs.push(h2);
    h = h2;
  }
  return outs;
}

/**
 * Projected visual features [T, text hidden] for crops [N, 729, 588] and a pooling table [T, k]
 * (patch indices over all crops, −1 = padding; rows that are all −1 must already be dropped).
 */
export function referenceVision(
  ck: Checkpoint,
  pixels: Float32Array,
  nCrops: number,
  pooling: Int32Array,
  k: number,
): Float32Array {
  const v = ck.config.vit_config;
  const a = ck.config.adapter_config;
  const P = v.image_num_pos;
  const C = v.hidden_size;
  const pd = v.image_patch_size * v.image_patch_size * 3;
  const L = ck.vitFeatureLayers.length;
  const F = C * L;
  const feats = new Float32Array(nCrops * P * F);
  for (let c = 0; c < nCrops; c++) {
    const outs = referenceVit(ck, pixels.subarray(c * P * pd, (c + 1) * P * pd));
    for (let i = 0; i < P; i++) {
      for (let l = 0; l < L; l++) {
        const src = outs[ck.vitFeatureLayers[l]!]!;
        feats.set(src.subarray(i * C, (i + 1) * C), (c * P + i) * F + l * C);
      }
    }
  }
  const T = pooling.length / k;
  const cp = 'model.vision_backbone.';
  const hd = a.num_attention_heads * a.head_dim;
  const pooled = new Float32Array(T * a.hidden_size);
  for (let t = 0; t < T; t++) {
    const win = new Float32Array(k * F);
    const query = new Float64Array(F);
    let nValid = 0;
    for (let j = 0; j < k; j++) {
      const idx = pooling[t * k + j]!;
      if (idx < 0) continue;
      nValid++;
      win.set(feats.subarray(idx * F, (idx + 1) * F), j * F);
      for (let i = 0; i < F; i++) query[i] = query[i]! + feats[idx * F + i]!;
    }
    const qv = Float32Array.from(query, (s) => s / Math.max(nValid, 1));
    const q = linear(qv, 1, F, w(ck, `${cp}image_pooling_2d.wq.weight`), hd, w(ck, `${cp}image_pooling_2d.wq.bias`));
    const kk = linear(win, k, F, w(ck, `${cp}image_pooling_2d.wk.weight`), hd, w(ck, `${cp}image_pooling_2d.wk.bias`));
    const vv = linear(win, k, F, w(ck, `${cp}image_pooling_2d.wv.weight`), hd, w(ck, `${cp}image_pooling_2d.wv.bias`));
    const att = attend(q, 1, kk, vv, k, a.num_attention_heads, a.head_dim, (j) => pooling[t * k + j]! >= 0);
    const o = linear(
      att,
      1,
      hd,
      w(ck, `${cp}image_pooling_2d.wo.weight`),
      a.hidden_size,
      w(ck, `${cp}image_pooling_2d.wo.bias`),
    );
    pooled.set(o, t * a.hidden_size);
  }
  const g = linear(pooled, T, a.hidden_size, w(ck, `${cp}image_projector.w1.weight`), a.intermediate_size);
  const u = linear(pooled, T, a.hidden_size, w(ck, `${cp}image_projector.w3.weight`), a.intermediate_size);
  for (let i = 0; i < g.length; i++) g[i] = silu(g[i]!) * u[i]!;
  return linear(g, T, a.intermediate_size, w(ck, `${cp}image_projector.w2.weight`), a.text_hidden_size);
}
