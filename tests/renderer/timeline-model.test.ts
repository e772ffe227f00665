// The Track page's timeline model: spans split at gaps (the documented rule), binary searches by time, and the
// nearest-sample lookup the video overlay uses; checked against hand-worked small tracks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildModel,
  gapThreshold,
  lowerBound,
  pointAt,
  pointRange,
  visibleSpans,
} from '../../src-renderer/src/components/timeline/timeline-model.js';
import { at } from '../../src-main/api/at.js';

test('spans: a track sampled at 2 fps that is absent 3–10 s has two spans; unsorted input is sorted', () => {
  const pts = [0, 0.5, 1, 1.5, 2, 2.5, 10, 10.5, 11].map((t, i) => ({ t, x: i, y: 2 * i })).reverse();
  const m = buildModel([
    { id: 4, label: 'b', points: pts },
    { id: 2, label: 'a', points: [{ t: 5, x: 1, y: 1 }] },
  ]);
  assert.deepEqual(
    m.lanes.map((l) => l.id),
    [2, 4],
  );
  assert.equal(m.gap, 1.25); // 2.5 × median 0.5 s
  assert.deepEqual([...at(m.lanes, 1).spans], [0, 2.5, 10, 11]);
  assert.deepEqual([...at(m.lanes, 0).spans], [5, 5]);
  assert.deepEqual([m.start, m.end], [0, 11]);
  assert.deepEqual(visibleSpans(at(m.lanes, 1), 3, 9), [1, 1]); // only the gap is in view
  assert.deepEqual(visibleSpans(at(m.lanes, 1), 2, 10), [0, 2]);
  assert.deepEqual(visibleSpans(at(m.lanes, 1), 10.2, 30), [1, 2]);
});

test('lookups: lowerBound, pointRange, pointAt with tolerance', () => {
  assert.equal(lowerBound([1, 2, 2, 3], 2), 1);
  assert.equal(lowerBound([1, 2, 3], 9), 3);
  const m = buildModel([{ id: 1, label: 'p', points: [0, 0.5, 1, 5].map((t) => ({ t, x: 10 * t, y: 0 })) }]);
  const l = at(m.lanes, 0);
  assert.deepEqual(pointRange(l, 0.5, 1), [1, 3]);
  assert.equal(pointAt(l, 0.7, 0.3)!.x, 5); // nearest is 0.5
  assert.equal(pointAt(l, 0.8, 0.3)!.x, 10); // nearest is 1.0
  assert.equal(pointAt(l, 3, 0.3), null); // in the gap: not visible
  assert.equal(gapThreshold([{ t: [0, 4] }]), 10);
  assert.equal(gapThreshold([]), 1);
});
