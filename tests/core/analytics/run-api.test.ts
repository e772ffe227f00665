// The count/track surface end to end: the `count` and `track` CLI commands run a real job on the tiny checkpoint (NDJSON
// progress, result with malformed windows reported), and the contract ops through the real dispatcher (responses
// validated against their schemas) over a run seeded with REAL Molmo2 answer strings via the job's store path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCoreContext } from '../../../src-main/core/platform/create-context.js';
import { createDispatcher } from '../../../src-main/core/handlers/index.js';
import { currentLibrary } from '../../../src-main/core/handlers/library.js';
import { finishRun, queueAnalyticsJob, recordWindowAnswer } from '../../../src-main/core/analytics/run-jobs.js';
import { planWindows } from '../../../src-main/core/analytics/run-plan.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { cliFlags, runCli } from '../../helpers/cli.js';
import { requiredSample } from '../../helpers/media-fixtures.js';
import { at } from '../../../src-main/api/at.js';

const SAMPLE = requiredSample('concourse-crowd-720p.avi');

const cli = (...argv: string[]) => runCli(argv);

test('CLI: count and track run in the foreground with NDJSON progress and print the result', async () => {
  const dir = scratchDir('analytics-cli');
  const db = join(dir, 'lib.db');
  assert.equal((await cli('import', SAMPLE, '--library', db, '--json')).code, 0);
  const model = tinyCheckpoint({ seed: 1 });
  const engine = { 'max-new-tokens': 8, model, ep: 'cpu' };
  const c = await cli(
    'count',
    ...cliFlags({ library: db, recording: 1, start: 0, end: 5, window: 3, overlap: 1, 'max-frames': 3, ...engine }),
    '--json',
    'person',
  );
  assert.equal(c.code, 0, c.err);
  const lines = c.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(lines.some((l) => l.event === 'progress' && l.done === 2 && l.total === 2));
  const res = lines[lines.length - 1];
  assert.equal(res.event, 'result');
  assert.equal(res.job.status, 'done');
  assert.equal(res.runs[0].windows.length, 2);
  assert.equal(res.runs[0].count.total, res.runs[0].count.instances.length);
  for (const w of res.runs[0].windows) if (w.status === 'malformed') assert.equal(w.errorCode, 'PARSE_ERROR');

  const t = await cli(
    'track',
    ...cliFlags({ library: db, recording: 1, start: 1, end: 4, window: 2, overlap: 0.5, 'max-frames': 4, ...engine }),
    'person',
  );
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /job #2 done/);
  assert.match(t.out, /run #2 track "person" .* 2\/2 windows/);

  const bad = await cli('count', ...cliFlags({ library: db, recording: 1, model, start: 9, end: 99 }), 'person');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /INVALID_INPUT/);
  const noModel = await cli('track', '--library', db, '--recording', '1', 'person');
  assert.equal(noModel.code, 2);
  assert.match(noModel.err, /MODEL_INVALID/);
});

