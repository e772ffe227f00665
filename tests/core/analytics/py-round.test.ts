// Python's round() in the metrics: a table of Python 3's own answers, an exact-rational check over random doubles,
// and the two places where half-up rounding scored differently from the reference (grid hits and track frames).
import assert from 'node:assert/strict';
import test from 'node:test';
import { pyRound, pyRound1 } from '../../../src-main/core/analytics/metrics/py-round.js';
import { pointInRegion } from '../../../src-main/core/analytics/metrics/regions.js';
import { evalTracks } from '../../../src-main/core/analytics/metrics/track-metrics.js';

// Printed by CPython 3.11: [round(v) for v in V] and [round(v, 1) for v in V].
const V = [
  0.25, 0.75, 1.25, -0.25, 0.35, 2.675, 0.05, 0.15, 12.5, 0.5, 1.5, 2.5, -0.5, -1.5, 10.5, 33.349999999999994, 99.95,
  0.45, 7.25, 1e-9, 5.0,
];
const PY0 = [0, 1, 1, 0, 0, 3, 0, 0, 12, 0, 2, 2, 0, -2, 10, 33, 100, 0, 7, 0, 5];
const PY1 = [
  0.2, 0.8, 1.2, -0.2, 0.3, 2.7, 0.1, 0.1, 12.5, 0.5, 1.5, 2.5, -0.5, -1.5, 10.5, 33.3, 100.0, 0.5, 7.2, 0.0, 5.0,
];

test('pyRound and pyRound1 give CPython answers, ties to even included', () => {
  assert.deepEqual(
    V.map(pyRound).map((x) => x + 0),
    PY0,
  );
  assert.deepEqual(
    V.map(pyRound1).map((x) => x + 0),
    PY1,
  );
});

/** The exact value of a finite double as a fraction num / 2^shift (shift ≥ 0). */
function exact(v: number): { num: bigint; shift: bigint } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, v);
  const bits = buf.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const expBits = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const mant = expBits === 0 ? frac : frac | (1n << 52n);
  const e = expBits === 0 ? -1074 : expBits - 1075;
  return e >= 0 ? { num: sign * (mant << BigInt(e)), shift: 0n } : { num: sign * mant, shift: BigInt(-e) };
}

/** round(v, 1) by exact rational arithmetic: nearest multiple of 1/10, exact ties to even; returns tenths. */
function exactTenths(v: number): bigint {
  const { num, shift } = exact(v);
  const scaled = num * 10n; // v·10 = scaled / 2^shift
  const den = 1n << shift;
  const floor = scaled >= 0n ? scaled / den : -((-scaled + den - 1n) / den);
  const rem2 = 2n * (scaled - floor * den); // compare the remainder with half a unit
  if (rem2 < den) return floor;
  if (rem2 > den) return floor + 1n;
  return floor % 2n === 0n ? floor : floor + 1n;
}

test('pyRound1 equals exact rounding of the binary value on 20,000 random doubles', () => {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 20000; i++) {
    // Near ties on purpose: k/20 plus a few ulps, and plain uniform values in the metric's 0–100 range.
    const base = i % 2 ? Math.floor(rnd() * 2000) / 20 : rnd() * 100;
    const v = i % 4 === 1 ? base + (Math.floor(rnd() * 5) - 2) * Number.EPSILON * Math.max(1, base) : base;
    const want = Number(exactTenths(v)) / 10;
    assert.equal(pyRound1(v) + 0, want + 0, `round(${v}, 1)`);
  }
});

test('grid hits and track frames use round-half-even like the reference', () => {
  const grid = { grid: { rows: ['0010'] } }; // only column 2 is set
  assert.ok(pointInRegion(2.5, 0, grid)); // round(2.5) = 2; Math.round would say column 3
  assert.ok(pointInRegion(1.5, 0, grid)); // round(1.5) = 2
  assert.ok(!pointInRegion(3.5, 0, grid)); // round(3.5) = 4
  assert.ok(pointInRegion(0.5, 0.5, { grid: { rows: ['1000'] } })); // round(0.5) = 0, Math.round would say 1
  // At 25 fps, t = 0.5 s is frame round(12.5) = 12 in the reference: a GT annotation at frame 12 is matched.
  const gt = {
    examples: [
      {
        id: 'c',
        width: 100,
        height: 100,
        fps: 25,
        objects: [
          { id: 'a', frames: [{ t: 12 / 25, region: { box: [0, 0, 10, 10] as [number, number, number, number] } }] },
        ],
      },
    ],
  };
  const pred = {
    units: 'pixels' as const,
    examples: [{ id: 'c', tracks: [{ id: '1', points: [{ t: 0.5, x: 5, y: 5 }] }] }],
  };
  const m = evalTracks(pred, gt);
  assert.equal(m.hota > 0.99, true, `HOTA ${m.hota}`);
});
