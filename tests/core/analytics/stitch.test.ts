// Stitching tests: synthetic per-window tracks with known identities → expected persistent global ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pixels, seconds } from '../../../src-main/api/units.js';
import { stitchTracks } from '../../../src-main/core/analytics/stitch.js';
import type { TrackSet } from '../../../src-main/core/analytics/types.js';
import { cutIntoWindows, linear, type SynthObject } from './synth.js';
import { at } from '../../../src-main/api/at.js';

const FRAME = { width: 640, height: 360 };

/** object name → global id, asserting a one-to-one mapping between objects and global ids. */
function identities(set: TrackSet, truth: Map<string, string>): Record<string, number> {
  const objToGlobal = new Map<string, Set<number>>();
  const globalToObj = new Map<number, Set<string>>();
  for (const d of set.decisions) {
    const obj = truth.get(`${d.windowB}:${d.localB}`)!;
    assert.ok(obj, `unknown local ${d.windowB}:${d.localB}`);
    if (!objToGlobal.has(obj)) objToGlobal.set(obj, new Set());
    objToGlobal.get(obj)!.add(d.globalId);
    if (!globalToObj.has(d.globalId)) globalToObj.set(d.globalId, new Set());
    globalToObj.get(d.globalId)!.add(obj);
  }
  for (const [g, objs] of globalToObj) assert.equal(objs.size, 1, `global ${g} mixes ${[...objs].join(', ')}`);
  const out: Record<string, number> = {};
  for (const [obj, gs] of objToGlobal) {
    assert.equal(gs.size, 1, `object ${obj} split over global ids ${[...gs].join(', ')}`);
    out[obj] = at([...gs], 0);
  }
  return out;
}

const WIN = { duration: 26, length: 10, stride: 8 }; // windows [0,10] [8,18] [16,26]: 2 s overlaps
/** The same windows, window 1 numbering the objects the other way round (so local ids alone would swap them). */
const WIN_1_REVERSED = { ...WIN, permute: (k: number, ids: number[]) => (k === 1 ? [...ids].reverse() : ids) };

test('two objects crossing inside a window overlap keep their ids', () => {
  // A and B swap sides; they cross at t = 9, inside the overlap [8, 10] of windows 0 and 1.
  const A = linear('A', 0, [100, 100], 18, [540, 260]);
  const B = linear('B', 0, [540, 100], 18, [100, 260]);
  // Window 1 numbers them the other way round, so local ids alone would swap them.
  const { windows, truth } = cutIntoWindows([A, B], WIN_1_REVERSED);
  const set = stitchTracks(windows, FRAME);
  assert.deepEqual(identities(set, truth), { A: 1, B: 2 });
  assert.equal(set.tracks.length, 2);
  const overlap = set.decisions.filter((d) => d.reason === 'overlap');
  assert.equal(overlap.length, 4); // windows 0→1 and 1→2 (both objects live until 18 s)
  for (const d of overlap) assert.ok(d.cost < 1e-9, 'identical points in the overlap cost 0');
  // One point per sampled time, and model coordinates follow the pixels.
  const a = at(set.tracks, 0);
  assert.equal(a.points.length, 37); // 0, 0.5, …, 18
  assert.deepEqual([at(a.points, 0).mx, at(a.points, 0).my], [156, 278]);
});

test('local ids permuted in a later window (look-alikes numbered the other way) still map by position', () => {
  const A = linear('A', 0, [200, 150], 26, [300, 150]);
  const B = linear('B', 0, [220, 200], 26, [320, 200]); // 50 px apart, moving in parallel
  const { windows, truth } = cutIntoWindows([A, B], WIN_1_REVERSED);
  assert.equal(truth.get('1:2'), 'A');
  const set = stitchTracks(windows, FRAME);
  assert.deepEqual(identities(set, truth), { A: 1, B: 2 });
});

test('two look-alikes swap places while both are in the overlap; mean distance over shared times decides', () => {
  // They pass within 10 px of each other at t = 9 (inside the overlap), then separate again.
  const A = linear('A', 0, [100, 175], 18, [540, 185]);
  const B = linear('B', 0, [540, 175], 18, [100, 185]);
  const { windows, truth } = cutIntoWindows([A, B], WIN_1_REVERSED);
  const set = stitchTracks(windows, FRAME);
  assert.deepEqual(identities(set, truth), { A: 1, B: 2 });
});

