// Adapter tests: real Molmo2 answer strings (reference §7.2 forms) through the real grammar parser into a count and
// a track job (answers replayed per window, as the engine would return them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { molmoPointParser, molmoTrackParser } from '../../../src-main/core/analytics/answer-adapters.js';
import { runCountJob, runTrackJob } from '../../../src-main/core/analytics/count-track-loop.js';
import type { AnalyticsWindow } from '../../../src-main/core/analytics/types.js';
import { at } from '../../../src-main/api/at.js';
import { MapStore, overlappingWindows } from './loop-fixtures.js';

const FRAME = { width: 640, height: 480 };
const windows = overlappingWindows();
const replay = (answers: string[]) => ({ ask: async (w: AnalyticsWindow) => at(answers, w.index, 'recorded answer') });

test('count job over Molmo2 answers: window-relative times shifted, overlap de-duplicated, garbage reported', async () => {
  const answers = [
    // Window 0 [0,10]: a penguin at 9.0 s (in the overlap with window 1) and one at 2.0 s.
    'Counting the <points coords="2.0 1 100 100;9.0 2 500 500">penguin</points> shows a total of 2.',
    // Window 1 [8,18]: the same penguin at its 1.0 s (= 9.0 s), plus a new one at 6.0 s (= 14 s).
    'Counting the <points coords="1.0 1 502 499;6.0 2 900 900">penguin</points> shows a total of 2.',
    'I am not sure what you mean.',
  ];
  const r = await runCountJob(
    { query: 'penguin', windows, frame: FRAME },
    { runner: replay(answers), parse: molmoPointParser(), store: new MapStore() },
    new AbortController().signal,
  );
  assert.deepEqual(
    r.windows.map((w) => w.status),
    ['ok', 'ok', 'malformed'],
  );
  assert.equal(at(r.windows, 2).error?.code, 'PARSE_ERROR');
  assert.equal(r.result.total, 3);
  assert.deepEqual(
    r.result.instances.map((i) => at(i.evidence, 0).t),
    [2, 9, 14],
  );
  assert.deepEqual(
    at(r.result.instances, 1).evidence.map((e) => e.window),
    [0, 1],
  );
  assert.deepEqual(
    [at(at(r.result.instances, 1).evidence, 0).mx, at(at(r.result.instances, 1).evidence, 0).my],
    [500, 500],
  );
});

test('"There are none." is an empty window, not a malformed one; tracks stitch across windows', async () => {
  const none = await molmoPointParser()('There are none.', at(windows, 0), FRAME);
  assert.deepEqual(none, { points: [], statedCount: 0 });
  const answers = [
    '<tracks coords="8.0 1 300 500;9.0 1 310 500;10.0 1 320 500">person</tracks>',
    '<tracks coords="0.0 1 300 500;1.0 1 310 500;2.0 1 320 500;5.0 1 350 500">person</tracks>',
    'No tracks available.',
  ];
  const r = await runTrackJob(
    { query: 'person', windows, frame: FRAME },
    { runner: replay(answers), parse: molmoTrackParser(), store: new MapStore() },
    new AbortController().signal,
  );
  assert.deepEqual(
    r.windows.map((w) => w.status),
    ['ok', 'ok', 'ok'],
  );
  assert.equal(r.set.tracks.length, 1);
  assert.deepEqual(
    at(r.set.tracks, 0).points.map((p) => p.t),
    [8, 9, 10, 13],
  );
  assert.throws(() => molmoTrackParser()('<tracks coords="garbage">x</tracks>', at(windows, 0), FRAME), {
    code: 'PARSE_ERROR',
  });
});
