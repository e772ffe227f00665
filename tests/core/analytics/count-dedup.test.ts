// Count de-duplication tests: instances seen in the overlap of two windows are counted once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pixels, seconds } from '../../../src-main/api/units.js';
import { dedupCounts } from '../../../src-main/core/analytics/count-dedup.js';
import type { CountWindowInput } from '../../../src-main/core/analytics/types.js';
import { at } from '../../../src-main/api/at.js';

const FRAME = { width: 640, height: 360 }; // diagonal ≈ 734 px → default gate 0.05·734 ≈ 36.7 px

const pt = (localId: number, t: number, x: number, y: number) => ({
  localId,
  t: seconds(t),
  x: pixels(x),
  y: pixels(y),
});
const win = (index: number, start: number, end: number, points: ReturnType<typeof pt>[]): CountWindowInput => ({
  index,
  start: seconds(start),
  end: seconds(end),
  points,
});

test('an instance pointed at the same time in both windows of an overlap is counted once', () => {
  const r = dedupCounts(
    [
      win(0, 0, 10, [pt(1, 2, 100, 100), pt(2, 9, 300, 200)]), // the second is in the overlap [8, 10]
      win(1, 8, 18, [pt(1, 9, 305, 198), pt(2, 15, 500, 50)]),
    ],
    FRAME,
  );
  assert.equal(r.total, 3);
  assert.deepEqual(
    r.perWindow.map((w) => w.count),
    [2, 2],
  );
  assert.equal(r.matches.length, 1);
  const m = at(r.matches, 0);
  assert.deepEqual({ ...m, cost: 0 }, { windowA: 0, localA: 2, windowB: 1, localB: 1, instanceId: 2, cost: 0 });
  assert.ok(Math.abs(m.cost - Math.hypot(5, 2)) < 1e-9);
  // Evidence: the instance keeps both sightings, earliest window first; instances ordered by first sighting.
  assert.deepEqual(
    r.instances.map((i) => i.evidence.map((e) => `${e.window}:${e.localId}`)),
    [['0:1'], ['0:2', '1:1'], ['1:2']],
  );
  assert.deepEqual([at(at(r.instances, 1).evidence, 0).mx, at(at(r.instances, 1).evidence, 0).my], [469, 556]);
});

test('two look-alikes side by side in the overlap are matched one-to-one by distance', () => {
  // 50 px apart; each window sees both with a few px of error, listed in opposite orders.
  const r = dedupCounts(
    [win(0, 0, 10, [pt(1, 9, 200, 100), pt(2, 9, 250, 100)]), win(1, 8, 18, [pt(1, 9, 247, 103), pt(2, 9, 203, 98)])],
    FRAME,
  );
  assert.equal(r.total, 2);
  assert.deepEqual(r.matches.map((m) => [m.localA, m.localB]).sort(), [
    [1, 2],
    [2, 1],
  ]);
});

test('same place at different sampled times, or too far apart at the same time, stays two instances', () => {
  const r1 = dedupCounts([win(0, 0, 10, [pt(1, 8.5, 300, 200)]), win(1, 8, 18, [pt(1, 9.5, 300, 200)])], FRAME);
  assert.equal(r1.total, 2);
  const r2 = dedupCounts([win(0, 0, 10, [pt(1, 9, 300, 200)]), win(1, 8, 18, [pt(1, 9, 340, 200)])], FRAME); // 40 px > 36.7
  assert.equal(r2.total, 2);
  // A larger time tolerance (with the gate growing 0.1·diag per second) merges the first pair.
  assert.equal(
    dedupCounts([win(0, 0, 10, [pt(1, 8.5, 300, 200)]), win(1, 8, 18, [pt(1, 9.5, 300, 200)])], FRAME, {
      maxTimeDelta: 1,
    }).total,
    1,
  );
});

test('windows sampled on offset grids: nearest samples (0.25 s apart) match by default, not with maxTimeDelta 0', () => {
  const ws = [win(0, 0, 10, [pt(1, 9, 300, 200)]), win(1, 8, 18, [pt(1, 9.25, 303, 200)])];
  assert.equal(dedupCounts(ws, FRAME).total, 1);
  assert.equal(dedupCounts(ws, FRAME, { maxTimeDelta: 0 }).total, 2);
});

test('points outside the overlap are never merged, even at the same position', () => {
  const r = dedupCounts([win(0, 0, 10, [pt(1, 3, 300, 200)]), win(1, 8, 18, [pt(1, 12, 300, 200)])], FRAME);
  assert.equal(r.total, 2);
});

test('a chain through three mutually overlapping windows never puts two sightings of one window in an instance', () => {
  // Windows 0 [0,10], 1 [4,14], 2 [8,18] all overlap in [8,10]. Window 0 has two close points; the chain
  // 0:1 ↔ 1:1 ↔ 2:1 ↔ 0:2 would join them; it must be refused.
  const r = dedupCounts(
    [
      win(0, 0, 10, [pt(1, 9, 300, 200), pt(2, 9, 330, 200)]),
      win(1, 4, 14, [pt(1, 9, 302, 200)]),
      win(2, 8, 18, [pt(1, 9, 325, 200)]),
    ],
    FRAME,
  );
  for (const inst of r.instances) {
    const ws = inst.evidence.map((e) => e.window);
    assert.equal(new Set(ws).size, ws.length);
  }
  assert.equal(r.total, 2);
});

test('bad input is rejected with INVALID_INPUT', () => {
  assert.throws(() => dedupCounts([win(0, 5, 1, [])], FRAME), { code: 'INVALID_INPUT' });
  assert.throws(() => dedupCounts([win(0, 0, 1, []), win(0, 1, 2, [])], FRAME), { code: 'INVALID_INPUT' });
  assert.throws(() => dedupCounts([win(0, 0, 1, [pt(1, NaN, 1, 1)])], FRAME), { code: 'INVALID_INPUT' });
});

test('property: objects seen once by each window of an overlapping pair are counted once per pair', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.record({ x: fc.integer({ min: 0, max: 15 }), y: fc.integer({ min: 0, max: 8 }) }), {
        selector: (p) => `${p.x},${p.y}`,
        minLength: 1,
        maxLength: 12,
      }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: -3, max: 3 }),
      (cells, nWindows, jitter) => {
        // Objects on a 40 px grid (farther apart than the 36.7 px gate). Windows [8k, 8k+10]; window 2j and 2j+1
        // both point every object once, at t = 16j + 9 (inside their shared overlap), with a few px of error.
        // The model points each object once per answer, so only pairs can be linked: N per pair of windows.
        const windows: CountWindowInput[] = [];
        for (let k = 0; k < nWindows; k++) {
          const t = 8 * (k - (k % 2)) + 9;
          const e = k % 2 ? jitter : 0;
          windows.push(
            win(
              k,
              8 * k,
              8 * k + 10,
              cells.map((c, i) => pt(i + 1, t, 20 + c.x * 40 + e, 20 + c.y * 40 - e)),
            ),
          );
        }
        const r = dedupCounts(windows, FRAME);
        assert.equal(r.total, cells.length * Math.ceil(nWindows / 2));
        assert.equal(r.matches.length, cells.length * Math.floor(nWindows / 2));
      },
    ),
    { numRuns: 100 },
  );
});
