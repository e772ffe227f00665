// The host job loop: jobs queued in a serve/Electron context run in the background after library.open, a job
// queued while the loop drains is picked up, and stopping the host puts the interrupted job back in the queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createCoreContext } from '../../src-main/core/platform/create-context.js';
import { createDispatcher } from '../../src-main/core/handlers/index.js';
import { JOB_KINDS, kickJobs, stopJobs } from '../../src-main/core/job-host.js';
import { createJob, getJob } from '../../src-main/core/library/jobs.js';
import { currentLibrary } from '../../src-main/core/handlers/library.js';
import type { EventPayload } from '../../src-main/api/contract.js';
import { scratchDir } from '../helpers/tiny.js';
import { keepJobProgress } from '../helpers/job-watch.js';

const KIND = 'test-steps';
// A real executor: N steps, each stored with its progress in one transaction; waits between steps.
JOB_KINDS[KIND] =
  () =>
  async ({ job, lib, signal, progress }) => {
    const n = (job.params as { steps: number }).steps;
    lib.db.exec('CREATE TABLE IF NOT EXISTS steps (job INTEGER, i INTEGER, PRIMARY KEY (job, i))');
    const have = lib.db.prepare('SELECT count(*) FROM steps WHERE job = ?').pluck().get(job.id) as number;
    const put = lib.db.transaction((i: number) => {
      lib.db.prepare('INSERT INTO steps VALUES (?, ?)').run(job.id, i);
      progress(i + 1, n, { i });
    });
    for (let i = have; i < n; i++) {
      await new Promise((r) => setTimeout(r, 20));
      signal.throwIfAborted();
      put(i);
    }
  };

async function until(f: () => boolean, ms = 10_000) {
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('serve host: queued jobs run in the background after library.open, with progress events', async () => {
  const events: EventPayload<'job.progress'>[] = [];
  const ctx = createCoreContext({ host: 'serve', env: { ...process.env }, emit: keepJobProgress(events) });
  const d = createDispatcher(ctx);
  const path = join(scratchDir('job-host'), 'lib.db');
  // Queue before opening (as a killed or earlier process would have left it).
  const first = await d.dispatch('library.open', { path });
  assert.ok(first.ok);
  const lib = currentLibrary(ctx);
  const a = createJob(lib, KIND, { steps: 3 });
  kickJobs(ctx, lib);
  const b = createJob(lib, KIND, { steps: 2 });
  kickJobs(ctx, lib);
  await until(() => getJob(lib, b.id).status === 'done');
  assert.equal(getJob(lib, a.id).status, 'done');
  assert.equal(getJob(lib, a.id).done, 3);
  assert.ok(events.some((e) => e.jobId === b.id && e.status === 'done' && e.done === 2));
  await stopJobs(ctx);
  lib.close();
});

/** A new core context of `host` with the library at `path` opened through its dispatcher (as a host would). */
async function hostWithLibrary(host: 'serve' | 'cli', path: string) {
  const ctx = createCoreContext({ host, env: { ...process.env } });
  assert.ok((await createDispatcher(ctx).dispatch('library.open', { path })).ok);
  return { ctx, lib: currentLibrary(ctx) };
}

test('stopping the host re-queues the job it interrupted; the next host finishes it without repeating steps', async () => {
  const path = join(scratchDir('job-host'), 'lib.db');
  const { ctx: ctx1, lib: lib1 } = await hostWithLibrary('serve', path);
  const job = createJob(lib1, KIND, { steps: 40 });
  kickJobs(ctx1, lib1);
  await until(() => getJob(lib1, job.id).done >= 3);
  await stopJobs(ctx1);
  const mid = getJob(lib1, job.id);
  assert.equal(mid.status, 'queued');
  assert.ok(mid.done < 40);
  lib1.close();

  const { ctx: ctx2, lib: lib2 } = await hostWithLibrary('serve', path);
  await until(() => getJob(lib2, job.id).status === 'done');
  assert.equal(lib2.db.prepare('SELECT count(*) FROM steps WHERE job = ?').pluck().get(job.id), 40);
  await stopJobs(ctx2);
  lib2.close();
});

test('the CLI host does not start background jobs on library.open', async () => {
  const path = join(scratchDir('job-host'), 'lib.db');
  const { ctx, lib } = await hostWithLibrary('cli', path);
  const job = createJob(lib, KIND, { steps: 1 });
  assert.ok((await createDispatcher(ctx).dispatch('library.open', { path })).ok);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(getJob(currentLibrary(ctx), job.id).status, 'queued');
  currentLibrary(ctx).close();
});
