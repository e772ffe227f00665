// Window planning of count/track runs: ranges shift windows and their sample times; tracking uses Molmo2's fps rule
// (a higher rate for short windows), the 2 fps grid for videos the rule refuses (25 fps), and refuses windows it
// could not cover with the frame budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planWindows, trackTimes } from '../../../src-main/core/analytics/run-plan.js';
import { at } from '../../../src-main/api/at.js';

test('tracking times: fps rule for 30 fps (6 fps on a 10 s window, 2 fps on 63.5 s), k/2 grid for 25 fps', () => {
  const a = trackTimes(10, 30, 128);
  assert.equal(a.fps, 6);
  assert.equal(a.times.length, 60);
  assert.ok(Math.abs(at(a.times, 59) - 59 / 6) < 1e-12);
  const b = trackTimes(63.5, 30, 128);
  assert.equal(b.fps, 2);
  assert.equal(b.times.length, 127); // 0 … 63.0; no forced last frame in fps mode
  const c = trackTimes(10, 25, 128);
  assert.equal(c.fps, 2);
  assert.deepEqual(c.times.slice(0, 3), [0, 0.5, 1]);
  assert.equal(c.times.length, 20);
});

test('planned windows: a range shifts windows and times; counting keeps the uniform_last_frame end frame', () => {
  const w = planWindows('count', { start: 10, end: 30 }, 25, { windowLength: 8, overlap: 2, maxFrames: 17 });
  assert.deepEqual(
    w.map((x) => [x.start, x.end]),
    [
      [10, 18],
      [16, 24],
      [22, 30],
    ],
  );
  assert.equal(at(w, 0).times[0], 10);
  assert.equal(at(w, 0).times[at(w, 0).times.length - 1], 18);
  const t = planWindows('track', { start: 2, end: 6 }, 30, { windowLength: 2, overlap: 0.5, maxFrames: 64 });
  // 30 fps: candidates are 2 and 6 (multiples of 2 dividing 30, ≤ 8); 64 frames at 6 fps cover a 2 s window.
  assert.deepEqual(
    t.map((x) => x.fps),
    [6, 6, 6],
  );
  assert.deepEqual(at(t, 1).times.slice(0, 2), [3.5, 3.5 + 1 / 6]);
});

test('refusals: an empty range, a track window the frame budget cannot cover, bad settings', () => {
  assert.throws(() => planWindows('count', { start: 5, end: 5 }, 25, {}), { code: 'INVALID_INPUT' });
  assert.throws(() => planWindows('track', { start: 0, end: 100 }, 30, { windowLength: 70 }), {
    code: 'INVALID_INPUT',
  });
  assert.throws(() => planWindows('count', { start: 0, end: 10 }, 25, { overlap: 70 }), { code: 'INVALID_INPUT' });
  assert.throws(() => planWindows('count', { start: 0, end: 10 }, 25, { maxFrames: 0 }), { code: 'INVALID_INPUT' });
});
