// Persisted jobs and the indexing loop, in process: done, pause/resume, cancel ≠ failed, GPU error pauses,
// control from another connection, progress events with ETA, media error rejects one recording only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openLibrary, type Library } from '../../../src-main/core/library/store.js';
import {
  cancelJob,
  createJob,
  getJob,
  listJobs,
  pauseJob,
  recoverStaleJobs,
  resumeJob,
  runJob,
} from '../../../src-main/core/library/jobs.js';
import { indexJobExecutor, INDEX_JOB_KIND, queueIndexJob } from '../../../src-main/core/library/index-job.js';
import { testMediaSource } from '../../helpers/media-source.js';
import type { EventPayload } from '../../../src-main/api/contract.js';
import { scratchDir } from '../../helpers/tiny.js';
import { deterministicCaptioner, type DeterministicOptions } from './fixtures/deterministic-captioner.js';
import { seedRecordings } from './index-seed.js';

function setup(durations = [30, 18]): { lib: Library; ids: number[] } {
  const lib = openLibrary(join(scratchDir('lib-jobs'), 'lib.db'), { create: true });
  return { lib, ids: seedRecordings(lib, durations) };
}
const execs = (o: DeterministicOptions = {}) => {
  const captioner = deterministicCaptioner(o);
  return { captioner, executors: { [INDEX_JOB_KIND]: indexJobExecutor({ media: testMediaSource(), captioner }) } };
};
const params = {
  modelId: 'test/deterministic-captioner@1',
  promptKind: 'dense' as const,
  windowLength: 10,
  overlap: 2,
};
const windowCount = (lib: Library) => lib.db.prepare('SELECT count(*) FROM windows').pluck().get() as number;
const captionCount = (lib: Library) => lib.db.prepare('SELECT count(*) FROM captions').pluck().get() as number;

test('an index job runs to done: one caption per window, progress = total, events with ETA', async () => {
  const { lib } = setup();
  const events: EventPayload<'job.progress'>[] = [];
  const job = queueIndexJob(lib, params);
  const { executors } = execs({ delayMs: 2 });
  const final = await runJob(lib, job.id, executors, {
    emit: (_n, p) => events.push(p as EventPayload<'job.progress'>),
    throttleMs: 0,
  });
  assert.equal(final.status, 'done');
  assert.equal(final.attempts, 1);
  // 30 s → windows at 0,8,16,24 (24–30); 18 s → 0,8 and a 2 s tail merged into the last window.
  assert.equal(final.total, 4 + 2);
  assert.equal(final.done, final.total);
  assert.equal(windowCount(lib), 6);
  assert.equal(captionCount(lib), 6);
  assert.deepEqual(final.checkpoint, { recordingId: 2, windowIndex: 1 });
  assert.equal(events.at(-1)!.status, 'done');
  assert.ok(events.some((e) => e.status === 'running' && e.etaSeconds !== null && e.etaSeconds >= 0));
  // Re-running a fresh job finds everything done and captions nothing.
  const again = queueIndexJob(lib, params);
  const c2 = execs();
  const f2 = await runJob(lib, again.id, c2.executors);
  assert.equal(f2.status, 'done');
  assert.equal(c2.captioner.calls, 0);
  lib.close();
});

test('pause mid-run, resume, finish: no window twice; cancel is cancelled, not failed', async () => {
  const { lib } = setup([60]);
  const job = queueIndexJob(lib, params);
  const { executors } = execs({ delayMs: 5 });
  const seen: number[] = [];
  const p = runJob(lib, job.id, executors, {
    throttleMs: 0,
    emit: (_n, e) => {
      const ev = e as EventPayload<'job.progress'>;
      seen.push(ev.done);
      if (ev.done === 3 && ev.status === 'running') pauseJob(lib, job.id);
    },
  });
  const paused = await p;
  assert.equal(paused.status, 'paused');
  assert.equal(paused.done, 3);
  assert.equal(captionCount(lib), 3);
  await assert.rejects(runJob(lib, job.id, executors), (e: { code?: string }) => e.code === 'JOB_CONFLICT');
  resumeJob(lib, job.id);
  const done = await runJob(lib, job.id, executors);
  assert.equal(done.status, 'done');
  assert.equal(done.attempts, 2);
  assert.equal(captionCount(lib), done.total);
  assert.equal(
    lib.db
      .prepare('SELECT count(*) FROM (SELECT recording_id, idx FROM windows GROUP BY 1, 2 HAVING count(*) > 1)')
      .pluck()
      .get(),
    0,
  );

  const j2 = createJob(lib, 'noop-kind', {});
  assert.equal(cancelJob(lib, j2.id).status, 'cancelled');
  assert.equal(getJob(lib, j2.id).errorCode, null);
  assert.throws(
    () => resumeJob(lib, j2.id),
    (e: { code?: string }) => e.code === 'JOB_CONFLICT',
  );
  lib.close();
});

