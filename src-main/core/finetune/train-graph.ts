// The LoRA training graph: frozen Molmo2 decoder + LoRA on every block's four fused linears, the weighted loss
// Σ wᵢ·CEᵢ / W_tot at the given logit rows, and dL/dA, dL/dB of every adapter tensor (hand-written VJPs, fp32).
// One sequence may be a message tree: a shared prefix (branch 0) and branches 1..k that see the prefix and themselves.
import type { Graph, Value } from '../molmo2/compile/graph.js';
import { Graph as GraphClass } from '../molmo2/compile/graph.js';
import * as o from '../molmo2/compile/ops.js';
import { addVisual, embedIds } from '../molmo2/compile/decoder-graph.js';
import type { WeightBinder } from '../molmo2/compile/weight-binder.js';
import type { Checkpoint } from '../molmo2/weights.js';
import { loraScale, loraTargets, type LoraSpec, type LoraTarget } from './lora.js';
import {
  layerBackward,
  layerForward,
  type LayerCtx,
  type LayerLora,
  type LayerSaved,
  type PairGrad,
} from './train-layer.js';
import {
  dropUnusedInitializers,
  eliminateDeadNodes,
  firstElements,
  gatherElements,
  gemm,
  log,
  rmsInv,
  rmsNormVjp,
} from './train-ops.js';

export interface TrainGraphOptions {
  spec: LoraSpec;
  /**
   * Layer recompute: the forward keeps only each layer's input; the backward recomputes the layer from it, fed
   * through `+ z` where z is 0 at run time but depends on the later layer's gradients, so onnxruntime can neither
   * merge the recompute with the forward (CSE) nor run it early.
   */
  recompute: boolean;
}

/** Graph input and output names (LoRA inputs are the PEFT keys; gradients are "grad." + key). */
export const TRAIN_IO = {
  ids: 'input_ids',
  types: 'token_type_ids',
  positions: 'position_ids',
  branches: 'branch_ids',
  features: 'features',
  logitPositions: 'logit_positions',
  targets: 'targets',
  weights: 'weights',
  weightTotal: 'weight_total',
  zero: 'zero',
  loss: 'loss',
  ce: 'ce',
} as const;
export const gradName = (key: string): string => `grad.${key}`;

/** RoPE at each token's own position (a tree's branches restart after the shared prefix). */
function ropeTables(g: Graph, ck: Checkpoint, positions: Value): { cos: Value; sin: Value } {
  const t = ck.config.text_config;
  const inv = Array.from({ length: t.head_dim / 2 }, (_, i) => 1 / Math.pow(t.rope_theta, (2 * i) / t.head_dim));
  const pos = o.cast(g, positions, 'float32');
  const ang = o.mul(g, o.unsqueeze(g, pos, [1]), o.f32(g, inv));
  const emb = o.unsqueeze(g, o.concat(g, [ang, ang], 1), [1]); // [S,1,d]
  return { cos: o.cos(g, emb), sin: o.sin(g, emb) };
}

/**
 * Molmo2's prefill mask as an additive [S,S] bias: (key ≤ query, or both tokens visual) and the key is in the shared
 * prefix (branch 0) or in the query's own branch — Molmo2's subsegment mask (`molmo2.py` 674-685) with the prefix as 0.
 */
function maskBias(g: Graph, types: Value, branches: Value, S: Value): Value {
  const pos = o.range(g, o.i64(g, 0), S, o.i64(g, 1));
  const causal = o.lessOrEqual(g, o.unsqueeze(g, pos, [0]), o.unsqueeze(g, pos, [1]));
  const vis = o.equal(g, types, o.i64(g, 1));
  const both = o.and(g, o.unsqueeze(g, vis, [1]), o.unsqueeze(g, vis, [0]));
  const keyBranch = o.unsqueeze(g, branches, [0]);
  const sameTree = o.or(g, o.equal(g, keyBranch, o.i64(g, 0)), o.equal(g, keyBranch, o.unsqueeze(g, branches, [1])));
  return o.where(g, o.and(g, o.or(g, causal, both), sameTree), o.f32(g, 0), o.f32(g, -1e30));
}

interface LossHead {
  loss: Value;
  ce: Value;
  /** dL/d(final hidden before ln_f) [S,H]. */
  dh: Value;
}

/** ln_f, LM head at the logit rows, weighted CE and its VJP back to the last layer's output. */
function lossHead(
  g: Graph,
  ck: Checkpoint,
  W: (n: string) => Value,
  hL: Value,
  ids: Value,
  io: Record<string, Value>,
): LossHead {
  const eps = ck.config.text_config.layer_norm_eps;
  const H = ck.config.text_config.hidden_size;
  const V = ck.config.text_config.vocab_size;
  const wf = W('model.transformer.ln_f.weight');
  const hf = o.mul(g, o.mul(g, hL, rmsInv(g, hL, eps)), wf);
  const lmHead = W('lm_head.weight');
  const logits = gemm(g, o.gather(g, hf, io.logitPositions!, 0), lmHead, { transB: true }); // [n,V]
  const m = o.reduceMax(g, logits, [-1]);
  const e = o.exp(g, o.sub(g, logits, m));
  const se = o.reduceSum(g, e, [-1]);
  const lse = o.add(g, m, log(g, se));
  const tgt = o.unsqueeze(g, io.targets!, [1]);
  const ce = o.squeeze(g, o.sub(g, lse, gatherElements(g, logits, tgt, 1)), [1]);
  const wn = o.div(g, io.weights!, io.weightTotal!); // [n]
  const loss = o.reduceSum(g, o.mul(g, ce, wn), [0], false);
  const onehot = o.oneHot(g, io.targets!, o.i64(g, V), o.f32(g, [0, 1]));
  const dLogits = o.mul(g, o.sub(g, o.div(g, e, se), onehot), o.unsqueeze(g, wn, [1]));
  const dSel = gemm(g, dLogits, lmHead); // [n,H]
  const zeros = o.constantOfShape(g, o.concat(g, [o.shapeOf(g, ids), o.i64(g, [H])], 0), 0);
  const dhf = o.scatterND(g, zeros, o.unsqueeze(g, io.logitPositions!, [1]), dSel);
  return { loss, ce, dh: rmsNormVjp(g, hL, wf, eps, dhf) };
}

