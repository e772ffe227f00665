// Job orchestration tests: per-window checkpoints, resume, malformed answers recorded (not fatal), cancellation.
// The runner replays recorded answer texts and the parser reads them as JSON: stand-ins until the engine and the
// Molmo2 output parser are wired in by the host (the end-to-end run with the real engine lives with that integration).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../../src-main/api/errors.js';
import { seconds } from '../../../src-main/api/units.js';
import { runCountJob, runTrackJob, type WindowRunner } from '../../../src-main/core/analytics/count-track-loop.js';
import type { AnalyticsWindow, LocalTrack, WindowPoint } from '../../../src-main/core/analytics/types.js';
import { at } from '../../../src-main/api/at.js';
import { MapStore, overlappingWindows } from './loop-fixtures.js';

const FRAME = { width: 640, height: 360 };
const windows = overlappingWindows();

class RecordedRunner implements WindowRunner {
  calls: { window: number; prompt: string }[] = [];
  constructor(private answers: Record<number, string | Error>) {}
  async ask(w: AnalyticsWindow, prompt: string) {
    this.calls.push({ window: w.index, prompt });
    const a = this.answers[w.index];
    if (a instanceof Error) throw a;
    if (a === undefined) throw new Error(`no recorded answer for window ${w.index}`);
    return a;
  }
}

const parsePoints = (text: string) => {
  try {
    return { points: JSON.parse(text) as WindowPoint[] };
  } catch {
    throw new AppError('PARSE_ERROR', 'not a points answer');
  }
};

test('count job: malformed answer recorded and skipped, engine failure retried on resume, overlap de-duplicated', async () => {
  const answers: Record<number, string | Error> = {
    0: JSON.stringify([{ localId: 1, t: 9, x: 300, y: 200 }]),
    1: JSON.stringify([
      { localId: 1, t: 9, x: 302, y: 201 },
      { localId: 2, t: 12, x: 50, y: 50 },
    ]),
    2: new AppError('ENGINE_FAILED', 'boom'),
  };
  const store = new MapStore<{ points: WindowPoint[] }>();
  const progress: string[] = [];
  const r1 = await runCountJob(
    { query: 'cars', windows, frame: FRAME },
    {
      runner: new RecordedRunner(answers),
      parse: parsePoints,
      store,
      onProgress: (p) => progress.push(`${p.done}/${p.total}:${p.status}`),
    },
    new AbortController().signal,
  );
  assert.deepEqual(
    r1.windows.map((w) => w.status),
    ['ok', 'ok', 'failed'],
  );
  assert.equal(at(r1.windows, 2).error?.code, 'ENGINE_FAILED');
  assert.equal(r1.result.total, 2);
  assert.deepEqual(progress, ['1/3:ok', '2/3:ok', '3/3:failed']);

  // Resume: windows 0 and 1 come from the store; window 2 is asked again and now answers garbage → malformed.
  const runner = new RecordedRunner({ ...answers, 2: 'There are <points coords=' });
  const r2 = await runCountJob(
    { query: 'cars', windows, frame: FRAME },
    { runner, parse: parsePoints, store },
    new AbortController().signal,
  );
  assert.deepEqual(runner.calls, [{ window: 2, prompt: 'How many "cars" are there in the video?' }]);
  assert.deepEqual(
    r2.windows.map((w) => w.status),
    ['ok', 'ok', 'malformed'],
  );
  assert.equal(at(r2.windows, 2).answer, 'There are <points coords=');
  assert.equal(at(r2.windows, 2).error?.code, 'PARSE_ERROR');
  assert.equal(r2.result.total, 2);
});

test('track job stitches windows; cancellation stops between windows with CANCELLED', async () => {
  const track = (id: number, pts: [number, number, number][]): LocalTrack => ({
    id,
    points: pts.map(([t, x, y]) => ({ t: seconds(t), x: x as never, y: y as never })),
  });
  const answers = {
    0: JSON.stringify([
      track(1, [
        [0, 100, 100],
        [8, 180, 100],
        [9, 190, 100],
        [10, 200, 100],
      ]),
    ]),
    1: JSON.stringify([
      track(1, [
        [8, 181, 100],
        [9, 190, 101],
        [10, 200, 100],
        [16, 260, 100],
      ]),
    ]),
    2: JSON.stringify([]),
  };
  const parseTracks = (text: string) => JSON.parse(text) as LocalTrack[];
  const r = await runTrackJob(
    { query: 'dog', windows, frame: FRAME },
    { runner: new RecordedRunner(answers), parse: parseTracks, store: new MapStore() },
    new AbortController().signal,
  );
  assert.equal(r.set.tracks.length, 1);
  assert.equal(r.set.label, 'dog');
  assert.deepEqual(
    r.set.decisions.map((d) => d.reason),
    ['new', 'overlap'],
  );

  const ac = new AbortController();
  const store = new MapStore<LocalTrack[]>();
  const runner = new RecordedRunner(answers);
  await assert.rejects(
    runTrackJob(
      { query: 'dog', windows, frame: FRAME },
      { runner, parse: parseTracks, store, onProgress: () => ac.abort() },
      ac.signal,
    ),
    { code: 'CANCELLED' },
  );
  assert.equal(store.rows.size, 1, 'the finished window stays checkpointed');
  await assert.rejects(
    runTrackJob(
      { query: ' ', windows, frame: FRAME },
      { runner, parse: parseTracks, store },
      new AbortController().signal,
    ),
    { code: 'INVALID_INPUT' },
  );
});

test('a GPU error pauses the job (rethrown, nothing stored for that window) instead of marking windows failed', async () => {
  const store = new MapStore<{ points: WindowPoint[] }>();
  const runner = new RecordedRunner({ 0: '[]', 1: new AppError('GPU_OOM', 'out of memory'), 2: '[]' });
  await assert.rejects(
    runCountJob(
      { query: 'penguin', windows, frame: FRAME },
      { runner, parse: parsePoints, store },
      new AbortController().signal,
    ),
    { code: 'GPU_OOM' },
  );
  assert.deepEqual([...store.rows.keys()], [0]);
  assert.deepEqual(
    runner.calls.map((c) => c.window),
    [0, 1],
  );
});
