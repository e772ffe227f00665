// A poison file: a recording whose frames crash the engine process every time (a real SIGKILL of the real engine,
// triggered by its blank frames through the engine's MOLMOSCOPE_TEST_CRASH_ON_BLANK_FRAMES hook). The index job asks
// again a bounded number of times (the engine restarts each time), then rejects that recording with ENGINE_CRASHED
// and its reason and indexes the others; a crash that follows the job to the next file pauses the job instead. A count
// job fails the poison file's run (the window records ENGINE_CRASHED) and finishes the other runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CoreContext } from '../../../src-main/core/context.js';
import { openLibrary, type Library } from '../../../src-main/core/library/store.js';
import { resumeJob, runJob } from '../../../src-main/core/library/jobs.js';
import { INDEX_JOB_KIND, queueIndexJob } from '../../../src-main/core/library/index-job.js';
import { ENGINE_CRASH_RETRIES } from '../../../src-main/core/library/engine-retries.js';
import { indexJobKind } from '../../../src-main/core/library/index-host.js';
import { importPaths } from '../../../src-main/core/library/import.js';
import { testMediaSource } from '../../helpers/media-source.js';
import { closeModel, modelSession } from '../../../src-main/core/molmo2/model-host.js';
import { analyticsExecutor, queueAnalyticsJob } from '../../../src-main/core/analytics/run-jobs.js';
import { getRun } from '../../../src-main/core/analytics/run-store.js';
import { storedWindows } from '../../../src-main/core/analytics/run-windows-store.js';
import { scratchDir } from '../../helpers/tiny.js';
import { TINY_INDEX_PARAMS, tinyEngineContext } from './tiny-engine.js';
import { makeClip } from './clips.js';

function blankClip(path: string, color = 'black'): string {
  mkdirSync(dirname(path), { recursive: true });
  execFileSync(
    'ffmpeg',
    ['-v', 'error', '-f', 'lavfi', '-i', `color=c=${color}:s=160x120:r=10:d=2`, '-pix_fmt', 'yuv420p', '-y', path],
    { stdio: 'ignore', timeout: 30_000 },
  );
  return path;
}

const recordings = (lib: Library) =>
  lib.db.prepare('SELECT name, status, reason_code, reason FROM recordings ORDER BY id').all() as Array<{
    name: string;
    status: string;
    reason_code: string | null;
    reason: string | null;
  }>;
const captioned = (lib: Library) =>
  lib.db
    .prepare(
      'SELECT r.name, count(*) AS n FROM captions c JOIN windows w ON w.id = c.window_id JOIN recordings r ON r.id = w.recording_id GROUP BY r.name ORDER BY r.name',
    )
    .all();

/** Runs `body` on a new library in a scratch dir `prefix-…`, with a tiny engine that crashes on blank frames; closes both. */
async function withCrashingEngine(
  prefix: string,
  body: (ctx: CoreContext, lib: Library, dir: string) => Promise<void>,
): Promise<void> {
  process.env.MOLMOSCOPE_TEST_CRASH_ON_BLANK_FRAMES = '1'; // read by the engine process this test forks
  const dir = scratchDir(prefix);
  const ctx = await tinyEngineContext(dir);
  const lib = openLibrary(join(dir, 'lib.db'), { create: true });
  try {
    await body(ctx, lib, dir);
  } finally {
    lib.close();
    await closeModel(ctx);
  }
}