test('an object occluded across a window boundary is re-identified by velocity continuity', () => {
  // A is hidden during [7, 11.5]: invisible in the whole overlap [8, 10], so only re-identification can link it.
  const A = linear('A', 0, [50, 100], 20, [450, 100], (t) => t < 7 || t > 11.5);
  const B = linear('B', 0, [300, 300], 26, [350, 300]);
  const { windows, truth } = cutIntoWindows([A, B], WIN);
  const set = stitchTracks(windows, FRAME);
  assert.deepEqual(identities(set, truth), { A: 1, B: 2 });
  const reid = set.decisions.filter((d) => d.reason === 'reid');
  assert.equal(reid.length, 1);
  assert.deepEqual(
    { ...reid[0], cost: 0 },
    { windowA: 0, localA: 1, windowB: 1, localB: 2, globalId: 1, cost: 0, reason: 'reid' },
  );
  assert.ok(at(reid, 0).cost < 1e-6, 'constant velocity predicts the return exactly');
  // The gap stays a gap: no points are invented while A was hidden.
  assert.ok(!at(set.tracks, 0).points.some((p) => p.t > 7 && p.t < 11.5));
});

test('an object that leaves and returns keeps its id; a newcomer elsewhere gets a new one', () => {
  // A walks out at the right edge (visible until 6.5 s), comes back at the right edge at 13 s and walks left.
  const A: SynthObject = {
    name: 'A',
    at: (t) =>
      t <= 6.5 ? { x: 500 + 20 * t, y: 200 } : t >= 13 && t <= 25 ? { x: 635 - 20 * (t - 13), y: 210 } : null,
  };
  const C = linear('C', 14, [5, 60], 25, [200, 60]); // enters on the left edge at 14 s
  const { windows, truth } = cutIntoWindows([A, C], WIN);
  const set = stitchTracks(windows, FRAME);
  assert.deepEqual(identities(set, truth), { A: 1, C: 2 });
});

test('two look-alikes leave at the same spot and one returns: ambiguous, so it gets a new id', () => {
  // A and B walk out of the right edge side by side (20 px apart); one of them comes back 5 s later.
  const A: SynthObject = { name: 'A', at: (t) => (t <= 6 ? { x: 520 + 20 * t, y: 180 } : null) };
  const B: SynthObject = { name: 'B', at: (t) => (t <= 6 ? { x: 520 + 20 * t, y: 200 } : null) };
  const back: SynthObject = {
    name: 'back',
    at: (t) => (t >= 11 && t <= 20 ? { x: 635 - 20 * (t - 11), y: 190 } : null),
  };
  const { windows, truth } = cutIntoWindows([A, B, back], WIN);
  assert.deepEqual(identities(stitchTracks(windows, FRAME), truth), { A: 1, B: 2, back: 3 });
  // With the ambiguity check off, the Hungarian's pick is taken (either id is a guess).
  const loose = stitchTracks(windows, FRAME, { ambiguityRatio: 0 });
  assert.equal(loose.tracks.length, 2);
});

test('windows sampled on offset grids (0.25 s apart) still stitch, keeping one point per sampled time', () => {
  const A = linear('A', 0, [100, 100], 26, [540, 260]);
  const B = linear('B', 0, [540, 100], 26, [100, 260]);
  const { windows, truth } = cutIntoWindows([A, B], { ...WIN_1_REVERSED, phase: (k: number) => (k % 2 ? 0.25 : 0) });
  const set = stitchTracks(windows, FRAME);
  assert.deepEqual(identities(set, truth), { A: 1, B: 2 });
  for (const t of set.tracks) {
    // No two points closer than the tolerance from different windows: the overlaps were not doubled up.
    for (let i = 1; i < t.points.length; i++)
      assert.ok(
        at(t.points, i).t - at(t.points, i - 1).t >= 0.25 - 1e-9 &&
          at(t.points, i).t - at(t.points, i - 1).t <= 0.75 + 1e-9,
      );
  }
  // With a zero tolerance the grids never meet, and the overlap stage cannot link them.
  assert.equal(stitchTracks(windows, FRAME, { timeTolerance: 0, maxGap: 0 }).tracks.length, 6);
});

