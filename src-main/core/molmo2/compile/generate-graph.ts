// The `generate` graph (prefill + an ONNX Loop of decode steps with in-graph sampling, so the KV cache never
// leaves the run), plus the `prefill` and `step` graphs of the naive JS-loop baseline (K/V in and out per token).
import type { Checkpoint } from '../weights.js';
import { Graph, type Value } from './graph.js';
import * as o from './ops.js';
import { addVisual, decoderLayers, embedIds, lastLogits, prefillMask, type Kv } from './decoder-graph.js';
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

/** Node name of the decode Loop (the profiler reports its time as `${DECODE_LOOP}_kernel_time`). */
export const DECODE_LOOP = 'decode_loop';

/** Graph build options: `prefillChunk` = query rows per prefill attention chunk (memory O(S·chunk)). */
export interface BuildOptions {
  prefillChunk: number;
}

function prefill(
  g: Graph,
  ck: Checkpoint,
  wb: WeightBinder,
  ids: Value,
  types: Value,
  features: Value,
  opts: BuildOptions,
) {
  const x = addVisual(g, ck, embedIds(g, ck, wb, ids), ids, features);
  const positions = o.range(g, o.i64(g, 0), o.dimOf(g, ids, 0), o.i64(g, 1));
  const { hidden, present } = decoderLayers(g, ck, wb, x, positions, null, prefillMask(g, types, opts.prefillChunk));
  return { logits: lastLogits(g, wb, hidden), present, hidden };
}

/** Generation controls shared by the generate graph and the streaming graphs (scalars unless noted). */
interface Controls {
  maxNew: Value;
  s: SamplingInputs;
  eos: Value; // [E]
  repeatGuard: Value;
  usePenalty: Value;
}

function controlInputs(g: Graph): Controls {
  const maxNew = g.input('max_new_tokens', 'int64', []);
  const s: SamplingInputs = {
    temperature: g.input('temperature', 'float32', []),
    topP: g.input('top_p', 'float32', []),
    repetitionPenalty: g.input('repetition_penalty', 'float32', []),
    frequencyPenalty: g.input('frequency_penalty', 'float32', []),
  };
  const eos = g.input('eos_ids', 'int64', ['E']);
  const repeatGuard = g.input('repeat_guard', 'int64', []);
  return { maxNew, s, eos, repeatGuard, usePenalty: penaltyActive(g, s) };
}

type Sampled = { tok: Value; rng: Value; counts: Value; hitEos: Value; hist: Value };

/** One sampling step (the first token and every Loop trip): penalties, selection, counts, EOS, history. */
function sampler(V: number, c: Controls) {
  return (gg: Graph, logits: Value, counts: Value, rngState: Value, hist: Value | null): Sampled => {
    const rng = lcgNext(gg, rngState);
    const tok = selectToken(gg, penalise(gg, logits, counts, c.s, c.usePenalty), rng.uniform, c.s, V);
    const hitEos = o.reduceMax(gg, o.cast(gg, o.equal(gg, c.eos, tok), 'int64'), [0], false);
    return {
      tok,
      rng: rng.state,
      counts: countToken(gg, counts, tok),
      hitEos,
      hist: hist ? o.concat(gg, [hist, tok], 0) : o.identity(gg, tok),
    };
  };
}

/** Everything a decode Loop carries: enough to continue generation exactly where it stopped (streaming). */
export interface DecodeState {
  counts: Value; // [V] f32 token counts (penalties)
  rng: Value; // int64 generator state
  pos: Value; // int64 position of the next forward
  hist: Value; // [n] int64 tokens so far (repetition guard)
  tok: Value; // [1] int64 last sampled token (fed to the next forward)
  k: Value[]; // per layer [nkv, P, d]
  v: Value[];
  stop: Value; // int64 1 once EOS or the repetition guard ended generation
}

