// Reference Molmo2 decoder (Qwen3 pre-norm or OLMo3 post-norm blocks): embedding (+ visual features at <im_patch>),
// QK-norm (per head or flat), RoPE (YaRN on OLMo3's rope_scaling_layers), GQA, SwiGLU.
// Prefill applies Molmo2's mask (causal OR both tokens visual); decode steps are causal over the cached K/V.
// Indices in these loops are in bounds by the loop bounds (tensor shapes checked on load): plain `!` access.
import { AppError } from '../../../api/errors.js';
import { ropeKindOf, ropeParams, type RopeParams } from '../checkpoint/rope.js';
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
      if (!features || (f + 1) * H > features.length)
        throw new AppError('INVALID_INPUT', 'more <im_patch> tokens than visual feature rows');
      for (let i = 0; i < H; i++) out[s * H + i] = out[s * H + i]! + features[f * H + i]!;
      f++;
    }
  }
  if (features && f * H !== features.length)
    throw new AppError('INVALID_INPUT', `${features.length / H} visual feature rows but ${f} <im_patch> tokens`);
  return out;
}

/** Rotary parameters of each layer (default RoPE, or YaRN on rope_scaling_layers). */
function layerRopes(ck: Checkpoint): RopeParams[] {
  const t = ck.config.text_config;
  const byKind = { default: ropeParams(t, 'default'), scaling: ropeParams(t, 'scaling') };
  return Array.from({ length: t.num_hidden_layers }, (_, l) => byKind[ropeKindOf(t, l)]);
}

/** Rotate-half RoPE in place on `heads` rows of width d at absolute position `pos`, cos/sin × the attention factor. */
function applyRope(x: Float32Array, heads: number, d: number, pos: number, rp: RopeParams): void {
  const half = d / 2;
  for (let h = 0; h < heads; h++) {
    const row = x.subarray(h * d, (h + 1) * d);
    const src = Float64Array.from(row);
    for (let i = 0; i < half; i++) {
      const a = pos * rp.invFreq[i]!;
      const c = Math.cos(a) * rp.attentionFactor;
      const s = Math.sin(a) * rp.attentionFactor;
      row[i] = src[i]! * c - src[i + half]! * s;
      row[i + half] = src[i + half]! * c + src[i]! * s;
    }
  }
}

/** QK-norm: `qwen3` per head over d with a [d] weight, `olmo` over the whole row (nq·d or nkv·d) before heads. */
function qkNorm(
  x: Float32Array,
  heads: number,
  d: number,
  normW: Float32Array | null,
  type: string,
  eps: number,
): void {
  if (!normW) return;
  if (type === 'olmo') {
    x.set(rmsNorm(x, heads * d, normW, eps));
    return;
  }
  for (let h = 0; h < heads; h++) x.set(rmsNorm(x.subarray(h * d, (h + 1) * d), d, normW, eps), h * d);
}

/** Appends layer l's K/V for the new rows to the cache and returns the rows' queries (normed, rotated). */
function projectQkv(
  ck: Checkpoint,
  l: number,
  n1: Float32Array,
  start: number,
  cache: RefCache,
  rp: RopeParams,
): Float32Array[] {
  const t = ck.config.text_config;
  const { head_dim: d, num_attention_heads: nq, num_key_value_heads: nkv, hidden_size: H } = t;
  const S = n1.length / H;
  const p = `model.transformer.blocks.${l}.`;
  const qkv = linear(n1, S, H, w(ck, `${p}self_attn.att_proj.weight`), (nq + 2 * nkv) * d);
  const qn = t.use_qk_norm ? w(ck, `${p}self_attn.q_norm.weight`) : null;
  const kn = t.use_qk_norm ? w(ck, `${p}self_attn.k_norm.weight`) : null;
  const qs: Float32Array[] = [];
  for (let s = 0; s < S; s++) {
    const row = qkv.subarray(s * (nq + 2 * nkv) * d, (s + 1) * (nq + 2 * nkv) * d);
    const q = row.slice(0, nq * d);
    const k = row.slice(nq * d, (nq + nkv) * d);
    qkNorm(q, nq, d, qn, t.qk_norm_type, t.layer_norm_eps);
    qkNorm(k, nkv, d, kn, t.qk_norm_type, t.layer_norm_eps);
    applyRope(q, nq, d, start + s, rp);
    applyRope(k, nkv, d, start + s, rp);
    qs.push(q);
    cache.k[l]!.push(k);
    cache.v[l]!.push(row.slice((nq + nkv) * d));
  }
  return qs;
}

