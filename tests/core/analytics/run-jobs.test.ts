// End to end on the CPU provider with the generated tiny checkpoint: count and track jobs over the shared sample,
// each window's answer stored verbatim (random weights answer gibberish → recorded as malformed, never fatal), results
// stored and exported; then REAL Molmo2 answer strings through the same store path for the well-formed case.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { seconds } from '../../../src-main/api/units.js';
import { createCoreContext } from '../../../src-main/core/platform/create-context.js';
import { configureModel, closeModel } from '../../../src-main/core/molmo2/model-host.js';
import { openLibrary, type Library } from '../../../src-main/core/library/store.js';
import { importPaths } from '../../../src-main/core/library/import.js';
import { testMediaSource } from '../../helpers/media-source.js';
import { getJob, resumeJob, runJob } from '../../../src-main/core/library/jobs.js';
import {
  analyticsExecutor,
  finishRun,
  queueAnalyticsJob,
  recordWindowAnswer,
} from '../../../src-main/core/analytics/run-jobs.js';
import { planWindows } from '../../../src-main/core/analytics/run-plan.js';
import { getRun } from '../../../src-main/core/analytics/run-store.js';
import { loadCountResult } from '../../../src-main/core/analytics/count-results-store.js';
import { storedWindows } from '../../../src-main/core/analytics/run-windows-store.js';
import { addCorrection, correctedTracks, undoCorrection } from '../../../src-main/core/analytics/run-corrections.js';
import { exportRun } from '../../../src-main/core/analytics/run-export.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { requiredSample } from '../../helpers/media-fixtures.js';
import { at } from '../../../src-main/api/at.js';

const SAMPLE = requiredSample('concourse-crowd-720p.avi');
const ctx = createCoreContext({ host: 'cli', env: { ...process.env } });
let lib: Library;
let recId: number;
let dir: string;
const executors = { count: analyticsExecutor(ctx, 'count'), track: analyticsExecutor(ctx, 'track') };
// Few frames and tokens per window keep a CPU run short; the path is the one real weights take.
const FAST = { maxFrames: 4, maxNewTokens: 12 };

before(async () => {
  dir = scratchDir('analytics-e2e');
  lib = openLibrary(join(dir, 'lib.db'), { create: true });
  const rep = await importPaths(lib, [SAMPLE], { media: testMediaSource(), signal: new AbortController().signal });
  recId = at(rep.results, 0).recordingId!;
  await configureModel(ctx, tinyCheckpoint({ seed: 1 }), 'cpu');
});

after(async () => {
  await closeModel(ctx);
  lib.close();
});

test('count job over the sample: every window stored with its answer; malformed answers recorded, job done; exports', async () => {
  const { job, runs } = queueAnalyticsJob(lib, 'count', {
    query: 'person',
    scope: { recordingId: recId },
    settings: { windowLength: 6, overlap: 2, ...FAST },
  });
  assert.equal(runs.length, 1);
  assert.equal(job.total, 3); // 13.8 s in 6 s windows with 2 s overlap: 0–6, 4–10, 8–13.8
  const events: number[] = [];
  const final = await runJob(lib, job.id, executors, {
    emit: (n, p) => {
      if (n === 'job.progress') events.push((p as { done: number }).done);
    },
  });
  assert.equal(final.status, 'done', final.errorMessage ?? '');
  assert.equal(final.done, 3);
  assert.ok(events.includes(3));
  const run = getRun(lib, at(runs, 0).id);
  assert.equal(run.status, 'done');
  assert.match(run.modelId ?? '', /tiny/);
  const ws = storedWindows(lib, run.id);
  assert.deepEqual(
    ws.map((w) => w.index),
    [0, 1, 2],
  );
  for (const w of ws) {
    assert.notEqual(w.status, 'failed', w.errorMessage ?? '');
    assert.ok(w.answer && w.answer.length > 0, 'answer kept verbatim');
    assert.equal(w.sampleTimes.length, 4);
    assert.ok(w.tokens! > 0 && w.timings!.generate! >= 0);
    if (w.status === 'malformed') assert.equal(w.errorCode, 'PARSE_ERROR');
  }
  assert.ok(
    ws.some((w) => w.status === 'malformed'),
    'random weights give at least one malformed answer',
  );
  const result = loadCountResult(lib, run.id);
  assert.equal(result.total, result.instances.length);
  const out = join(dir, 'count.json');
  exportRun(lib, run.id, 'json', out);
  const doc = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(doc.format, 'molmoscope.count');
  assert.equal(doc.query, 'person');
  assert.throws(() => exportRun(lib, run.id, 'mot', join(dir, 'c.mot')), { code: 'INVALID_INPUT' });
});