/** The ONNX Loop of decode steps from `state`: up to `trips` forwards, each sampling one token. */
function decodeLoop(
  g: Graph,
  ck: Checkpoint,
  wb: WeightBinder,
  c: Controls,
  state: DecodeState,
  trips: Value,
): { tokens: Value; state: DecodeState } {
  const t = ck.config.text_config;
  const L = t.num_hidden_layers;
  const sample = sampler(t.vocab_size, c);
  const body = g.sub('decode_step');
  body.input('iter', 'int64', []);
  body.input('cond_in', 'bool', []);
  const countsIn = body.input('counts_in', 'float32', [t.vocab_size]);
  const rngIn = body.input('rng_in', 'int64', []);
  const posIn = body.input('pos_in', 'int64', []);
  const histIn = body.input('hist_in', 'int64', ['n']);
  const prevTok = body.input('tok_in', 'int64', [1]);
  const pastK = Array.from({ length: L }, (_, l) =>
    body.input(`past_k_${l}`, 'float32', [t.num_key_value_heads, 'P', t.head_dim]),
  );
  const pastV = Array.from({ length: L }, (_, l) =>
    body.input(`past_v_${l}`, 'float32', [t.num_key_value_heads, 'P', t.head_dim]),
  );
  body.input('stop_in', 'int64', []);
  const past: Kv[] = pastK.map((k, l) => ({ k, v: pastV[l]! }));
  const step = decoderLayers(body, ck, wb, embedIds(body, ck, wb, prevTok), o.reshape(body, posIn, [1]), past, null);
  const next = sample(body, lastLogits(body, wb, step.hidden), countsIn, rngIn, histIn);
  const condOut = o.and(
    body,
    o.equal(body, next.hitEos, o.i64(body, 0)),
    o.not(body, repetitionDetected(body, next.hist, c.repeatGuard)),
  );
  body.output(condOut);
  body.output(next.counts);
  body.output(next.rng);
  body.output(o.add(body, posIn, o.i64(body, 1)));
  body.output(next.hist);
  body.output(o.identity(body, next.tok));
  for (const kv of step.present) body.output(kv.k);
  for (const kv of step.present) body.output(kv.v);
  body.output(o.cast(body, o.not(body, condOut), 'int64'));
  body.output(o.identity(body, next.tok));

  const carried = [state.counts, state.rng, state.pos, state.hist, state.tok, ...state.k, ...state.v, state.stop];
  const goOn = o.equal(g, state.stop, o.i64(g, 0));
  const outs = o.loop(g, trips, goOn, carried, body, ['int64'], DECODE_LOOP);
  // A 0-trip Loop's scan may come back without its inner dim: flatten.
  const tokens = o.reshape(g, outs[outs.length - 1]!, [-1]);
  const [counts, rng, pos, hist, tok] = outs as [Value, Value, Value, Value, Value];
  return {
    tokens,
    state: {
      counts,
      rng,
      pos,
      hist,
      tok,
      k: outs.slice(5, 5 + L),
      v: outs.slice(5 + L, 5 + 2 * L),
      stop: outs[5 + 2 * L]!,
    },
  };
}

/** Names of the state tensors a streaming graph returns (`state_*`) and the next one takes back (`in_*`). */
export function stateNames(L: number): string[] {
  return [
    'counts',
    'rng',
    'pos',
    'hist',
    'tok',
    ...Array.from({ length: L }, (_, l) => `k_${l}`),
    ...Array.from({ length: L }, (_, l) => `v_${l}`),
    'stop',
  ];
}

function outputState(g: Graph, st: DecodeState): void {
  const vals = [st.counts, st.rng, st.pos, st.hist, st.tok, ...st.k, ...st.v, st.stop];
  stateNames(st.k.length).forEach((n, i) => g.output(o.identity(g, vals[i]!), `state_${n}`));
}

