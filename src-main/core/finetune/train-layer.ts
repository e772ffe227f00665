// One Molmo2 decoder layer for training: the forward with LoRA branches (keeping what the backward reads) and its
// hand-written vector-Jacobian product in standard ONNX ops (fp32), as the compiler's decoder-graph computes it.
import type { Graph, Value } from '../molmo2/compile/graph.js';
import * as o from '../molmo2/compile/ops.js';
import { gemm, rmsInv, rmsNormVjp, rope, ropeVjp } from './train-ops.js';

/** Static facts and shared tensors of one training graph. */
export interface LayerCtx {
  g: Graph;
  H: number;
  nq: number;
  nkv: number;
  d: number;
  I: number;
  eps: number;
  qkNorm: boolean;
  /** LoRA scale alpha/rank. */
  scale: number;
  /** Frozen weight by HF name. */
  W: (name: string) => Value;
  /** [S,1,d] RoPE tables. */
  cos: Value;
  sin: Value;
  /** [S,S] additive attention bias (0 or −1e30). */
  bias: Value;
}

/** LoRA factors of one linear (graph inputs). */
export interface LoraPair {
  A: Value;
  B: Value;
}

/** The four adapted linears of a layer, in LORA_MODULES order. */
export interface LayerLora {
  attProj: LoraPair;
  attnOut: LoraPair;
  ffProj: LoraPair;
  ffOut: LoraPair;
}

interface LinearSaved {
  x: Value;
  u: Value;
}

/** What the backward of a layer reads. */
export interface LayerSaved {
  h: Value;
  qkv: LinearSaved;
  qPre: Value;
  kPre: Value;
  qg: Value;
  kg: Value;
  vg: Value;
  p: Value;
  ao: LinearSaved;
  h2: Value;
  fp: LinearSaved;
  up: Value;
  gate: Value;
  fo: LinearSaved;
  out: Value;
}

function loraLinear(c: LayerCtx, x: Value, weight: string, ab: LoraPair): { y: Value; saved: LinearSaved } {
  const { g } = c;
  const u = gemm(g, x, ab.A, { transB: true });
  const y = o.add(g, gemm(g, x, c.W(weight), { transB: true }), gemm(g, u, ab.B, { transB: true, alpha: c.scale }));
  return { y, saved: { x, u } };
}

function rmsNorm(c: LayerCtx, x: Value, w: Value): Value {
  return o.mul(c.g, o.mul(c.g, x, rmsInv(c.g, x, c.eps)), w);
}

function attentionForward(c: LayerCtx, qkv: Value, prefix: string) {
  const { g, nq, nkv, d } = c;
  const grp = nq / nkv;
  const qPre = o.reshape(g, o.sliceConst(g, qkv, 0, nq * d, 1), [-1, nq, d]);
  const kPre = o.reshape(g, o.sliceConst(g, qkv, nq * d, (nq + nkv) * d, 1), [-1, nkv, d]);
  const v = o.reshape(g, o.sliceConst(g, qkv, (nq + nkv) * d, (nq + 2 * nkv) * d, 1), [-1, nkv, d]);
  let q = qPre;
  let k = kPre;
  if (c.qkNorm) {
    q = rmsNorm(c, q, c.W(`${prefix}self_attn.q_norm.weight`));
    k = rmsNorm(c, k, c.W(`${prefix}self_attn.k_norm.weight`));
  }
  q = rope(g, q, d, c.cos, c.sin);
  k = rope(g, k, d, c.cos, c.sin);
  const qg = o.reshape(g, o.transpose(g, q, [1, 0, 2]), [nkv, grp, -1, d]); // [nkv,grp,S,d]
  const kg = o.unsqueeze(g, o.transpose(g, k, [1, 0, 2]), [1]); // [nkv,1,S,d]
  const vg = o.unsqueeze(g, o.transpose(g, v, [1, 0, 2]), [1]);
  const scores = o.mul(g, o.matmul(g, qg, o.transpose(g, kg, [0, 1, 3, 2])), o.f32(g, 1 / Math.sqrt(d)));
  const p = o.softmax(g, o.add(g, scores, c.bias), -1); // [nkv,grp,S,S]
  const a = o.reshape(g, o.matmul(g, p, vg), [nq, -1, d]);
  const merged = o.reshape(g, o.transpose(g, a, [1, 0, 2]), [-1, nq * d]);
  return { qPre, kPre, qg, kg, vg, p, merged };
}

/** Forward of layer `l` from its input h [S,H]; returns the saved values (out = the layer's output). */
export function layerForward(c: LayerCtx, l: number, h: Value, lora: LayerLora): LayerSaved {
  const { g, I } = c;
  const p = `model.transformer.blocks.${l}.`;
  const n1 = rmsNorm(c, h, c.W(`${p}attn_norm.weight`));
  const qkv = loraLinear(c, n1, `${p}self_attn.att_proj.weight`, lora.attProj);
  const att = attentionForward(c, qkv.y, p);
  const ao = loraLinear(c, att.merged, `${p}self_attn.attn_out.weight`, lora.attnOut);
  const h2 = o.add(g, h, ao.y);
  const n2 = rmsNorm(c, h2, c.W(`${p}ff_norm.weight`));
  const fp = loraLinear(c, n2, `${p}mlp.ff_proj.weight`, lora.ffProj);
  const [up, gate] = o.split2(g, fp.y, [I, I], 1);
  const act = o.mul(g, up, o.silu(g, gate));
  const fo = loraLinear(c, act, `${p}mlp.ff_out.weight`, lora.ffOut);
  const out = o.add(g, h2, fo.y);
  return { h, qkv: qkv.saved, ...att, ao: ao.saved, h2, fp: fp.saved, up, gate, fo: fo.saved, out };
}

