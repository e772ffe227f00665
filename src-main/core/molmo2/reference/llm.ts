// Reference Qwen3-style Molmo2 decoder: embedding (+ visual features at <im_patch>), QK-norm, RoPE, GQA, SwiGLU.
// Prefill applies Molmo2's mask (causal OR both tokens visual); decode steps are causal over the cached K/V.
import { AppError } from '../../../api/errors.js';
import { assertSupported, type Checkpoint } from '../weights.js';
import { linear, maskedSoftmax, rmsNorm, silu } from './math.js';
import { w } from './weights-cache.js';

/** Per-layer cached keys (post-norm, post-RoPE) and values, rows [pos][nkv·d]. */
export interface RefCache {
  k: Float32Array[][];
  v: Float32Array[][];
}

export interface RefPrefill {
  cache: RefCache;
  /** Final-norm hidden states for every position [S, H]. */
  hidden: Float32Array;
  /** Logits of the last position [V]. */
  lastLogits: Float32Array;
}

/** Token embeddings [S, H] with features added at <im_patch> positions, in order. */
export function referenceEmbed(ck: Checkpoint, ids: ArrayLike<number>, features: Float32Array | null): Float32Array {
  const t = ck.config.text_config;
  const H = t.hidden_size;
  const V = t.vocab_size;
  const base = w(ck, 'model.transformer.wte.embedding');
  const extra = w(ck, 'model.transformer.wte.new_embedding');
  const out = new Float32Array(ids.length * H);
  let f = 0;
  for (let s = 0; s < ids.length; s++) {
    const id = ids[s]! < 0 ? 0 : ids[s]!;
    const row = id < V ? base.subarray(id * H, (id + 1) * H) : extra.subarray((id - V) * H, (id - V + 1) * H);
    out.set(row, s * H);
    if (id === ck.config.image_patch_id) {
      if (!features || (f + 1) * H > features.length) throw new AppError('INVALID_INPUT', 'more <im_patch> tokens than visual feature rows');
      for (let i = 0; i < H; i++) out[s * H + i] = out[s * H + i]! + features[f * H + i]!;
      f++;
    }
  }
  if (features && f * H !== features.length) throw new AppError('INVALID_INPUT', `${features.length / H} visual feature rows but ${f} <im_patch> tokens`);
  return out;
}

function invFreq(ck: Checkpoint): Float64Array {
  const t = ck.config.text_config;
  const half = t.head_dim / 2;
  return Float64Array.from({ length: half }, (_, i) => Math.fround(1 / Math.pow(t.rope_theta, (2 * i) / t.head_dim)));
}

/** Applies QK-norm (per head) and rotate-half RoPE in place to `heads` rows of width d at absolute position `pos`. */
function normRope(x: Float32Array, heads: number, d: number, normW: Float32Array | null, eps: number, pos: number, inv: Float64Array): void {
  const half = d / 2;
  for (let h = 0; h < heads; h++) {
    let row = x.subarray(h * d, (h + 1) * d);
    if (normW) row.set(rmsNorm(row, d, normW, eps));
    row = x.subarray(h * d, (h + 1) * d);
    const src = Float64Array.from(row);
    for (let i = 0; i < half; i++) {
      const a = pos * inv[i]!;
      const c = Math.cos(a);
      const s = Math.sin(a);
      row[i] = src[i]! * c - src[i + half]! * s;
      row[i + half] = src[i + half]! * c + src[i]! * s;
    }
  }
}

