// Counting metrics (Molmo2 video counting eval, reference §8.2): exact and close accuracy, tolerance 1 + floor(0.05·gt).
// Also the count-answer parser the reference uses (bare integer, "a total of N", "the total number … is: N").
import type { CountGt, CountPred } from './eval-format.js';

/** Reads a count from a model answer; null when none is stated (an invalid answer). */
export function parseCountAnswer(answer: string): number | null {
  let s = answer.trim().toLowerCase();
  if (s.endsWith('.')) s = s.slice(0, -1).trim();
  if (/^\d+$/.test(s)) return Number(s);
  const m = /(?:a total of|the total number(?:\s+of\s+.+?)?\s+is:)\s*(\d+)/.exec(s);
  if (m) return Number(m[1]);
  // Beyond the reference: "There are N <points…>" (count_then_point) and "There are none." (the reference's
  // none-pattern is a broken regex, so it scores this as invalid; we score it as 0).
  const t = /^there (?:are|is) (\d+)\b/.exec(s);
  if (t) return Number(t[1]);
  if (/^there (?:are|is) none\b/.test(s)) return 0;
  return null;
}

/** Close-accuracy tolerance for a ground-truth count: 1 + floor(0.05·gt). */
export function countTolerance(gt: number): number {
  return 1 + Math.floor(0.05 * gt);
}

export interface CountExampleScore {
  id: string;
  gt: number;
  pred: number | null;
  exact: boolean;
  close: boolean;
}

export interface CountMetrics {
  n: number;
  exactAccuracy: number;
  closeAccuracy: number;
  /** Examples with no usable prediction (missing, or an answer stating no count); they score as wrong. */
  invalid: number;
  /** Mean |pred − gt| over valid predictions (null if none). */
  meanAbsError: number | null;
  /** Accuracy per ground-truth count bin [0,5), [5,10), [10,15), [15,20), [20,25), [25,∞). */
  bins: { bin: string; n: number; exactAccuracy: number; closeAccuracy: number }[];
  examples: CountExampleScore[];
}

const BINS: [number, number][] = [
  [0, 5],
  [5, 10],
  [10, 15],
  [15, 20],
  [20, 25],
  [25, Infinity],
];

/** Scores count predictions against ground truth (every GT example is scored; predictions for unknown ids are ignored). */
export function evalCounts(pred: CountPred, gt: CountGt): CountMetrics {
  const byId = new Map(pred.examples.map((e) => [e.id, e]));
  const examples: CountExampleScore[] = gt.examples.map((g) => {
    const p = byId.get(g.id);
    let value: number | null = null;
    if (p) value = p.count ?? (p.answer !== undefined ? parseCountAnswer(p.answer) : null);
    const exact = value !== null && value === g.count;
    const close = value !== null && Math.abs(value - g.count) <= countTolerance(g.count);
    return { id: g.id, gt: g.count, pred: value, exact, close };
  });
  const acc = (xs: CountExampleScore[], k: 'exact' | 'close') =>
    xs.length ? xs.filter((x) => x[k]).length / xs.length : 0;
  const valid = examples.filter((e) => e.pred !== null);
  return {
    n: examples.length,
    exactAccuracy: acc(examples, 'exact'),
    closeAccuracy: acc(examples, 'close'),
    invalid: examples.length - valid.length,
    meanAbsError: valid.length ? valid.reduce((s, e) => s + Math.abs(e.pred! - e.gt), 0) / valid.length : null,
    bins: BINS.map(([lo, hi]) => {
      const xs = examples.filter((e) => e.gt >= lo && e.gt < hi);
      return {
        bin: hi === Infinity ? `${lo}+` : `${lo}-${hi}`,
        n: xs.length,
        exactAccuracy: acc(xs, 'exact'),
        closeAccuracy: acc(xs, 'close'),
      };
    }),
    examples,
  };
}