/** Softmax attention of the new rows' queries over layer l's whole cache under `allowed`; returns [S, nq·d]. */
function attend(
  ck: Checkpoint,
  l: number,
  qs: Float32Array[],
  start: number,
  cache: RefCache,
  allowed: (q: number, k: number) => boolean,
): Float32Array {
  const t = ck.config.text_config;
  const { head_dim: d, num_attention_heads: nq, num_key_value_heads: nkv } = t;
  const grp = nq / nkv;
  const total = cache.k[l]!.length;
  const att = new Float32Array(qs.length * nq * d);
  const sc = new Float64Array(total);
  const scale = 1 / Math.sqrt(d);
  for (let s = 0; s < qs.length; s++) {
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
  return att;
}

function addInto(h: Float32Array, y: Float32Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = h[i]! + y[i]!;
  return out;
}

/**
 * Runs decoder layers over new tokens at positions start..start+S−1 given embeddings; `allowed(q,k)` is the mask.
 * Pre-norm blocks (Qwen3) compute h + f(norm(h)); post-norm blocks (OLMo3, norm_after) h + norm(f(h)).
 */
function decoder(
  ck: Checkpoint,
  x: Float32Array,
  start: number,
  cache: RefCache,
  allowed: (q: number, k: number) => boolean,
): Float32Array {
  const t = ck.config.text_config;
  const { hidden_size: H, intermediate_size: I, num_attention_heads: nq, head_dim: d, layer_norm_eps: eps } = t;
  const S = x.length / H;
  const norm = (v: Float32Array, name: string) => rmsNorm(v, H, w(ck, name), eps);
  let h = x;
  for (const [l, rp] of layerRopes(ck).entries()) {
    const p = `model.transformer.blocks.${l}.`;
    const qs = projectQkv(ck, l, t.norm_after ? h : norm(h, `${p}attn_norm.weight`), start, cache, rp);
    const o = linear(attend(ck, l, qs, start, cache, allowed), S, nq * d, w(ck, `${p}self_attn.attn_out.weight`), H);
    const h1 = addInto(h, t.norm_after ? norm(o, `${p}attn_norm.weight`) : o);
    const u = linear(t.norm_after ? h1 : norm(h1, `${p}ff_norm.weight`), S, H, w(ck, `${p}mlp.ff_proj.weight`), 2 * I);
    const act = new Float32Array(S * I);
    for (let s = 0; s < S; s++)
      for (let i = 0; i < I; i++) act[s * I + i] = u[s * 2 * I + i]! * silu(u[s * 2 * I + I + i]!);
    const f = linear(act, S, I, w(ck, `${p}mlp.ff_out.weight`), H);
    h = addInto(h1, t.norm_after ? norm(f, `${p}ff_norm.weight`) : f);
  }
  return norm(h, 'model.transformer.ln_f.weight');
}

/** Logits [V] for one final-norm hidden row. */
export function referenceLogits(ck: Checkpoint, hiddenRow: Float32Array): Float32Array {
  const t = ck.config.text_config;
  return linear(hiddenRow, 1, t.hidden_size, w(ck, 'lm_head.weight'), t.vocab_size);
}

/** Prefill under Molmo2's mask: causal OR (type[q] = 1 AND type[k] = 1). */
export function referencePrefill(
  ck: Checkpoint,
  ids: ArrayLike<number>,
  tokenTypes: ArrayLike<number>,
  features: Float32Array | null,
): RefPrefill {
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
export function referenceGreedy(
  ck: Checkpoint,
  ids: ArrayLike<number>,
  tokenTypes: ArrayLike<number>,
  features: Float32Array | null,
  maxNew: number,
): number[] {
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