test('track job over a time range: fps rule (25 fps → 2 fps grid), interrupted after one window and resumed without redoing it', async () => {
  const { job, runs } = queueAnalyticsJob(lib, 'track', {
    query: 'person',
    scope: { recordingId: recId, start: 2, end: 6 },
    settings: { windowLength: 2, overlap: 0.5, ...FAST },
  });
  assert.equal(job.total, 3); // 2–4, 3.5–5.5, 5–6
  const ac = new AbortController();
  const first = await runJob(lib, job.id, executors, {
    signal: ac.signal,
    emit: (n, p) => {
      if (n === 'job.progress' && (p as { done: number }).done >= 1) ac.abort();
    },
  });
  assert.equal(first.status, 'paused');
  const w0 = storedWindows(lib, at(runs, 0).id);
  assert.equal(w0.length, 1);
  assert.deepEqual(at(w0, 0).sampleTimes, [2, 2.5, 3, 3.5]);
  resumeJob(lib, job.id);
  const final = await runJob(lib, job.id, executors);
  assert.equal(final.status, 'done', final.errorMessage ?? '');
  const ws = storedWindows(lib, at(runs, 0).id);
  assert.deepEqual(
    ws.map((w) => w.index),
    [0, 1, 2],
  );
  assert.equal(at(ws, 0).answer, at(w0, 0).answer, 'the first window was not asked again');
  assert.equal(getJob(lib, job.id).done, 3);
  const run = getRun(lib, at(runs, 0).id);
  assert.equal(run.status, 'done');
  for (const f of ['csv', 'json', 'mot'] as const) exportRun(lib, run.id, f, join(dir, `tracks.${f}`));
  exportRun(lib, run.id, 'case', join(dir, 'case'));
  assert.ok(existsSync(join(dir, 'case', 'tracks.json')) && existsSync(join(dir, 'tracks.mot')));
});

test('bad scopes are refused before anything is written', () => {
  const before = lib.db.prepare('SELECT count(*) FROM jobs').pluck().get();
  assert.throws(() => queueAnalyticsJob(lib, 'count', { query: ' ', scope: { recordingId: recId } }), {
    code: 'INVALID_INPUT',
  });
  assert.throws(() => queueAnalyticsJob(lib, 'count', { query: 'x', scope: { recordingId: 999 } }), {
    code: 'NOT_FOUND',
  });
  assert.throws(
    () => queueAnalyticsJob(lib, 'count', { query: 'x', scope: { recordingId: recId, start: 5, end: 99 } }),
    { code: 'INVALID_INPUT' },
  );
  assert.throws(() => queueAnalyticsJob(lib, 'count', { query: 'x', scope: { folder: '/nowhere' } }), {
    code: 'NOT_FOUND',
  });
  assert.throws(
    () =>
      queueAnalyticsJob(lib, 'track', {
        query: 'x',
        scope: { recordingId: recId },
        settings: { windowLength: 10, maxFrames: 4 },
      }),
    { code: 'INVALID_INPUT' },
  );
  assert.equal(lib.db.prepare('SELECT count(*) FROM jobs').pluck().get(), before);
  // A folder scope takes every ready recording under it (here the one sample), one run each.
  const f = queueAnalyticsJob(lib, 'count', { query: 'x', scope: { folder: `${dirname(SAMPLE)}/` } });
  assert.deepEqual(
    f.runs.map((r) => r.recordingId),
    [recId],
  );
  assert.equal(f.job.total, 1);
  assert.throws(() => queueAnalyticsJob(lib, 'count', { query: 'x', scope: { folder: dirname(SAMPLE), start: 1 } }), {
    code: 'INVALID_INPUT',
  });
});

