// Decoder building blocks shared by the prefill, step and generate graphs: embedding with visual features,
// Molmo2's prefill mask, decoder layers (Qwen3 pre-norm or OLMo3 post-norm blocks, QK-norm, rotate-half RoPE with
// YaRN layers, GQA without repeating K/V), LM head.
import { ropeKindOf, ropeParams } from '../checkpoint/rope.js';
import type { Checkpoint } from '../weights.js';
import type { Graph, Value } from './graph.js';
import * as o from './ops.js';
import type { WeightBinder } from './weight-binder.js';

export interface Kv {
  /** [nkv, T, d] post-RoPE keys. */
  k: Value;
  /** [nkv, T, d] values. */
  v: Value;
}

/** HF tensor names the decoder graphs read. */
export function decoderWeightNames(ck: Checkpoint): string[] {
  return [...ck.tensors.keys()].filter((n) => n.startsWith('model.transformer.') || n === 'lm_head.weight');
}

/** Embeddings [S,H] of int64 ids [S] from concat(wte.embedding, wte.new_embedding) without materialising the concat. */
export function embedIds(g: Graph, ck: Checkpoint, wb: WeightBinder, ids: Value): Value {
  const V = ck.config.text_config.vocab_size;
  const nExtra = ck.config.text_config.additional_vocab_size;
  const safe = o.max(g, ids, o.i64(g, 0)); // id −1 (padding) reads row 0, as HF does
  const isExtra = o.greaterOrEqual(g, safe, o.i64(g, V));
  const e1 = wb.gatherRows(g, 'model.transformer.wte.embedding', o.min(g, safe, o.i64(g, V - 1)));
  const e2 = wb.gatherRows(
    g,
    'model.transformer.wte.new_embedding',
    o.min(g, o.max(g, o.sub(g, safe, o.i64(g, V)), o.i64(g, 0)), o.i64(g, nExtra - 1)),
  );
  return o.where(g, o.unsqueeze(g, isExtra, [1]), e2, e1);
}

/** Adds feature row i to the i-th <im_patch> position (HF adds, it does not replace); features [T,H] may be empty. */
export function addVisual(g: Graph, ck: Checkpoint, x: Value, ids: Value, features: Value): Value {
  const H = ck.config.text_config.hidden_size;
  const isPatch = o.equal(g, ids, o.i64(g, ck.config.image_patch_id));
  const order = o.sub(g, o.cumsum(g, o.cast(g, isPatch, 'int64'), 0), o.i64(g, 1));
  const idx = o.where(g, isPatch, order, o.dimOf(g, features, 0));
  const table = o.concat(g, [features, o.constantOfShape(g, o.i64(g, [1, H]), 0)], 0);
  return o.add(g, x, o.gather(g, table, idx, 0));
}

/** Per-prefill tensors the query-chunked attention reads; nothing here is S×S. */
export interface PrefillMask {
  /** Query rows per chunk (a compile-time constant). */
  chunk: number;
  /** Number of chunks ⌈S/chunk⌉ (int64 scalar, the Loop trip count). */
  trips: Value;
  /** Padding rows appended to the queries, int64 [1]. */
  pad: Value;
  /** [Sp] bool: query row is visual (type 1), padded rows false. */
  visQ: Value;
  /** [S] bool: key is visual. */
  visK: Value;
  /** [S] int64 key positions. */
  kpos: Value;
  /** Sequence length S (int64 scalar). */
  S: Value;
}

/** Molmo2's prefill mask (key k ≤ query q, or both tokens visual) in factored form, for `chunk`-row query blocks. */
export function prefillMask(g: Graph, types: Value, chunk: number): PrefillMask {
  const S = o.dimOf(g, types, 0);
  const C = o.i64(g, chunk);
  const trips = o.div(g, o.add(g, S, o.i64(g, chunk - 1)), C);
  const pad = o.reshape(g, o.sub(g, o.mul(g, trips, C), S), [1]);
  const visK = o.equal(g, types, o.i64(g, 1));
  const visQ = o.equal(g, o.padEnd(g, types, pad, 0), o.i64(g, 1));
  return { chunk, trips, pad, visQ, visK, kpos: o.range(g, o.i64(g, 0), S, o.i64(g, 1)), S };
}

/**
 * Exact attention of padded queries qg [nkv,grp,Sp,d] against all keys kg [nkv,1,d,S] / values [nkv,1,S,d], one
 * Loop trip per `chunk` query rows: the scores and the mask exist only as [.., chunk, S] (memory O(S·chunk)).
 * Every query row sees all of the layer's keys, so chunking queries changes no result (pitfall 31 forbids
 * chunking tokens across layers, not this). Returns [nq, S, d].
 */
