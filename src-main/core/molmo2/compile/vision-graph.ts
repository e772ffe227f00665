// The `vision` graph: crops [N,729,588] + pooling table [T,k] → projected visual features [T, text hidden].
// ViT blocks up to the last used one, concat of the two read layers, masked mean-query attention pooling, SwiGLU projector.
import type { Checkpoint } from '../weights.js';
import { Graph, type Value } from './graph.js';
import * as o from './ops.js';
import type { WeightBinder } from './weight-binder.js';

/** HF tensor names the vision graph reads. */
export function visionWeightNames(ck: Checkpoint): string[] {
  const p = 'model.vision_backbone.';
  return [...ck.tensors.keys()].filter((n) => {
    const m = /resblocks\.(\d+)\./.exec(n);
    return n.startsWith(p) && (!m || Number(m[1]) < ck.vitBlocks);
  });
}

/** Multi-head attention for 2-D q [B·Lq, h·d], k/v [B·Lk, h·d]; `bias` broadcasts to [B, h, Lq, Lk]. */
export function mha(
  g: Graph,
  q: Value,
  k: Value,
  v: Value,
  B: number | null,
  Lq: number,
  Lk: number,
  heads: number,
  d: number,
  bias?: Value,
): Value {
  const b = B ?? -1;
  const qh = o.transpose(g, o.reshape(g, q, [b, Lq, heads, d]), [0, 2, 1, 3]);
  const kh = o.transpose(g, o.reshape(g, k, [b, Lk, heads, d]), [0, 2, 3, 1]);
  const vh = o.transpose(g, o.reshape(g, v, [b, Lk, heads, d]), [0, 2, 1, 3]);
  let s = o.mul(g, o.matmul(g, qh, kh), o.f32(g, 1 / Math.sqrt(d)));
  if (bias) s = o.add(g, s, bias);
  const a = o.matmul(g, o.softmax(g, s, -1), vh);
  return o.reshape(g, o.transpose(g, a, [0, 2, 1, 3]), [-1, heads * d]);
}

