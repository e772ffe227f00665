// The `generate` graph (prefill + an ONNX Loop of decode steps with in-graph sampling, so the KV cache never
// leaves the run), plus the `prefill` and `step` graphs of the naive JS-loop baseline (K/V in and out per token).
import type { Checkpoint } from '../weights.js';
import { Graph, type Value } from './graph.js';
import * as o from './ops.js';
import { addVisual, decoderLayers, embedIds, lastLogits, prefillBias, type Kv } from './decoder-graph.js';
import { repetitionDetected } from './repeat-guard.js';
import { countToken, lcgNext, penalise, penaltyActive, selectToken, type SamplingInputs } from './sampling.js';
import type { WeightBinder } from './weight-binder.js';

function prefillInputs(g: Graph, ck: Checkpoint) {
  return {
    ids: g.input('input_ids', 'int64', ['S']),
    types: g.input('token_type_ids', 'int64', ['S']),
    features: g.input('image_features', 'float32', ['T', ck.config.text_config.hidden_size]),
  };
}

function prefill(g: Graph, ck: Checkpoint, wb: WeightBinder, ids: Value, types: Value, features: Value) {
  const x = addVisual(g, ck, embedIds(g, ck, wb, ids), ids, features);
  const positions = o.range(g, o.i64(g, 0), o.dimOf(g, ids, 0), o.i64(g, 1));
  const { hidden, present } = decoderLayers(g, ck, wb, x, positions, null, prefillBias(g, types));
  return { logits: lastLogits(g, wb, hidden), present, hidden };
}

/**
 * generate: inputs input_ids/token_type_ids [S] int64, image_features [T,H], max_new_tokens, temperature, top_p,
 * seed, repetition_penalty, frequency_penalty, repeat_guard (scalars), eos_ids [E]; output tokens [N,1] int64
 * (stops after EOS, or when the tail repeats one p-gram — see repeat-guard.ts).
 */
export function buildGenerateGraph(ck: Checkpoint, wb: WeightBinder): Graph {
  const t = ck.config.text_config;
  const V = t.vocab_size;
  const g = new Graph('molmo2_generate');
  const { ids, types, features } = prefillInputs(g, ck);
  const maxNew = g.input('max_new_tokens', 'int64', []);
  const s: SamplingInputs = {
    temperature: g.input('temperature', 'float32', []),
    topP: g.input('top_p', 'float32', []),
    repetitionPenalty: g.input('repetition_penalty', 'float32', []),
    frequencyPenalty: g.input('frequency_penalty', 'float32', []),
  };
  const seed = g.input('seed', 'int64', []);
  const eos = g.input('eos_ids', 'int64', ['E']);
  const repeatGuard = g.input('repeat_guard', 'int64', []);
  const pre = prefill(g, ck, wb, ids, types, features);
  const L = t.num_hidden_layers;
  const usePenalty = penaltyActive(g, s);

  const body = g.sub('decode_step');
  body.input('iter', 'int64', []);
  body.input('cond_in', 'bool', []);
  const logitsIn = body.input('logits_in', 'float32', [1, V]);
  const countsIn = body.input('counts_in', 'float32', [V]);
  const rngIn = body.input('rng_in', 'int64', []);
  const posIn = body.input('pos_in', 'int64', []);
  const histIn = body.input('hist_in', 'int64', ['n']);
  const pastK = Array.from({ length: L }, (_, l) => body.input(`past_k_${l}`, 'float32', [t.num_key_value_heads, 'P', t.head_dim]));
  const pastV = Array.from({ length: L }, (_, l) => body.input(`past_v_${l}`, 'float32', [t.num_key_value_heads, 'P', t.head_dim]));
  const rng = lcgNext(body, rngIn);
  const tok = selectToken(body, penalise(body, logitsIn, countsIn, s, usePenalty), rng.uniform, s, V);
  const counts = countToken(body, countsIn, tok);
  const hitEos = o.reduceMax(body, o.cast(body, o.equal(body, eos, tok), 'int64'), [0], false);
  const hist = o.concat(body, [histIn, tok], 0);
  const condOut = o.and(body, o.equal(body, hitEos, o.i64(body, 0)), o.not(body, repetitionDetected(body, hist, repeatGuard)));
  const past: Kv[] = pastK.map((k, l) => ({ k, v: pastV[l]! }));
  const step = decoderLayers(body, ck, wb, embedIds(body, ck, wb, tok), o.reshape(body, posIn, [1]), past, null);
  body.output(condOut);
  body.output(lastLogits(body, wb, step.hidden));
  body.output(counts);
  body.output(rng.state);
  body.output(o.add(body, posIn, o.i64(body, 1)));
  body.output(hist);
  for (const kv of step.present) body.output(kv.k);
  for (const kv of step.present) body.output(kv.v);
  body.output(o.identity(body, tok));

  const seed31 = o.mod(g, o.max(g, seed, o.i64(g, 0)), o.i64(g, 2147483648));
  const carried = [
    pre.logits,
    o.constantOfShape(g, o.i64(g, [V]), 0),
    seed31,
    o.dimOf(g, ids, 0),
    g.constant({ dtype: 'int64', dims: [0], data: new BigInt64Array(0) }, 'empty_hist'),
    ...pre.present.map((kv) => kv.k),
    ...pre.present.map((kv) => kv.v),
  ];
  const outs = o.loop(g, maxNew, o.bool(g, true), carried, body, ['int64']);
  g.output(outs[outs.length - 1]!, 'tokens');
  return g;
}

/** prefill (baseline): inputs as generate's first three; outputs logits [1,V] and present_k_l/present_v_l [nkv,S,d]. */
export function buildPrefillGraph(ck: Checkpoint, wb: WeightBinder): Graph {
  const g = new Graph('molmo2_prefill');
  const { ids, types, features } = prefillInputs(g, ck);
  const pre = prefill(g, ck, wb, ids, types, features);
  g.output(pre.logits, 'logits');
  pre.present.forEach((kv, l) => g.output(kv.k, `present_k_${l}`));
  pre.present.forEach((kv, l) => g.output(kv.v, `present_v_${l}`));
  return g;
}

/** step (baseline): token [1] int64 + past_k_l/past_v_l [nkv,P,d] → logits [1,V] + present K/V (position = P). */
export function buildStepGraph(ck: Checkpoint, wb: WeightBinder): Graph {
  const t = ck.config.text_config;
  const g = new Graph('molmo2_step');
  const tok = g.input('token', 'int64', [1]);
  const L = t.num_hidden_layers;
  const past: Kv[] = Array.from({ length: L }, (_, l) => ({
    k: g.input(`past_k_${l}`, 'float32', [t.num_key_value_heads, 'P', t.head_dim]),
    v: g.input(`past_v_${l}`, 'float32', [t.num_key_value_heads, 'P', t.head_dim]),
  }));
  const pos = o.reshape(g, o.dimOf(g, past[0]!.k, 1), [1]);
  const step = decoderLayers(g, ck, wb, embedIds(g, ck, wb, tok), pos, past, null);
  g.output(lastLogits(g, wb, step.hidden), 'logits');
  step.present.forEach((kv, l) => g.output(kv.k, `present_k_${l}`));
  step.present.forEach((kv, l) => g.output(kv.v, `present_v_${l}`));
  return g;
}