function chunkedAttention(
  g: Graph,
  m: PrefillMask,
  qg: Value,
  kg: Value,
  vg: Value,
  scale: number,
  nq: number,
  d: number,
): Value {
  const body = g.sub('prefill_attn');
  const iter = body.input('i', 'int64', []);
  const condIn = body.input('cond', 'bool', []);
  const start = o.mul(body, iter, o.i64(body, m.chunk));
  const end = o.add(body, start, o.i64(body, m.chunk));
  const s1 = o.reshape(body, start, [1]);
  const e1 = o.reshape(body, end, [1]);
  const qc = o.slice(body, qg, s1, e1, [2]); // [nkv,grp,C,d]
  const scores = o.mul(body, o.matmul(body, qc, kg), o.f32(body, scale)); // [nkv,grp,C,S]
  const qpos = o.range(body, start, end, o.i64(body, 1));
  const causal = o.lessOrEqual(body, o.unsqueeze(body, m.kpos, [0]), o.unsqueeze(body, qpos, [1])); // [C,S]
  const both = o.and(body, o.unsqueeze(body, o.slice(body, m.visQ, s1, e1, [0]), [1]), o.unsqueeze(body, m.visK, [0]));
  const bias = o.where(body, o.or(body, causal, both), o.f32(body, 0), o.f32(body, -1e30));
  body.output(o.identity(body, condIn));
  body.output(o.matmul(body, o.softmax(body, o.add(body, scores, bias), -1), vg)); // [nkv,grp,C,d]
  const [scan] = o.loop(g, m.trips, o.bool(g, true), [], body, ['float32']); // [n,nkv,grp,C,d]
  const rows = o.reshape(g, o.transpose(g, scan!, [1, 2, 0, 3, 4]), [nq, -1, d]); // [nq,Sp,d]
  return o.slice(g, rows, o.i64(g, [0]), o.reshape(g, m.S, [1]), [1]);
}

type RopeTables = { cos: Value; sin: Value };

function ropeTables(g: Graph, ck: Checkpoint, positions: Value, kind: 'default' | 'scaling'): RopeTables {
  const p = ropeParams(ck.config.text_config, kind);
  const ang = o.mul(g, o.unsqueeze(g, o.cast(g, positions, 'float32'), [1]), o.f32(g, p.invFreq)); // [S, d/2]
  const emb = o.unsqueeze(g, o.concat(g, [ang, ang], 1), [1]); // [S,1,d]
  if (p.attentionFactor === 1) return { cos: o.cos(g, emb), sin: o.sin(g, emb) };
  // YaRN scales cos and sin by its attention factor (modeling_molmo2.py Molmo2RotaryEmbedding.forward).
  const a = o.f32(g, p.attentionFactor);
  return { cos: o.mul(g, o.cos(g, emb), a), sin: o.mul(g, o.sin(g, emb), a) };
}

/** Per-layer cos/sin: one table per rotary module in use (OLMo3: default RoPE, YaRN on rope_scaling_layers). */
function layerRopeTables(g: Graph, ck: Checkpoint, positions: Value): RopeTables[] {
  const t = ck.config.text_config;
  const made: Partial<Record<'default' | 'scaling', RopeTables>> = {};
  return Array.from({ length: t.num_hidden_layers }, (_, l) => {
    const kind = ropeKindOf(t, l);
    return (made[kind] ??= ropeTables(g, ck, positions, kind));
  });
}

/**
 * q [S,nq,d], k [S,nkv,d], v [S,nkv,d] from the fused projection, QK-normed: `qwen3` per head with a [d] weight,
 * `olmo` over the whole flat projection before the head split (modeling_molmo2.py Molmo2Attention.forward).
 */
function qkvHeads(
  g: Graph,
  ck: Checkpoint,
  W: (n: string) => Value,
  p: string,
  qkv: Value,
): { q: Value; k: Value; v: Value } {
  const t = ck.config.text_config;
  const d = t.head_dim;
  const nq = t.num_attention_heads;
  const nkv = t.num_key_value_heads;
  const flat = t.use_qk_norm && t.qk_norm_type === 'olmo';
  const norm = (x: Value, w: string) => (flat ? o.rmsNorm(g, x, W(`${p}self_attn.${w}.weight`), t.layer_norm_eps) : x);
  let q = o.reshape(g, norm(o.sliceConst(g, qkv, 0, nq * d, 1), 'q_norm'), [-1, nq, d]);
  let k = o.reshape(g, norm(o.sliceConst(g, qkv, nq * d, (nq + nkv) * d, 1), 'k_norm'), [-1, nkv, d]);
  const v = o.reshape(g, o.sliceConst(g, qkv, (nq + nkv) * d, (nq + 2 * nkv) * d, 1), [-1, nkv, d]);
  if (t.use_qk_norm && !flat) {
    q = o.rmsNorm(g, q, W(`${p}self_attn.q_norm.weight`), t.layer_norm_eps);
    k = o.rmsNorm(g, k, W(`${p}self_attn.k_norm.weight`), t.layer_norm_eps);
  }
  return { q, k, v };
}