test('real Molmo2 answers through the store path: count de-duplicated across the overlap, tracks stitched, corrections replayed', () => {
  // Two windows 0–6 and 4–10 (1280×720); the same person is pointed at 4.5 s (window-relative 4.5 and 0.5) in both.
  const settings = { windowLength: 6, overlap: 2, maxFrames: 13 };
  const { runs } = queueAnalyticsJob(lib, 'count', {
    query: 'person',
    scope: { recordingId: recId, start: 0, end: 10 },
    settings,
  });
  const plan = planWindows('count', { start: 0, end: 10 }, 25, settings);
  const countAnswer = (i: number, answer: string) => recordWindowAnswer(lib, at(runs, 0).id, at(plan, i), answer);
  assert.equal(
    countAnswer(0, 'Counting the <points coords="1.0 1 100 500;4.5 2 500 500">person</points> shows a total of 2.'),
    'ok',
  );
  assert.equal(
    countAnswer(1, 'Counting the <points coords="0.5 1 502 501;3.0 2 900 200">person</points> shows a total of 2.'),
    'ok',
  );
  finishRun(lib, at(runs, 0).id);
  const c = loadCountResult(lib, at(runs, 0).id);
  assert.equal(c.total, 3); // 2 + 2 − 1 matched in the overlap
  assert.deepEqual(
    c.perWindow.map((w) => w.count),
    [2, 2],
  );
  assert.equal(c.matches.length, 1);
  assert.deepEqual([at(c.matches, 0).windowA, at(c.matches, 0).windowB], [0, 1]);
  const shared = c.instances.find((i) => i.evidence.length === 2)!;
  assert.equal(at(shared.evidence, 0).t, 4.5);
  assert.equal(at(shared.evidence, 0).x, 640);

  const ts = { windowLength: 4, overlap: 1, maxFrames: 8 };
  const tr = at(
    queueAnalyticsJob(lib, 'track', { query: 'person', scope: { recordingId: recId, start: 0, end: 7 }, settings: ts })
      .runs,
    0,
  );
  const tp = planWindows('track', { start: 0, end: 7 }, 25, ts);
  const trackAnswer = (i: number, answer: string) => recordWindowAnswer(lib, tr.id, at(tp, i), answer);
  const window1 = '<tracks coords="0.0 1 094 500;0.5 1 097 500;1.0 1 100 500;2.0 2 500 100">person</tracks>';
  assert.equal(
    trackAnswer(
      0,
      '<tracks coords="0.0 1 100 500 2 800 500;1.5 1 110 500 2 790 500;3.0 1 120 500 2 780 500;3.5 1 125 500">person</tracks>',
    ),
    'ok',
  );
  assert.equal(trackAnswer(1, window1), 'ok');
  assert.equal(trackAnswer(1, 'ہ rains Gäste nob'), 'malformed'); // a retry answer replaces the row
  assert.equal(trackAnswer(1, window1), 'ok');
  finishRun(lib, tr.id);
  const set = correctedTracks(lib, tr.id).set;
  // Window 1's object 1 (at 3.0/3.5 s ≈ x 120/125 → 1280·0.094..) continues window 0's object 1; its object 2 is new.
  assert.equal(set.tracks.length, 3);
  const t1 = set.tracks.find((t) => t.points.some((p) => p.window === 0 && p.localId === 1))!;
  assert.ok(
    t1.points.some((p) => p.window === 1 && p.localId === 1),
    'stitched across the overlap',
  );
  assert.ok(set.decisions.some((d) => d.reason === 'overlap' && d.windowB === 1 && d.localB === 1));
  const others = set.tracks.filter((t) => t !== t1).map((t) => t.id);
  const merge = addCorrection(lib, tr.id, { kind: 'merge', keepId: at(others, 0), mergeId: at(others, 1) });
  assert.equal(correctedTracks(lib, tr.id).set.tracks.length, 2);
  addCorrection(lib, tr.id, { kind: 'rename', trackId: t1.id, label: 'walker' });
  assert.throws(() => addCorrection(lib, tr.id, { kind: 'delete', trackId: 999 }), { code: 'NOT_FOUND' });
  assert.equal(
    lib.db.prepare('SELECT count(*) FROM corrections WHERE run_id = ?').pluck().get(tr.id),
    2,
    'a refused edit leaves no row',
  );
  undoCorrection(lib, tr.id, merge.id);
  const back = correctedTracks(lib, tr.id);
  assert.equal(back.set.tracks.length, 3);
  assert.equal(back.set.tracks.find((t) => t.id === t1.id)!.label, 'walker');
  // The model's output rows are untouched by edits.
  assert.equal(lib.db.prepare('SELECT count(*) FROM analytics_tracks WHERE run_id = ?').pluck().get(tr.id), 3);
  assert.equal(seconds(at(tp, 1).start), 3);
});