test('an object gone longer than maxGap gets a new id; turning maxGap up re-identifies it', () => {
  const A: SynthObject = { name: 'A', at: (t) => (t <= 3 || t >= 20 ? { x: 320, y: 180 } : null) };
  const { windows } = cutIntoWindows([A], WIN);
  assert.equal(stitchTracks(windows, FRAME).tracks.length, 2);
  assert.equal(stitchTracks(windows, FRAME, { maxGap: 20 }).tracks.length, 1);
});

test('stitching is order-independent in the input and rejects duplicate windows', () => {
  const A = linear('A', 0, [100, 100], 26, [500, 300]);
  const { windows } = cutIntoWindows([A], WIN);
  assert.deepEqual(stitchTracks([...windows].reverse(), FRAME), stitchTracks(windows, FRAME));
  assert.throws(() => stitchTracks([at(windows, 0), at(windows, 0)], FRAME), { code: 'INVALID_INPUT' });
  assert.throws(() => stitchTracks(windows, { width: 0, height: 10 }), { code: 'INVALID_INPUT' });
});

test('property: one track cut into overlapping windows (with jitter) stitches to one id', () => {
  fc.assert(
    fc.property(
      fc.record({
        x0: fc.integer({ min: 20, max: 620 }),
        y0: fc.integer({ min: 20, max: 340 }),
        x1: fc.integer({ min: 20, max: 620 }),
        y1: fc.integer({ min: 20, max: 340 }),
        length: fc.integer({ min: 4, max: 30 }),
        overlapSteps: fc.integer({ min: 1, max: 6 }),
        duration: fc.integer({ min: 5, max: 80 }),
        jitterSeed: fc.integer(),
      }),
      (r) => {
        const stride = Math.max(0.5, r.length - r.overlapSteps * 0.5);
        const base = linear('A', 0, [r.x0, r.y0], r.duration, [r.x1, r.y1]);
        // Each window sees the object with its own small error (≤ 4 px), as two model runs would.
        const { windows } = cutIntoWindows([base], { duration: r.duration, length: r.length, stride });
        for (const w of windows) {
          for (const tr of w.tracks) {
            tr.points = tr.points.map((p, i) => {
              const h = Math.sin((r.jitterSeed % 1000) + w.index * 31 + i * 7) * 4;
              return { ...p, x: (p.x + h) as typeof p.x, y: (p.y - h) as typeof p.y };
            });
          }
        }
        const set = stitchTracks(windows, FRAME);
        assert.equal(set.tracks.length, 1);
        assert.ok(set.decisions.every((d) => d.globalId === 1));
      },
    ),
    { numRuns: 150 },
  );
});

test('re-identification when an earlier open track of the window starts before the candidate ended (was a TypeError)', () => {
  // A ends at 61 s. In the next window, L1 starts at 60.5 s far away (no overlap match, and too early to be A again);
  // L2 starts at 63 s next to where A was: the re-identification matrix's second column is the match.
  const track = (id: number, pts: number[][]) => ({
    id,
    points: pts.map(([t, x, y]) => ({ t: seconds(t!), x: pixels(x!), y: pixels(y!) })),
  });
  const far = track(1, [
    [60.5, 600, 300],
    [61, 600, 300],
  ]);
  const back = track(2, [
    [63, 102, 100],
    [63.5, 103, 100],
  ]);
  const a = track(7, [
    [60, 100, 100],
    [60.5, 100, 100],
    [61, 100, 100],
  ]);
  const windows = [
    { index: 0, start: seconds(0), end: seconds(63.5), tracks: [a] },
    { index: 1, start: seconds(55.5), end: seconds(119), tracks: [far, back] },
  ];
  const out = stitchTracks(windows, { width: 640, height: 360 });
  const reid = out.decisions.find((d) => d.reason === 'reid');
  assert.deepEqual(reid && [reid.windowA, reid.localA, reid.windowB, reid.localB, reid.globalId], [0, 7, 1, 2, 1]);
  assert.equal(out.tracks.length, 2);
});
