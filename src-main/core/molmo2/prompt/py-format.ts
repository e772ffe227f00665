// Python's format(x, ".Nf") in JavaScript: round-half-even on the exact binary value of the double.
// JavaScript's toFixed rounds exact ties away from zero (0.25 → "0.3"); Python gives "0.2".

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** Exact decomposition of a finite double: |x| = mant · 2^exp (mant a BigInt). */
function decompose(x: number): { mant: bigint; exp: number } {
  f64[0] = Math.abs(x);
  const bits = u64[0]!; // a one-element view
  const e = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & 0xfffffffffffffn;
  if (e === 0) return { mant: frac, exp: -1074 };
  return { mant: frac | (1n << 52n), exp: e - 1075 };
}

/** format(x, f".{digits}f") exactly as CPython prints it (nan, inf, -0.0 included). */
export function pyFormatFixed(x: number, digits = 1): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const neg = x < 0 || Object.is(x, -0);
  const { mant, exp } = decompose(x);
  const scale = 10n ** BigInt(digits);
  let q: bigint;
  if (exp >= 0) {
    q = (mant << BigInt(exp)) * scale;
  } else {
    const num = mant * scale;
    const den = 1n << BigInt(-exp);
    q = num / den;
    const r2 = (num % den) * 2n;
    if (r2 > den || (r2 === den && (q & 1n) === 1n)) q += 1n;
  }
  let s = q.toString();
  if (digits > 0) {
    s = s.padStart(digits + 1, '0');
    s = `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
  }
  return (neg ? '-' : '') + s;
}

/** The timestamp text Molmo2 sees before each video frame and emits as a video key: format(t, ".1f"). */
export function formatTimestamp(t: number): string {
  return pyFormatFixed(t, 1);
}