test('cancel from another connection (as the CLI would) stops a running job within a second', async () => {
  const { lib } = setup([200]);
  const job = queueIndexJob(lib, params);
  const { executors } = execs({ delayMs: 40 });
  // A second connection writing the control column is exactly what cancelJob does from another process
  // (this process's in-memory abort shortcut is bypassed, so the runner's 1 s poll must see it).
  const other = new Database(lib.path);
  const timer = setTimeout(() => other.prepare("UPDATE jobs SET control = 'cancel' WHERE id = ?").run(job.id), 150);
  const final = await runJob(lib, job.id, executors);
  clearTimeout(timer);
  other.close();
  assert.equal(final.status, 'cancelled');
  assert.ok(final.done < final.total);
  assert.equal(final.errorCode, null);
  assert.equal(listJobs(lib, { status: ['cancelled'] }).length, 1);
  lib.close();
});

test('a GPU error pauses the job with the reason; after resume it completes', async () => {
  const { lib } = setup([40]);
  const job = queueIndexJob(lib, params);
  const bad = await runJob(lib, job.id, execs({ failAt: { index: 2, code: 'GPU_OOM' } }).executors);
  assert.equal(bad.status, 'paused');
  assert.equal(bad.errorCode, 'GPU_OOM');
  assert.match(bad.errorMessage!, /GPU_OOM/);
  assert.equal(bad.done, 2);
  resumeJob(lib, job.id);
  const ok = await runJob(lib, job.id, execs().executors);
  assert.equal(ok.status, 'done');
  assert.equal(ok.errorCode, null);
  lib.close();
});

test('an engine failure fails the job with its code; a media error rejects that recording only', async () => {
  const { lib, ids } = setup([20, 20]);
  const j = queueIndexJob(lib, params);
  const failed = await runJob(lib, j.id, execs({ failAt: { index: 1, code: 'ENGINE_FAILED' } }).executors);
  assert.equal(failed.status, 'failed');
  assert.equal(failed.errorCode, 'ENGINE_FAILED');
  resumeJob(lib, j.id);
  const r = await runJob(lib, j.id, execs({ failAt: { index: 1, code: 'TRUNCATED', recordingId: ids[0] } }).executors);
  assert.equal(r.status, 'done');
  const rec = lib.db.prepare('SELECT status, reason_code FROM recordings WHERE id = ?').get(ids[0]) as {
    status: string;
    reason_code: string;
  };
  assert.deepEqual(rec, { status: 'rejected', reason_code: 'TRUNCATED' });
  assert.equal(lib.db.prepare('SELECT count(*) FROM windows WHERE recording_id = ?').pluck().get(ids[1]), 3); // 0–10, 8–18, 16–20
  assert.equal(r.done, r.total);
  lib.close();
});

test('a running job whose owner process is gone is re-queued; an interrupted run is paused, not failed', async () => {
  const { lib } = setup([20]);
  const j = queueIndexJob(lib, params);
  lib.db
    .prepare("UPDATE jobs SET status = 'running', owner = ?, heartbeat_at = ? WHERE id = ?")
    .run(`${(await import('node:os')).hostname()}:999999999`, Date.now(), j.id);
  assert.deepEqual(recoverStaleJobs(lib), [j.id]);
  assert.equal(getJob(lib, j.id).status, 'queued');
  const ac = new AbortController();
  ac.abort();
  const f = await runJob(lib, j.id, execs().executors, { signal: ac.signal });
  assert.equal(f.status, 'paused');
  lib.close();
});