test('contract ops: queue, runs, result, correct/undo, export — through the dispatcher with response validation', async () => {
  const dir = scratchDir('analytics-api');
  const ctx = createCoreContext({ host: 'cli', env: { ...process.env } });
  const d = createDispatcher(ctx, { validateResponses: true });
  const ok = async (op: string, payload: unknown) => {
    const r = await d.dispatch(op, payload);
    assert.ok(r.ok, `${op}: ${JSON.stringify(!r.ok && r.error)}`);
    return r.value as never;
  };
  await ok('library.open', { path: join(dir, 'lib.db') });
  await ok('library.import', { paths: [SAMPLE] });
  const q = (await ok('analytics.queue', {
    kind: 'count',
    query: 'person',
    scope: { recordingId: 1 },
    settings: { windowLength: 6, overlap: 2, maxFrames: 4 },
  })) as { job: { id: number; total: number }; runs: { id: number }[] };
  assert.equal(q.job.total, 3);
  const runs = (
    (await ok('analytics.runs', { kind: 'count' })) as { runs: { id: number; status: string; jobStatus: string }[] }
  ).runs;
  assert.deepEqual(
    runs.map((r) => [r.id, r.status, r.jobStatus]),
    [[at(q.runs, 0).id, 'queued', 'queued']],
  );
  const pending = (await ok('analytics.result', { runId: at(q.runs, 0).id })) as { count: unknown; windows: unknown[] };
  assert.equal(pending.count, null);

  // A track run seeded with real Molmo2 tracking answers through the store path the job uses.
  const lib = currentLibrary(ctx);
  const ts = { windowLength: 4, overlap: 1, maxFrames: 8 };
  const run = at(
    queueAnalyticsJob(lib, 'track', { query: 'person', scope: { recordingId: 1, start: 0, end: 7 }, settings: ts })
      .runs,
    0,
  );
  const plan = planWindows('track', { start: 0, end: 7 }, 25, ts);
  recordWindowAnswer(
    lib,
    run.id,
    at(plan, 0),
    '<tracks coords="0.0 1 100 500 2 800 500;1.5 1 110 500 2 790 500;3.0 1 120 500">person</tracks>',
  );
  // What the tiny checkpoint really answered on this sample: token soup, recorded as malformed.
  recordWindowAnswer(lib, run.id, at(plan, 1), 'ہ rains Gästeہ rains Gäste nob瞬间严重的HEET');
  finishRun(lib, run.id);
  const r = (await ok('analytics.result', { runId: run.id })) as {
    tracks: { tracks: { id: number }[]; decisions: unknown[] };
    windows: { status: string; answer: string }[];
  };
  assert.equal(r.tracks.tracks.length, 2);
  assert.deepEqual(
    r.windows.map((w) => w.status),
    ['ok', 'malformed'],
  );
  assert.equal(at(r.windows, 1).answer, 'ہ rains Gästeہ rains Gäste nob瞬间严重的HEET', 'kept verbatim');
  const [a, b] = r.tracks.tracks.map((t) => t.id);
  const m = (await ok('analytics.correct', { runId: run.id, edit: { kind: 'merge', keepId: a, mergeId: b } })) as {
    correction: { id: number };
    tracks: { tracks: unknown[] };
  };
  assert.equal(m.tracks.tracks.length, 1);
  const s = (await ok('analytics.correct', { runId: run.id, edit: { kind: 'split', trackId: a, at: 1.5 } })) as {
    tracks: { tracks: unknown[] };
  };
  assert.equal(s.tracks.tracks.length, 2);
  const u = (await ok('analytics.undo', { runId: run.id, correctionId: m.correction.id })) as {
    tracks: { tracks: unknown[]; skipped: unknown[] };
  };
  assert.ok(u.tracks.skipped.length <= 1);
  const out = join(dir, 'tracks.csv');
  const e = (await ok('analytics.export', { runId: run.id, format: 'csv', path: out })) as { rows: number };
  assert.ok(existsSync(out) && e.rows > 0);
  assert.match(readFileSync(out, 'utf8'), /^track_id,/);

  const err = async (op: string, payload: unknown, code: string) => {
    const x = await d.dispatch(op, payload);
    assert.ok(!x.ok && x.error.code === code, `${op} → ${JSON.stringify(x)}`);
  };
  await err('analytics.result', { runId: 999 }, 'NOT_FOUND');
  await err('analytics.correct', { runId: at(q.runs, 0).id, edit: { kind: 'delete', trackId: 1 } }, 'INVALID_INPUT');
  await err('analytics.correct', { runId: run.id, edit: { kind: 'recolour', trackId: 1 } }, 'INVALID_INPUT');
  await err('analytics.export', { runId: run.id, format: 'csv', path: 'relative.csv' }, 'INVALID_INPUT');
  await err('analytics.export', { runId: at(q.runs, 0).id, format: 'csv', path: join(dir, 'x.csv') }, 'JOB_CONFLICT');
  await err('analytics.queue', { kind: 'track', query: 'x', scope: { folder: '/nowhere' } }, 'NOT_FOUND');
  lib.close();
});