test(
  'a poison file is retried a bounded number of times, then rejected with its reason; the job indexes the rest',
  { timeout: 600_000 },
  () =>
    withCrashingEngine('poison', async (ctx, lib, dir) => {
      const files = [
        makeClip(join(dir, 'a.mp4'), { seconds: 2 }),
        blankClip(join(dir, 'b-poison.mp4')),
        makeClip(join(dir, 'c.mp4'), { seconds: 2, pattern: 'smptebars' }),
      ];
      await importPaths(lib, files, { media: testMediaSource(), signal: new AbortController().signal });
      const job = queueIndexJob(lib, TINY_INDEX_PARAMS);
      const final = await runJob(lib, job.id, { [INDEX_JOB_KIND]: indexJobKind(ctx) });
      assert.equal(final.status, 'done', `${final.errorCode} ${final.errorMessage}`);
      const recs = recordings(lib);
      assert.deepEqual(
        recs.map((r) => [r.name, r.status, r.reason_code]),
        [
          ['a.mp4', 'ready', null],
          ['b-poison.mp4', 'rejected', 'ENGINE_CRASHED'],
          ['c.mp4', 'ready', null],
        ],
      );
      assert.match(recs[1]!.reason!, new RegExp(`crashed the engine ${ENGINE_CRASH_RETRIES + 1} times in a row`));
      assert.deepEqual(captioned(lib), [
        { name: 'a.mp4', n: 2 },
        { name: 'c.mp4', n: 2 },
      ]);
      assert.equal(final.done, final.total, "the poison file's windows leave the total");
      // One engine start for the first window, then one restart per crash.
      assert.equal((await modelSession(ctx)).engine.starts, 1 + ENGINE_CRASH_RETRIES + 1);
    }),
);

test(
  'a crash that follows the job from one file to the next pauses it (ENGINE_CRASHED); resume goes on',
  { timeout: 600_000 },
  () =>
    withCrashingEngine('poison-two', async (ctx, lib, dir) => {
      // Two different blank clips (black, white: not duplicates of each other), then a good one.
      const files = [
        blankClip(join(dir, 'b1.mp4')),
        blankClip(join(dir, 'b2.mp4'), 'white'),
        makeClip(join(dir, 'c.mp4'), { seconds: 2 }),
      ];
      await importPaths(lib, files, { media: testMediaSource(), signal: new AbortController().signal });
      const job = queueIndexJob(lib, TINY_INDEX_PARAMS);
      const paused = await runJob(lib, job.id, { [INDEX_JOB_KIND]: indexJobKind(ctx) });
      assert.deepEqual([paused.status, paused.errorCode], ['paused', 'ENGINE_CRASHED']);
      assert.deepEqual(
        recordings(lib).map((r) => r.status),
        ['rejected', 'ready', 'ready'],
        'only the first poison file is rejected before the pause',
      );
      resumeJob(lib, job.id);
      const final = await runJob(lib, job.id, { [INDEX_JOB_KIND]: indexJobKind(ctx) });
      assert.equal(final.status, 'done');
      assert.deepEqual(
        recordings(lib).map((r) => [r.status, r.reason_code]),
        [
          ['rejected', 'ENGINE_CRASHED'],
          ['rejected', 'ENGINE_CRASHED'],
          ['ready', null],
        ],
      );
      assert.deepEqual(captioned(lib), [{ name: 'c.mp4', n: 2 }]);
    }),
);

test(
  'count over a folder with a poison file: its run fails with ENGINE_CRASHED on the window, the other run is done',
  { timeout: 600_000 },
  () =>
    withCrashingEngine('poison-count', async (ctx, lib, dir) => {
      const folder = join(dir, 'footage');
      await importPaths(
        lib,
        [blankClip(join(folder, 'a-poison.mp4')), makeClip(join(folder, 'b.mp4'), { seconds: 2 })],
        { media: testMediaSource(), signal: new AbortController().signal },
      );
      const { job, runs } = queueAnalyticsJob(lib, 'count', {
        query: 'person',
        scope: { folder },
        settings: { windowLength: 1, overlap: 0, maxFrames: 2 },
      });
      const final = await runJob(lib, job.id, { count: analyticsExecutor(ctx, 'count') });
      assert.equal(final.status, 'done', `${final.errorCode} ${final.errorMessage}`);
      const [poison, good] = runs.map((r) => getRun(lib, r.id));
      assert.deepEqual([poison!.path.endsWith('a-poison.mp4'), poison!.status, good!.status], [true, 'failed', 'done']);
      const w = storedWindows(lib, poison!.id);
      assert.deepEqual(
        w.map((x) => [x.index, x.status, x.errorCode]),
        [[0, 'failed', 'ENGINE_CRASHED']],
      );
      assert.match(
        w[0]!.errorMessage!,
        new RegExp(`window 0 crashed the engine ${ENGINE_CRASH_RETRIES + 1} times in a row`),
      );
      assert.equal(final.done, final.total, "the poison run's windows leave the total");
    }),
);