function declareInputs(g: Graph, ck: Checkpoint): Record<string, Value> {
  const H = ck.config.text_config.hidden_size;
  return {
    ids: g.input(TRAIN_IO.ids, 'int64', ['S']),
    types: g.input(TRAIN_IO.types, 'int64', ['S']),
    positions: g.input(TRAIN_IO.positions, 'int64', ['S']),
    branches: g.input(TRAIN_IO.branches, 'int64', ['S']),
    features: g.input(TRAIN_IO.features, 'float32', ['T', H]),
    logitPositions: g.input(TRAIN_IO.logitPositions, 'int64', ['n']),
    targets: g.input(TRAIN_IO.targets, 'int64', ['n']),
    weights: g.input(TRAIN_IO.weights, 'float32', ['n']),
    weightTotal: g.input(TRAIN_IO.weightTotal, 'float32', []),
    zero: g.input(TRAIN_IO.zero, 'float32', []),
  };
}

function declareLora(g: Graph, targets: LoraTarget[], rank: number, layers: number): LayerLora[] {
  const pair = (t: LoraTarget) => ({
    A: g.input(t.keyA, 'float32', [rank, t.inFeatures]),
    B: g.input(t.keyB, 'float32', [t.outFeatures, rank]),
  });
  return Array.from({ length: layers }, (_, l) => {
    const ts = targets.filter((t) => t.layer === l);
    return { attProj: pair(ts[0]!), attnOut: pair(ts[1]!), ffProj: pair(ts[2]!), ffOut: pair(ts[3]!) };
  });
}

function layerCtx(g: Graph, ck: Checkpoint, wb: WeightBinder, spec: LoraSpec, io: Record<string, Value>): LayerCtx {
  const t = ck.config.text_config;
  const S = o.dimOf(g, io.ids!, 0);
  const { cos, sin } = ropeTables(g, ck, io.positions!);
  return {
    g,
    H: t.hidden_size,
    nq: t.num_attention_heads,
    nkv: t.num_key_value_heads,
    d: t.head_dim,
    I: t.intermediate_size,
    eps: t.layer_norm_eps,
    qkNorm: t.use_qk_norm,
    scale: loraScale(spec),
    W: (n) => wb.bind(g, n),
    cos,
    sin,
    bias: maskBias(g, io.types!, io.branches!, S),
  };
}

/** Builds the training graph for a checkpoint (weights bound by `wb`, fp32 throughout). */
export function buildTrainGraph(ck: Checkpoint, wb: WeightBinder, opts: TrainGraphOptions): Graph {
  const g = new GraphClass('molmo2_lora_train');
  const L = ck.config.text_config.num_hidden_layers;
  const targets = loraTargets(ck);
  const io = declareInputs(g, ck);
  const lora = declareLora(g, targets, opts.spec.rank, L);
  const c = layerCtx(g, ck, wb, opts.spec, io);
  const x0 = addVisual(g, ck, embedIds(g, ck, wb, io.ids!), io.ids!, io.features!);
  const saved: LayerSaved[] = [];
  let h = x0;
  for (let l = 0; l < L; l++) {
    saved.push(layerForward(c, l, h, lora[l]!));
    h = saved[l]!.out;
  }
  const head = lossHead(g, ck, c.W, h, io.ids!, io);
  let dh = head.dh;
  const grads: PairGrad[][] = new Array<PairGrad[]>(L);
  let after: Value[] = [dh];
  for (let l = L - 1; l >= 0; l--) {
    let s = saved[l]!;
    if (opts.recompute) {
      const z = o.mul(g, io.zero!, firstElements(g, after));
      s = layerForward(c, l, o.add(g, s.h, z), lora[l]!);
    }
    const b = layerBackward(c, l, s, lora[l]!, dh);
    grads[l] = b.grads;
    dh = b.dh;
    after = [dh, ...b.grads.flatMap((p) => [p.dA, p.dB])];
  }
  g.output(head.loss, TRAIN_IO.loss);
  g.output(head.ce, TRAIN_IO.ce);
  targets.forEach((t, i) => {
    const p = grads[t.layer]![i % 4]!;
    g.output(p.dA, gradName(t.keyA));
    g.output(p.dB, gradName(t.keyB));
  });
  eliminateDeadNodes(g);
  dropUnusedInitializers(g);
  return g;
}
