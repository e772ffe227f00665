// The run's sample grid as the core and the renderer both read it: the nearest sampled frame among the answered
// windows that cover a time, none outside them or where only a malformed or failed window covers it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nearestSampleTime } from '../../src-main/api/sample-grid.js';

const windows = [
  { start: 0, end: 2, sampleTimes: [0, 1, 2], status: 'ok' },
  { start: 1.5, end: 3.5, sampleTimes: [1.5, 2.5, 3.5], status: 'ok' },
  { start: 3, end: 5, sampleTimes: [3, 4, 5], status: 'failed' },
];

test('nearestSampleTime: nearest frame of the covering answered windows; null outside them', () => {
  assert.equal(nearestSampleTime(windows, 0.4), 0);
  assert.equal(nearestSampleTime(windows, 1.3), 1); // only the first covers 1.3 (the second's 1.5 is nearer)
  assert.equal(nearestSampleTime(windows, 1.7), 1.5); // both cover 1.7: the second's 1.5 beats the first's 2
  assert.equal(nearestSampleTime(windows, 3.4), 3.5);
  assert.equal(nearestSampleTime(windows, 4), null); // only the failed window covers it
  assert.equal(nearestSampleTime(windows, -0.1), null);
  assert.equal(nearestSampleTime(windows, Number.NaN), null);
  assert.equal(nearestSampleTime([], 1), null);
});