/** Runs decoder layers over new tokens at positions start..start+S−1 given embeddings; `allowed(q,k)` is the mask. */
function decoder(ck: Checkpoint, x: Float32Array, start: number, cache: RefCache, allowed: (q: number, k: number) => boolean): Float32Array {
  const t = ck.config.text_config;
  const H = t.hidden_size;
  const S = x.length / H;
  const d = t.head_dim;
  const nq = t.num_attention_heads;
  const nkv = t.num_key_value_heads;
  const grp = nq / nkv;
  const I = t.intermediate_size;
  const eps = t.layer_norm_eps;
  const inv = invFreq(ck);
  let h = x;
  for (let l = 0; l < t.num_hidden_layers; l++) {
    const p = `model.transformer.blocks.${l}.`;
    const n1 = rmsNorm(h, H, w(ck, `${p}attn_norm.weight`), eps);
    const qkv = linear(n1, S, H, w(ck, `${p}self_attn.att_proj.weight`), (nq + 2 * nkv) * d);
    const qn = t.use_qk_norm ? w(ck, `${p}self_attn.q_norm.weight`) : null;
    const kn = t.use_qk_norm ? w(ck, `${p}self_attn.k_norm.weight`) : null;
    const qs: Float32Array[] = [];
    for (let s = 0; s < S; s++) {
      const row = qkv.subarray(s * (nq + 2 * nkv) * d, (s + 1) * (nq + 2 * nkv) * d);
      const q = row.slice(0, nq * d);
      const k = row.slice(nq * d, (nq + nkv) * d);
      const v = row.slice((nq + nkv) * d);
      normRope(q, nq, d, qn, eps, start + s, inv);
      normRope(k, nkv, d, kn, eps, start + s, inv);
      qs.push(q);
      cache.k[l]!.push(k);
      cache.v[l]!.push(v);
    }
    const total = cache.k[l]!.length;
    const att = new Float32Array(S * nq * d);
    const sc = new Float64Array(total);
    const scale = 1 / Math.sqrt(d);
    for (let s = 0; s < S; s++) {
      const qp = start + s;
      for (let hh = 0; hh < nq; hh++) {
        const kvh = Math.floor(hh / grp);
        for (let j = 0; j < total; j++) {
          const kr = cache.k[l]![j]!;
          let acc = 0;
          for (let i = 0; i < d; i++) acc += qs[s]![hh * d + i]! * kr[kvh * d + i]!;
          sc[j] = acc * scale;
        }
        const pr = maskedSoftmax(sc, (j) => allowed(qp, j));
        for (let i = 0; i < d; i++) {
          let acc = 0;
          for (let j = 0; j < total; j++) acc += pr[j]! * cache.v[l]![j]![kvh * d + i]!;
          att[(s * nq + hh) * d + i] = acc;
        }
      }
    }
    const o = linear(att, S, nq * d, w(ck, `${p}self_attn.attn_out.weight`), H);
    const h1 = new Float32Array(h.length);
    for (let i = 0; i < h.length; i++) h1[i] = h[i]! + o[i]!;
    const n2 = rmsNorm(h1, H, w(ck, `${p}ff_norm.weight`), eps);
    const u = linear(n2, S, H, w(ck, `${p}mlp.ff_proj.weight`), 2 * I);
    const act = new Float32Array(S * I);
    for (let s = 0; s < S; s++) for (let i = 0; i < I; i++) act[s * I + i] = u[s * 2 * I + i]! * silu(u[s * 2 * I + I + i]!);
    const f = linear(act, S, I, w(ck, `${p}mlp.ff_out.weight`), H);
    const h2 = new Float32Array(h.length);
    for (let i = 0; i < h.length; i++) h2[i] = h1[i]! + f[i]!;
    h = h2;
  }
  return rmsNorm(h, H, w(ck, 'model.transformer.ln_f.weight'), eps);
}

/** Logits [V] for one final-norm hidden row. */
export function referenceLogits(ck: Checkpoint, hiddenRow: Float32Array): Float32Array {
  const t = ck.config.text_config;
  return linear(hiddenRow, 1, t.hidden_size, w(ck, 'lm_head.weight'), t.vocab_size);
}

/** Prefill under Molmo2's mask: causal OR (type[q] = 1 AND type[k] = 1). */
export function referencePrefill(ck: Checkpoint, ids: ArrayLike<number>, tokenTypes: ArrayLike<number>, features: Float32Array | null): RefPrefill {
  assertSupported(ck);
  const L = ck.config.text_config.num_hidden_layers;
  const cache: RefCache = { k: Array.from({ length: L }, () => []), v: Array.from({ length: L }, () => []) };
  const x = referenceEmbed(ck, ids, features);
  const hidden = decoder(ck, x, 0, cache, (q, k) => k <= q || (tokenTypes[q] === 1 && tokenTypes[k] === 1));
  const H = ck.config.text_config.hidden_size;
  const S = ids.length;
  return { cache, hidden, lastLogits: referenceLogits(ck, hidden.subarray((S - 1) * H, S * H)) };
}

/** One causal decode step for `token` at position `pos` (= current cache length); returns logits [V]. */
export function referenceStep(ck: Checkpoint, cache: RefCache, token: number): Float32Array {
  const pos = cache.k[0]!.length;
  const x = referenceEmbed(ck, [token], null);
  const hidden = decoder(ck, x, pos, cache, () => true);
  return referenceLogits(ck, hidden);
}

function argmax(a: Float32Array): number {
  let b = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[b]!) b = i;
  return b;
}

/** Greedy generation of up to `maxNew` tokens (stops after an EOS id, which is included). */
export function referenceGreedy(ck: Checkpoint, ids: ArrayLike<number>, tokenTypes: ArrayLike<number>, features: Float32Array | null, maxNew: number): number[] {
  const pre = referencePrefill(ck, ids, tokenTypes, features);
  const out: number[] = [];
  let logits = pre.lastLogits;
  for (let i = 0; i < maxNew; i++) {
    const tok = argmax(logits);
    out.push(tok);
    if (ck.eosIds.includes(tok) || i === maxNew - 1) break;
    logits = referenceStep(ck, pre.cache, tok);
  }
  return out;
}