/** Gradients of one LoRA pair. */
export interface PairGrad {
  dA: Value;
  dB: Value;
}

/** VJP of y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ: dB = s·gᵀu, du = s·g·B, dA = duᵀx, dx = g·W + du·A. */
function loraLinearVjp(
  c: LayerCtx,
  saved: LinearSaved,
  weight: string,
  ab: LoraPair,
  dy: Value,
): { dx: Value; grad: PairGrad } {
  const { g } = c;
  const dB = gemm(g, dy, saved.u, { transA: true, alpha: c.scale });
  const du = gemm(g, dy, ab.B, { alpha: c.scale });
  const dA = gemm(g, du, saved.x, { transA: true });
  const dx = o.add(g, gemm(g, dy, c.W(weight)), gemm(g, du, ab.A));
  return { dx, grad: { dA, dB } };
}

/** VJP of softmax attention (GQA without repeats): from d(merged) [S, nq·d] to d(qkv) [S, (nq+2nkv)·d]. */
function attentionVjp(c: LayerCtx, s: LayerSaved, prefix: string, dMerged: Value): Value {
  const { g, nq, nkv, d } = c;
  const grp = nq / nkv;
  const sc = 1 / Math.sqrt(d);
  const dO = o.reshape(g, o.transpose(g, o.reshape(g, dMerged, [-1, nq, d]), [1, 0, 2]), [nkv, grp, -1, d]);
  const dV = o.reduceSum(g, o.matmul(g, o.transpose(g, s.p, [0, 1, 3, 2]), dO), [1], false); // [nkv,S,d]
  const dP = o.matmul(g, dO, o.transpose(g, s.vg, [0, 1, 3, 2]));
  const rowDot = o.reduceSum(g, o.mul(g, dP, s.p), [-1]);
  const dS = o.mul(g, s.p, o.sub(g, dP, rowDot));
  const dqg = o.mul(g, o.matmul(g, dS, s.kg), o.f32(g, sc)); // [nkv,grp,S,d]
  const dK = o.mul(g, o.reduceSum(g, o.matmul(g, o.transpose(g, dS, [0, 1, 3, 2]), s.qg), [1], false), o.f32(g, sc));
  let dq = ropeVjp(g, o.transpose(g, o.reshape(g, dqg, [nq, -1, d]), [1, 0, 2]), d, c.cos, c.sin); // [S,nq,d]
  let dk = ropeVjp(g, o.transpose(g, dK, [1, 0, 2]), d, c.cos, c.sin);
  if (c.qkNorm) {
    dq = rmsNormVjp(g, s.qPre, c.W(`${prefix}self_attn.q_norm.weight`), c.eps, dq);
    dk = rmsNormVjp(g, s.kPre, c.W(`${prefix}self_attn.k_norm.weight`), c.eps, dk);
  }
  const dv = o.transpose(g, dV, [1, 0, 2]);
  return o.concat(
    g,
    [o.reshape(g, dq, [-1, nq * d]), o.reshape(g, dk, [-1, nkv * d]), o.reshape(g, dv, [-1, nkv * d])],
    1,
  );
}

/** Backward of layer `l`: from d(out) to d(h) and the layer's four LoRA gradients. */
export function layerBackward(
  c: LayerCtx,
  l: number,
  s: LayerSaved,
  lora: LayerLora,
  dOut: Value,
): { dh: Value; grads: PairGrad[] } {
  const { g } = c;
  const p = `model.transformer.blocks.${l}.`;
  const fo = loraLinearVjp(c, s.fo, `${p}mlp.ff_out.weight`, lora.ffOut, dOut);
  const sg = o.sigmoid(g, s.gate);
  const dUp = o.mul(g, fo.dx, o.mul(g, s.gate, sg));
  const dSilu = o.mul(g, sg, o.add(g, o.f32(g, 1), o.mul(g, s.gate, o.sub(g, o.f32(g, 1), sg))));
  const dGate = o.mul(g, o.mul(g, fo.dx, s.up), dSilu);
  const fp = loraLinearVjp(c, s.fp, `${p}mlp.ff_proj.weight`, lora.ffProj, o.concat(g, [dUp, dGate], 1));
  const dh2 = o.add(g, dOut, rmsNormVjp(g, s.h2, c.W(`${p}ff_norm.weight`), c.eps, fp.dx));
  const ao = loraLinearVjp(c, s.ao, `${p}self_attn.attn_out.weight`, lora.attnOut, dh2);
  const qkv = loraLinearVjp(c, s.qkv, `${p}self_attn.att_proj.weight`, lora.attProj, attentionVjp(c, s, p, ao.dx));
  const dh = o.add(g, dh2, rmsNormVjp(g, s.h, c.W(`${p}attn_norm.weight`), c.eps, qkv.dx));
  return { dh, grads: [qkv.grad, ao.grad, fp.grad, fo.grad] };
}
