// In-graph token selection: repetition/frequency penalties, then greedy ArgMax or temperature + top-p sampling
// driven by a seeded 31-bit LCG carried through the Loop (deterministic for a seed on every provider).
import type { Graph, Value } from './graph.js';
import * as o from './ops.js';

export interface SamplingInputs {
  temperature: Value; // f32 scalar; ≤ 0 → greedy
  topP: Value; // f32 scalar
  repetitionPenalty: Value; // f32 scalar; 1 = off
  frequencyPenalty: Value; // f32 scalar; 0 = off
}

/** Next LCG state and a uniform in [0,1): s' = (s·1103515245 + 12345) mod 2³¹ (fits int64 exactly). */
export function lcgNext(g: Graph, state: Value): { state: Value; uniform: Value } {
  const next = o.mod(g, o.add(g, o.mul(g, state, o.i64(g, 1103515245)), o.i64(g, 12345)), o.i64(g, 2147483648));
  return { state: next, uniform: o.div(g, o.cast(g, next, 'float32'), o.f32(g, 2147483648)) };
}

/**
 * Applies HF-style repetition penalty (÷ for positive logits, × for negative) and a frequency penalty; the V-wide
 * work runs only when a penalty is active (`active`: bool scalar computed once outside the Loop).
 */
export function penalise(g: Graph, logits: Value, counts: Value, s: SamplingInputs, active: Value): Value {
  const on = g.sub('penalise');
  {
    const seen = o.greater(on, counts, o.f32(on, 0));
    const pos = o.greater(on, logits, o.f32(on, 0));
    const rp = o.where(on, pos, o.div(on, logits, s.repetitionPenalty), o.mul(on, logits, s.repetitionPenalty));
    on.output(o.sub(on, o.where(on, seen, rp, logits), o.mul(on, counts, s.frequencyPenalty)));
  }
  const off = g.sub('no_penalty');
  off.output(o.identity(off, logits));
  return o.ifThenElse(g, active, on, off, [{ dtype: 'float32', shape: logits.shape }])[0]!;
}

/** Whether any penalty is active (bool scalar). */
export function penaltyActive(g: Graph, s: SamplingInputs): Value {
  return o.or(
    g,
    o.not(g, o.equal(g, s.repetitionPenalty, o.f32(g, 1))),
    o.not(g, o.equal(g, s.frequencyPenalty, o.f32(g, 0))),
  );
}

/** counts[tok] += 1 for one token id (int64 [1]) — O(1), no V-wide one-hot. */
export function countToken(g: Graph, counts: Value, tok: Value): Value {
  const idx = o.reshape(g, tok, [1, 1]);
  return o.scatterND(g, counts, idx, o.add(g, o.gather(g, counts, tok, 0), o.f32(g, 1)));
}

/** Picks one token id (int64 [1]) from logits [1,V]. */
export function selectToken(g: Graph, logits: Value, uniform: Value, s: SamplingInputs, vocab: number): Value {
  const greedy = g.sub('greedy');
  greedy.output(o.reshape(greedy, o.argmax(greedy, logits, 1, false), [1]));
  const samp = g.sub('sample');
  {
    const gg = samp;
    const p = o.softmax(gg, o.div(gg, logits, s.temperature), 1);
    const [sp, si] = o.topk(gg, p, o.i64(gg, [vocab]), 1); // [1,V] descending
    const cum = o.cumsum(gg, sp, 1);
    // Keep the smallest prefix whose mass reaches top_p (the first token always survives).
    const keep = o.cast(gg, o.less(gg, o.sub(gg, cum, sp), s.topP), 'float32');
    const kept = o.mul(gg, sp, keep);
    const kcum = o.cumsum(gg, kept, 1);
    const target = o.mul(gg, uniform, o.reduceSum(gg, kept, [1]));
    const below = o.reduceSum(gg, o.cast(gg, o.lessOrEqual(gg, kcum, target), 'int64'), [1], false);
    const pick = o.min(gg, below, o.i64(gg, vocab - 1));
    gg.output(o.reshape(gg, o.gather(gg, o.reshape(gg, si, [-1]), pick, 0), [1]));
  }
  const [tok] = o.ifThenElse(g, o.greater(g, s.temperature, o.f32(g, 0)), samp, greedy, [
    { dtype: 'int64', shape: [1] },
  ]);
  return tok!;
}