/** Builds the vision graph (inputs `pixels` float32 [N,729,588], `pooling` int64 [T,k]; output `features`). */
export function buildVisionGraph(ck: Checkpoint, wb: WeightBinder): Graph {
  const vc = ck.config.vit_config;
  const ac = ck.config.adapter_config;
  const P = vc.image_num_pos;
  const C = vc.hidden_size;
  const pd = vc.image_patch_size * vc.image_patch_size * 3;
  const g = new Graph('molmo2_vision');
  const W = (n: string) => wb.bind(g, n);
  const pixels = g.input('pixels', 'float32', ['N', P, pd]);
  const pooling = g.input('pooling', 'int64', ['T', 'K']);
  const vp = 'model.vision_backbone.image_vit.';
  let x = wb.linear(g, o.reshape(g, pixels, [-1, pd]), `${vp}patch_embedding.weight`, `${vp}patch_embedding.bias`);
  x = o.reshape(g, o.add(g, o.reshape(g, x, [-1, P, C]), W(`${vp}positional_embedding`)), [-1, C]);
  const outs: Value[] = [];
  for (let b = 0; b < ck.vitBlocks; b++) {
    const bp = `${vp}transformer.resblocks.${b}.`;
    const n1 = o.layerNorm(g, x, W(`${bp}attention_norm.weight`), W(`${bp}attention_norm.bias`), vc.layer_norm_eps);
    const q = wb.linear(g, n1, `${bp}attention.wq.weight`, `${bp}attention.wq.bias`);
    const k = wb.linear(g, n1, `${bp}attention.wk.weight`, `${bp}attention.wk.bias`);
    const v = wb.linear(g, n1, `${bp}attention.wv.weight`, `${bp}attention.wv.bias`);
    const a = mha(g, q, k, v, null, P, P, vc.num_attention_heads, vc.head_dim);
    x = o.add(g, x, wb.linear(g, a, `${bp}attention.wo.weight`, `${bp}attention.wo.bias`));
    const n2 = o.layerNorm(g, x, W(`${bp}ffn_norm.weight`), W(`${bp}ffn_norm.bias`), vc.layer_norm_eps);
    const f = o.geluTanh(g, wb.linear(g, n2, `${bp}feed_forward.w1.weight`, `${bp}feed_forward.w1.bias`));
    x = o.add(g, x, wb.linear(g, f, `${bp}feed_forward.w2.weight`, `${bp}feed_forward.w2.bias`));
    outs.push(x);
  }
  const F = C * ck.vitFeatureLayers.length;
  const feats = o.concat(
    g,
    ck.vitFeatureLayers.map((l) => outs[l]!),
    1,
  ); // [N·P, F]
  // Row N·P is a zero vector: index −1 is remapped to it, so padding contributes zeros (HF: masked gather).
  const nRows = o.dimOf(g, feats, 0);
  const zero = o.constantOfShape(g, o.i64(g, [1, F]), 0);
  const table = o.concat(g, [feats, zero], 0);
  const valid = o.greaterOrEqual(g, pooling, o.i64(g, 0));
  const idx = o.where(g, valid, pooling, nRows);
  const win = o.gather(g, table, idx, 0); // [T, K, F]
  const validF = o.cast(g, valid, 'float32'); // [T, K]
  const count = o.max(g, o.reduceSum(g, validF, [1]), o.f32(g, 1)); // [T,1]
  const query = o.div(g, o.reduceSum(g, win, [1], false), count); // [T, F]
  const cp = 'model.vision_backbone.';
  const K = o.dimOf(g, pooling, 1);
  const winFlat = o.reshape(g, win, [-1, F]);
  const q = wb.linear(g, query, `${cp}image_pooling_2d.wq.weight`, `${cp}image_pooling_2d.wq.bias`);
  const k = wb.linear(g, winFlat, `${cp}image_pooling_2d.wk.weight`, `${cp}image_pooling_2d.wk.bias`);
  const v = wb.linear(g, winFlat, `${cp}image_pooling_2d.wv.weight`, `${cp}image_pooling_2d.wv.bias`);
  const heads = ac.num_attention_heads;
  const d = ac.head_dim;
  // [T,1,h,d]→[T,h,1,d]; keys [T,K,h,d]→[T,h,d,K]; invalid keys get −1e30 (fp32 softmax, as sdpa with the mask).
  const qh = o.transpose(g, o.reshape(g, q, [-1, 1, heads, d]), [0, 2, 1, 3]);
  const shpTK = o.concat(g, [o.i64(g, [-1]), o.unsqueeze(g, K, [0]), o.i64(g, [heads, d])], 0);
  const kh = o.transpose(g, o.reshapeTo(g, k, shpTK), [0, 2, 3, 1]);
  const vh = o.transpose(g, o.reshapeTo(g, v, shpTK), [0, 2, 1, 3]);
  const bias = o.unsqueeze(g, o.unsqueeze(g, o.where(g, valid, o.f32(g, 0), o.f32(g, -1e30)), [1]), [1]); // [T,1,1,K]
  const s = o.add(g, o.mul(g, o.matmul(g, qh, kh), o.f32(g, 1 / Math.sqrt(d))), bias);
  const att = o.reshape(g, o.matmul(g, o.softmax(g, s, -1), vh), [-1, heads * d]);
  const pooled = wb.linear(g, att, `${cp}image_pooling_2d.wo.weight`, `${cp}image_pooling_2d.wo.bias`);
  const gate = o.silu(g, wb.linear(g, pooled, `${cp}image_projector.w1.weight`));
  const up = wb.linear(g, pooled, `${cp}image_projector.w3.weight`);
  g.output(wb.linear(g, o.mul(g, gate, up), `${cp}image_projector.w2.weight`), 'features');
  return g;
}
