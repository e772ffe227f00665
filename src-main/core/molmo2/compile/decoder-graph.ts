// Decoder building blocks shared by the prefill, step and generate graphs: embedding with visual features,
// Molmo2's prefill mask, Qwen3 decoder layers (QK-norm, rotate-half RoPE, GQA without repeating K/V), LM head.
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
  const e2 = wb.gatherRows(g, 'model.transformer.wte.new_embedding', o.min(g, o.max(g, o.sub(g, safe, o.i64(g, V)), o.i64(g, 0)), o.i64(g, nExtra - 1)));
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
function chunkedAttention(g: Graph, m: PrefillMask, qg: Value, kg: Value, vg: Value, scale: number, nq: number, d: number): Value {
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

function ropeTables(g: Graph, ck: Checkpoint, positions: Value): { cos: Value; sin: Value } {
  const t = ck.config.text_config;
  const half = t.head_dim / 2;
  const inv = Array.from({ length: half }, (_, i) => 1 / Math.pow(t.rope_theta, (2 * i) / t.head_dim));
  const ang = o.mul(g, o.unsqueeze(g, o.cast(g, positions, 'float32'), [1]), o.f32(g, inv)); // [S, d/2]
  const emb = o.unsqueeze(g, o.concat(g, [ang, ang], 1), [1]); // [S,1,d]
  return { cos: o.cos(g, emb), sin: o.sin(g, emb) };
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
export function decoderLayers(g: Graph, ck: Checkpoint, wb: WeightBinder, x: Value, positions: Value, past: Kv[] | null, mask: PrefillMask | null): { hidden: Value; present: Kv[] } {
  const t = ck.config.text_config;
  const W = (n: string) => wb.bind(g, n);
  const d = t.head_dim;
  const nq = t.num_attention_heads;
  const nkv = t.num_key_value_heads;
  const grp = nq / nkv;
  const I = t.intermediate_size;
  const eps = t.layer_norm_eps;
  const cs = ropeTables(g, ck, positions);
  const present: Kv[] = [];
  let h = x;
  for (let l = 0; l < t.num_hidden_layers; l++) {
    const p = `model.transformer.blocks.${l}.`;
    const n1 = o.rmsNorm(g, h, W(`${p}attn_norm.weight`), eps);
    const qkv = wb.linear(g, n1, `${p}self_attn.att_proj.weight`);
    let q = o.reshape(g, o.sliceConst(g, qkv, 0, nq * d, 1), [-1, nq, d]);
    let k = o.reshape(g, o.sliceConst(g, qkv, nq * d, (nq + nkv) * d, 1), [-1, nkv, d]);
    const v = o.reshape(g, o.sliceConst(g, qkv, (nq + nkv) * d, (nq + 2 * nkv) * d, 1), [-1, nkv, d]);
    if (t.use_qk_norm) {
      q = o.rmsNorm(g, q, W(`${p}self_attn.q_norm.weight`), eps);
      k = o.rmsNorm(g, k, W(`${p}self_attn.k_norm.weight`), eps);
    }
    q = rope(g, q, d, cs);
    k = rope(g, k, d, cs);
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
    h = o.add(g, h, wb.linear(g, merged, `${p}self_attn.attn_out.weight`));
    const n2 = o.rmsNorm(g, h, W(`${p}ff_norm.weight`), eps);
    const [val, gate] = o.split2(g, wb.linear(g, n2, `${p}mlp.ff_proj.weight`), [I, I], 1);
    h = o.add(g, h, wb.linear(g, o.mul(g, val, o.silu(g, gate)), `${p}mlp.ff_out.weight`));
  }
  return { hidden: o.rmsNorm(g, h, W('model.transformer.ln_f.weight'), eps), present };
}

/** Logits [1,V] of the last row of final-norm hidden states [S,H]. */
export function lastLogits(g: Graph, wb: WeightBinder, hidden: Value): Value {
  const S = o.dimOf(g, hidden, 0);
  const last = o.slice(g, hidden, o.unsqueeze(g, o.sub(g, S, o.i64(g, 1)), [0]), o.unsqueeze(g, S, [0]), [0]);
  return wb.linear(g, last, 'lm_head.weight');
}
