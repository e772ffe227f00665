// The contract's bounds on sizes, with the inputs that once killed or froze `serve`: maxFrames 1e9 (V8 out of memory),
// a 2e-9 s window (ran away), a 1e-6 s analytics window (20 s of blocking, 4,000,000 windows queued). Each is now an
// INVALID_INPUT answered at once with nothing written; the largest job the bounds allow is counted, not planned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { operations } from '../../src-main/api/contract.js';
import { MAX_FRAMES, MAX_JOB_WINDOWS, MAX_LISTED_WINDOWS } from '../../src-main/api/bounds.js';
import { AppError } from '../../src-main/api/errors.js';
import { createCoreContext } from '../../src-main/core/platform/create-context.js';
import { createDispatcher } from '../../src-main/core/handlers/index.js';
import { windowsFor } from '../../src-main/core/media/windows.js';
import { shutdownHost } from '../../src-main/core/host-shutdown.js';
import { scratchDir } from '../helpers/tiny.js';
import { makeClip } from '../core/library/clips.js';

async function setup() {
  const dir = scratchDir('bounds');
  const ctx = createCoreContext({ host: 'cli', env: { ...process.env, MOLMOSCOPE_HOME: join(dir, 'home') } });
  const d = createDispatcher(ctx);
  const clip = makeClip(join(dir, 'clip.mp4'), { seconds: 4 });
  assert.ok((await d.dispatch('library.open', { path: join(dir, 'lib.db') })).ok);
  assert.ok((await d.dispatch('library.import', { paths: [clip] })).ok);
  return { dir, ctx, d, clip };
}

/** Dispatches and returns the error code (or 'ok') and how long the call took. */
async function timed(
  d: ReturnType<typeof createDispatcher>,
  op: string,
  req: unknown,
): Promise<{ code: string; ms: number }> {
  const t0 = performance.now();
  const r = await d.dispatch(op, req);
  return { code: r.ok ? 'ok' : r.error.code, ms: performance.now() - t0 };
}

test('the inputs that once ended or froze serve are INVALID_INPUT at once, and write nothing', async () => {
  const { dir, ctx, d, clip } = await setup();
  try {
    const jobsBefore = () =>
      new Database(join(dir, 'lib.db'), { readonly: true }).prepare('SELECT count(*) FROM jobs').pluck().get();
    const before = jobsBefore();
    const cases: Array<[string, unknown]> = [
      ['media.sampleTimes', { duration: 10, maxFrames: 1e9 }],
      ['media.sampleTimes', { duration: 1e12 }],
      ['media.sampleTimes', { duration: 10, maxFps: 1e9, maxFrames: 10 }],
      ['media.windows', { path: clip, length: 2e-9 }],
      ['media.windows', { path: clip, length: 2, overlap: 1.5 }],
      ['media.window', { path: clip, length: 1e-9, index: 1e9 }],
      [
        'analytics.queue',
        { kind: 'count', query: 'person', scope: { recordingId: 1 }, settings: { windowLength: 1e-6 } },
      ],
      [
        'analytics.queue',
        { kind: 'count', query: 'person', scope: { recordingId: 1 }, settings: { windowLength: 10, overlap: 9.999 } },
      ],
      ['analytics.queue', { kind: 'track', query: 'person', scope: { recordingId: 1 }, settings: { maxFrames: 1e9 } }],
      ['analytics.queue', { kind: 'count', query: 'person', scope: { recordingId: 1, start: 0, end: 1e300 } }],
      ['library.index', { windowLength: 3600, overlap: 3599.99 }],
      ['library.import', { paths: Array.from({ length: 20_000 }, (_, i) => `/nowhere/${i}`) }],
      ['library.open', { path: 'x'.repeat(100_000) }],
      ['library.search', { query: 'a', filters: { recordingIds: Array.from({ length: 20_000 }, (_, i) => i + 1) } }],
    ];
    for (const [op, req] of cases) {
      const r = await timed(d, op, req);
      assert.equal(r.code, 'INVALID_INPUT', `${op} ${JSON.stringify(req).slice(0, 120)} → ${r.code}`);
      // Refused by the schema before any work; the bound is loose on purpose (shared CI cores).
      assert.ok(r.ms < 500, `${op} took ${r.ms.toFixed(0)} ms`);
    }
    assert.equal(jobsBefore(), before, 'no job row was written');
  } finally {
    await shutdownHost(ctx);
  }
});

test('the bounds still admit what the app uses: 384 frames, 1 s windows with half overlap, the default windows', async () => {
  const { ctx, d, clip } = await setup();
  try {
    const st = await d.dispatch('media.sampleTimes', { duration: 400, maxFrames: MAX_FRAMES });
    assert.ok(st.ok && (st.value as { times: number[] }).times.length === MAX_FRAMES);
    assert.equal((await timed(d, 'media.windows', { path: clip, length: 1, overlap: 0.5 })).code, 'ok');
    assert.equal(
      (
        await timed(d, 'analytics.queue', {
          kind: 'count',
          query: 'person',
          scope: { recordingId: 1 },
          settings: { windowLength: 1, overlap: 0.5, maxFrames: MAX_FRAMES },
        })
      ).code,
      'ok',
    );
    const parsed = operations['analytics.queue'].request.safeParse({
      kind: 'count',
      query: 'q',
      scope: { recordingId: 1 },
      settings: { windowLength: 63.5, overlap: 8 },
    });
    assert.ok(parsed.success);
  } finally {
    await shutdownHost(ctx);
  }
});

test(`a week-long recording is counted, not planned: ${MAX_JOB_WINDOWS} windows at most per job, ${MAX_LISTED_WINDOWS} per listing`, async () => {
  const { dir, ctx, d } = await setup();
  try {
    // Pretend the recording lasts a week (the duration the import stored is all the planner reads).
    const w = new Database(join(dir, 'lib.db'));
    w.prepare('UPDATE recordings SET duration_s = ? WHERE id = 1').run(7 * 24 * 3600);
    w.close();
    const tooMany = await timed(d, 'analytics.queue', {
      kind: 'count',
      query: 'person',
      scope: { recordingId: 1 },
      settings: { windowLength: 20, overlap: 10 },
    });
    assert.equal(tooMany.code, 'INVALID_INPUT');
    const week = await timed(d, 'analytics.queue', { kind: 'count', query: 'person', scope: { recordingId: 1 } });
    assert.equal(week.code, 'ok');
    console.log(
      `queueing a week of default windows took ${week.ms.toFixed(1)} ms; refusing 20 s windows with 10 s overlap took ${tooMany.ms.toFixed(1)} ms`,
    );
    assert.ok(week.ms < 500, `queueing took ${week.ms.toFixed(0)} ms`);
    assert.throws(
      () => windowsFor(1e6, { length: 1, overlap: 0 }),
      (e: unknown) => e instanceof AppError && e.code === 'INVALID_INPUT',
    );
  } finally {
    await shutdownHost(ctx);
  }
});
