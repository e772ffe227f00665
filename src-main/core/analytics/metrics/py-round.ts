// Python's round() for the metrics that must score exactly as the reference's evaluators do.
// Python rounds the exact binary value, and an exact tie to the even neighbour; Math.round rounds ties up.
import { pyFormatFixed } from '../../molmo2/prompt/py-format.js';

/** Python 3's `round(v)`: nearest integer, exact ties to even (`round(0.5) == 0`, `round(12.5) == 12`). */
export function pyRound(v: number): number {
  return Number.isFinite(v) ? Number(pyFormatFixed(v, 0)) : v;
}

/** Python 3's `round(v, 1)`: the exact binary value to one decimal (0.35, stored as 0.34999…, gives 0.3; 0.25 → 0.2). */
export function pyRound1(v: number): number {
  // CPython's round(x, n) and format(x, '.nf') both round the exact value half to even.
  return Number.isFinite(v) ? Number(pyFormatFixed(v, 1)) : v;
}
