// Python's round() for the metrics that must score exactly as the reference's evaluators do.
// Python rounds the exact binary value, and an exact tie to the even neighbour; Math.round rounds ties up.

/** Python 3's `round(v)`: nearest integer, exact ties to even (`round(0.5) == 0`, `round(12.5) == 12`). */
export function pyRound(v: number): number {
  if (!Number.isFinite(v)) return v;
  const f = Math.floor(v);
  const frac = v - f; // exact for every double
  if (frac !== 0.5) return frac < 0.5 ? f : f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Python 3's `round(v, 1)`: the exact binary value rounded to one decimal (so 0.35, stored as 0.34999…, gives 0.3),
 * and an exact tie to the even digit (0.25 → 0.2). Exact ties at one decimal are the odd multiples of 1/4.
 */
export function pyRound1(v: number): number {
  if (!Number.isFinite(v) || Math.abs(v) >= 1e20) return v;
  const quarters = v * 4; // exact: a power of two
  if (Number.isInteger(quarters) && Math.abs(quarters % 2) === 1) return pyRound(v * 10) / 10;
  // toFixed rounds the exact decimal expansion of v; only exact ties (handled above) could round differently.
  return Number(v.toFixed(1));
}