function rope(g: Graph, x: Value, d: number, cs: { cos: Value; sin: Value }): Value {
  const x1 = o.sliceConst(g, x, 0, d / 2, -1);
  const x2 = o.sliceConst(g, x, d / 2, d, -1);
  const rot = o.concat(g, [o.neg(g, x2), x1], -1);
  return o.add(g, o.mul(g, x, cs.cos), o.mul(g, rot, cs.sin));
}

/**
 * Decoder layers over x [S,H] at int64 positions [S]; `past` (per layer) is prepended to K/V; `mask` selects the
 * query-chunked prefill attention under Molmo2's mask (omit for decode: one new token sees the whole cache).
 * Returns final-norm hidden [S,H] and present K/V.
 */
export function decoderLayers(
  g: Graph,
  ck: Checkpoint,
  wb: WeightBinder,
  x: Value,
  positions: Value,
  past: Kv[] | null,
  mask: PrefillMask | null,
): { hidden: Value; present: Kv[] } {
  const t = ck.config.text_config;
  const W = (n: string) => wb.bind(g, n);
  const d = t.head_dim;
  const nq = t.num_attention_heads;
  const nkv = t.num_key_value_heads;
  const grp = nq / nkv;
  const I = t.intermediate_size;
  const eps = t.layer_norm_eps;
  // Block variant: pre-norm (Qwen3: h + f(norm(h))) or post-norm (OLMo3, norm_after: h + norm(f(h))).
  const post = t.norm_after;
  const present: Kv[] = [];
  let h = x;
  for (const [l, cs] of layerRopeTables(g, ck, positions).entries()) {
    const p = `model.transformer.blocks.${l}.`;
    const n1 = post ? h : o.rmsNorm(g, h, W(`${p}attn_norm.weight`), eps);
    const qkv = wb.linear(g, n1, `${p}self_attn.att_proj.weight`);
    const heads = qkvHeads(g, ck, W, p, qkv);
    const v = heads.v;
    const q = rope(g, heads.q, d, cs);
    const k = rope(g, heads.k, d, cs);
    let kT = o.transpose(g, k, [1, 0, 2]); // [nkv,S,d]
    let vT = o.transpose(g, v, [1, 0, 2]);
    if (past) {
      kT = o.concat(g, [past[l]!.k, kT], 1);
      vT = o.concat(g, [past[l]!.v, vT], 1);
    }
    present.push({ k: kT, v: vT });
    // GQA by broadcasting: queries [nkv, grp, S, d] against keys [nkv, 1, d, T] — K/V are never repeated.
    const kg = o.transpose(g, o.unsqueeze(g, kT, [1]), [0, 1, 3, 2]);
    const vg = o.unsqueeze(g, vT, [1]);
    let a: Value; // [nq,S,d]
    if (mask) {
      const qg = o.reshape(g, o.transpose(g, o.padEnd(g, q, mask.pad, 0), [1, 0, 2]), [nkv, grp, -1, d]);
      a = chunkedAttention(g, mask, qg, kg, vg, 1 / Math.sqrt(d), nq, d);
    } else {
      const qg = o.reshape(g, o.transpose(g, q, [1, 0, 2]), [nkv, grp, -1, d]);
      const s = o.mul(g, o.matmul(g, qg, kg), o.f32(g, 1 / Math.sqrt(d)));
      a = o.reshape(g, o.matmul(g, o.softmax(g, s, -1), vg), [nq, -1, d]);
    }
    const merged = o.reshape(g, o.transpose(g, a, [1, 0, 2]), [-1, nq * d]);
    const attnOut = wb.linear(g, merged, `${p}self_attn.attn_out.weight`);
    h = o.add(g, h, post ? o.rmsNorm(g, attnOut, W(`${p}attn_norm.weight`), eps) : attnOut);
    const n2 = post ? h : o.rmsNorm(g, h, W(`${p}ff_norm.weight`), eps);
    const [val, gate] = o.split2(g, wb.linear(g, n2, `${p}mlp.ff_proj.weight`), [I, I], 1);
    const ffOut = wb.linear(g, o.mul(g, val, o.silu(g, gate)), `${p}mlp.ff_out.weight`);
    h = o.add(g, h, post ? o.rmsNorm(g, ffOut, W(`${p}ff_norm.weight`), eps) : ffOut);
  }
  return { hidden: o.rmsNorm(g, h, W('model.transformer.ln_f.weight'), eps), present };
}

/** Logits [1,V] of the last row of final-norm hidden states [S,H]. */
export function lastLogits(g: Graph, wb: WeightBinder, hidden: Value): Value {
  const S = o.dimOf(g, hidden, 0);
  const last = o.slice(g, hidden, o.unsqueeze(g, o.sub(g, S, o.i64(g, 1)), [0]), o.unsqueeze(g, S, [0]), [0]);
  return wb.linear(g, last, 'lm_head.weight');
}