/**
 * generate: inputs input_ids/token_type_ids [S] int64, image_features [T,H], max_new_tokens, temperature, top_p,
 * seed, repetition_penalty, frequency_penalty, repeat_guard (scalars), eos_ids [E]; output tokens [N,1] int64
 * (stops after EOS, or when the tail repeats one p-gram — see repeat-guard.ts). With `withState` (the first graph of
 * a streamed generation) it also returns the decode state, so `buildResumeGraph` can continue exactly there.
 */
export function buildGenerateGraph(ck: Checkpoint, wb: WeightBinder, opts: BuildOptions, withState = false): Graph {
  const V = ck.config.text_config.vocab_size;
  const g = new Graph(withState ? 'molmo2_generate_stream' : 'molmo2_generate');
  const { ids, types, features } = prefillInputs(g, ck);
  const c = controlInputs(g);
  const seed = g.input('seed', 'int64', []);
  const pre = prefill(g, ck, wb, ids, types, features, opts);
  // The first token comes from the prefill logits; each Loop trip then runs ONE forward (of the previous token) and
  // samples the next, so N tokens cost N−1 forwards — no forward for a token that will never be sampled.
  const seed31 = o.mod(g, o.max(g, seed, o.i64(g, 0)), o.i64(g, 2147483648));
  const first = sampler(V, c)(g, pre.logits, o.constantOfShape(g, o.i64(g, [V]), 0), seed31, null);
  const state: DecodeState = {
    counts: first.counts,
    rng: first.rng,
    pos: o.dimOf(g, ids, 0),
    hist: first.hist,
    tok: first.tok,
    k: pre.present.map((kv) => kv.k),
    v: pre.present.map((kv) => kv.v),
    stop: first.hitEos,
  };
  const trips = o.max(g, o.sub(g, c.maxNew, o.i64(g, 1)), o.i64(g, 0));
  const out = decodeLoop(g, ck, wb, c, state, trips);
  // [first, ...Loop tokens], cut to max_new_tokens (0 → none).
  const all = o.concat(g, [o.reshape(g, first.tok, [1]), out.tokens], 0);
  g.output(o.reshape(g, o.slice(g, all, o.i64(g, [0]), o.reshape(g, c.maxNew, [1]), [0]), [-1, 1]), 'tokens');
  if (withState) outputState(g, out.state);
  return g;
}

/** resume (streaming): the decode state `in_*` from the previous graph + controls → up to max_new_tokens more tokens and the new state. */
export function buildResumeGraph(ck: Checkpoint, wb: WeightBinder): Graph {
  const t = ck.config.text_config;
  const L = t.num_hidden_layers;
  const g = new Graph('molmo2_resume');
  const kv = (n: string) => g.input(`in_${n}`, 'float32', [t.num_key_value_heads, 'P', t.head_dim]);
  const state: DecodeState = {
    counts: g.input('in_counts', 'float32', [t.vocab_size]),
    rng: g.input('in_rng', 'int64', []),
    pos: g.input('in_pos', 'int64', []),
    hist: g.input('in_hist', 'int64', ['n']),
    tok: g.input('in_tok', 'int64', [1]),
    k: Array.from({ length: L }, (_, l) => kv(`k_${l}`)),
    v: Array.from({ length: L }, (_, l) => kv(`v_${l}`)),
    stop: g.input('in_stop', 'int64', []),
  };
  const c = controlInputs(g);
  const out = decodeLoop(g, ck, wb, c, state, c.maxNew);
  g.output(o.reshape(g, out.tokens, [-1, 1]), 'tokens');
  outputState(g, out.state);
  return g;
}

/** prefill (baseline): inputs as generate's first three; outputs logits [1,V] and present_k_l/present_v_l [nkv,S,d]. */
export function buildPrefillGraph(ck: Checkpoint, wb: WeightBinder, opts: BuildOptions): Graph {
  const g = new Graph('molmo2_prefill');
  const { ids, types, features } = prefillInputs(g, ck);
  const pre = prefill(g, ck, wb, ids, types, features, opts);
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
