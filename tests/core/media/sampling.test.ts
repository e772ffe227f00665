// Molmo2's sampling rule (reference §3.1) and the windows built on it: exact values, edge cases, properties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { candidateTargetFps, sampleTimes } from '../../../src-main/core/media/sampling.js';
import { DEFAULT_WINDOW_LENGTH, windowAt, windowCount, windowsFor } from '../../../src-main/core/media/windows.js';
import { AppError } from '../../../src-main/api/errors.js';

const grid = (n: number, step: number) => Array.from({ length: n }, (_, i) => i * step);

test('uniform_last_frame: 10 s gives 0, 0.5, …, 10.0 (21 frames, last frame forced)', () => {
  assert.deepEqual(sampleTimes(10), grid(21, 0.5));
});

test('uniform_last_frame: the end is appended even when close to the last grid point', () => {
  assert.deepEqual(sampleTimes(10.1), [...grid(21, 0.5), 10.1]);
  assert.deepEqual(sampleTimes(0), [0]);
  assert.deepEqual(sampleTimes(0.3), [0, 0.3]);
});

test('63.5 s is the longest clip on the 0.5 s grid with 128 frames; 63.9 s and 64 s switch to linspace', () => {
  assert.deepEqual(sampleTimes(63.5), grid(128, 0.5));
  for (const d of [63.9, 64, 600]) {
    const t = sampleTimes(d);
    assert.equal(t.length, 128);
    assert.equal(t[0], 0);
    assert.equal(t[127], d);
    // numpy.linspace: i * (d / 127), last set to d exactly
    for (let i = 0; i < 127; i++) assert.equal(t[i], i * (d / 127));
  }
});

test('maxFrames is a parameter (released config: 384 frames → grid up to 191.5 s)', () => {
  assert.deepEqual(sampleTimes(191.5, { maxFrames: 384 }), grid(384, 0.5));
  assert.equal(sampleTimes(191.6, { maxFrames: 384 }).length, 384);
  assert.deepEqual(sampleTimes(3, { maxFps: 1 }), [0, 1, 2, 3]);
  assert.deepEqual(sampleTimes(5, { maxFps: null, maxFrames: 3 }), [0, 2.5, 5]);
  assert.deepEqual(sampleTimes(5, { maxFrames: 1 }), [0]);
});

test('fps mode: candidate rates and the highest rate that still spans the video', () => {
  assert.deepEqual(candidateTargetFps(6, 2), [2, 6]);
  assert.deepEqual(candidateTargetFps(5, 1), [1, 5]);
  assert.deepEqual(candidateTargetFps(2, 2), [2]);
  assert.deepEqual(candidateTargetFps(30, 2), [2, 6]);
  assert.deepEqual(candidateTargetFps(24, 2), [2, 4, 6, 8]);
  assert.deepEqual(candidateTargetFps(29.97, 1), [1]); // int(29.97) = 29, prime
  assert.throws(
    () => candidateTargetFps(25, 2),
    (e: unknown) => e instanceof AppError && e.code === 'INVALID_INPUT',
  );
  // 30 fps, 10 s: 128/6 ≥ 10 so 6 fps; times k/6 < 10, no forced last frame.
  assert.deepEqual(
    sampleTimes(10, { mode: 'fps', videoFps: 30 }),
    grid(60, 1).map((k) => k / 6),
  );
  // 30 fps, 30 s: 128/6 < 30 so 2 fps, capped at 128 frames → k/2 < 30 → 60 frames.
  assert.deepEqual(
    sampleTimes(30, { mode: 'fps', videoFps: 30 }),
    grid(60, 1).map((k) => k / 2),
  );
  assert.equal(sampleTimes(100, { mode: 'fps', videoFps: 30 }).length, 128);
});

test('bad sampling inputs are INVALID_INPUT', () => {
  for (const f of [
    () => sampleTimes(-1),
    () => sampleTimes(NaN),
    () => sampleTimes(1, { maxFrames: 0 }),
    () => sampleTimes(1, { mode: 'fps' }),
  ])
    assert.throws(f, (e: unknown) => e instanceof AppError && e.code === 'INVALID_INPUT');
});

test('property: times are ascending from 0 to the duration, at most maxFrames of them', () => {
  fc.assert(
    fc.property(fc.double({ min: 0, max: 20000, noNaN: true }), fc.integer({ min: 2, max: 512 }), (d, n) => {
      const t = sampleTimes(d, { maxFrames: n });
      assert.ok(t.length >= 1 && t.length <= n);
      assert.equal(t[0], 0);
      assert.equal(t[t.length - 1], d);
      for (let i = 1; i < t.length; i++) assert.ok(t[i]! >= t[i - 1]!);
    }),
  );
});

test('windows: default 63.5 s / 8 s overlap; each window sampled by the rule relative to its start', () => {
  assert.equal(DEFAULT_WINDOW_LENGTH, 63.5);
  const ws = windowsFor(200);
  assert.deepEqual(
    ws.map((w) => [w.start, w.end]),
    [
      [0, 63.5],
      [55.5, 119],
      [111, 174.5],
      [166.5, 200],
    ],
  );
  for (const w of ws)
    assert.deepEqual(
      w.times,
      sampleTimes(w.end - w.start).map((t) => w.start + t),
    );
  assert.equal(ws[0]!.times.length, 128);
  // Overlapping windows sample the very same instants (stride is a multiple of 0.5 s).
  const shared0 = ws[0]!.times.filter((t) => t >= 55.5);
  const shared1 = ws[1]!.times.filter((t) => t <= 63.5);
  assert.deepEqual(shared0, shared1);
  assert.deepEqual(
    windowsFor(30).map((w) => [w.start, w.end]),
    [[0, 30]],
  );
});

test('windows: windowAt(i) equals windowsFor()[i]; out of range is INVALID_INPUT', () => {
  const opts = { length: 20, overlap: 5 };
  const ws = windowsFor(333.3, opts);
  assert.equal(ws.length, windowCount(333.3, opts));
  ws.forEach((w, i) => assert.deepEqual(windowAt(333.3, i, opts), w));
  assert.throws(
    () => windowAt(333.3, ws.length, opts),
    (e: unknown) => e instanceof AppError && e.code === 'INVALID_INPUT',
  );
  assert.throws(
    () => windowsFor(10, { length: 5, overlap: 5 }),
    (e: unknown) => e instanceof AppError && e.code === 'INVALID_INPUT',
  );
});

test('property: every event no longer than the overlap lies wholly inside some window; windows cover the recording', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 1, max: 5000, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (dur, a01, d01) => {
        const ws = windowsFor(dur);
        const d = Math.min(8, dur) * d01;
        const a = (dur - d) * a01;
        assert.ok(
          ws.some((w) => w.start <= a && a + d <= w.end),
          `event ${a}+${d} not inside one window`,
        );
        assert.equal(ws[0]!.start, 0);
        assert.equal(ws[ws.length - 1]!.end, dur);
        for (const w of ws) assert.ok(w.end - w.start <= 63.5 + 1e-9 && w.times.length <= 128);
      },
    ),
  );
});
