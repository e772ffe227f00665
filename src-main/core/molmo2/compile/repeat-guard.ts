// In-graph guard against degenerate repetition: the Loop stops when the generated tail is one p-gram repeated,
// for any period p ≤ MAX_PERIOD, over at least max(repeats·p, MIN_SPAN) tokens (the model can loop on points/captions).
import type { Graph, Value } from './graph.js';
import * as o from './ops.js';

export const MAX_PERIOD = 16;
/** A tail shorter than this never counts as degenerate (e.g. "0000" inside a coordinate is legitimate). */
export const MIN_SPAN = 12;

/**
 * True (bool scalar) when `hist` (int64 [n], generated tokens so far) ends in a periodic run; `repeats` (int64 scalar)
 * ≤ 0 disables the check (and its cost: everything runs inside an If).
 */
export function repetitionDetected(g: Graph, hist: Value, repeats: Value): Value {
  const on = g.sub('repeat_guard');
  {
    const n = o.dimOf(on, hist, 0);
    let any: Value | null = null;
    for (let p = 1; p <= MAX_PERIOD; p++) {
      const span = o.max(on, o.mul(on, repeats, o.i64(on, p)), o.i64(on, Math.max(MIN_SPAN, 2 * p)));
      const start = o.unsqueeze(on, o.max(on, o.sub(on, n, span), o.i64(on, 0)), [0]);
      const tail = o.slice(on, hist, start, o.i64(on, [Number.MAX_SAFE_INTEGER]), [0]);
      const a = o.slice(on, tail, o.i64(on, [p]), o.i64(on, [Number.MAX_SAFE_INTEGER]), [0]);
      const b = o.slice(on, tail, o.i64(on, [0]), o.i64(on, [-p]), [0]);
      // ReduceMin of an empty tensor is the int64 maximum, so the length test carries the short cases.
      const same = o.greater(on, o.reduceMinI(on, o.cast(on, o.equal(on, a, b), 'int64')), o.i64(on, 0));
      const hit = o.and(on, o.greaterOrEqual(on, n, span), same);
      any = any ? o.or(on, any, hit) : hit;
    }
    on.output(any!);
  }
  const off = g.sub('no_repeat_guard');
  off.output(o.bool(off, false));
  return o.ifThenElse(g, o.greater(g, repeats, o.i64(g, 0)), on, off, [{ dtype: 'bool', shape: [] }])[0]!;
}
