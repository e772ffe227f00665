// Pause, resume and cancel of a real index job (real captioner, generated checkpoint, CPU) running in the serve
// host's background loop: pause stops it with its stored windows intact, resume finishes the rest exactly once,
// cancel ends as cancelled (not failed), and an engine killed under every try of a window rejects that recording with
// ENGINE_CRASHED after a bounded number of tries (the job never fails). The pause→paused latency is printed (figures, not assertions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { EventPayload } from '../../../src-main/api/contract.js';
import type { JobDto } from '../../../src-main/api/ops/library.js';
import { createDispatcher } from '../../../src-main/core/handlers/index.js';
import { currentLibrary } from '../../../src-main/core/handlers/library.js';
import { modelSession } from '../../../src-main/core/molmo2/model-host.js';
import { shutdownHost } from '../../../src-main/core/host-shutdown.js';
import { scratchDir } from '../../helpers/tiny.js';
import { keepJobProgress, waitUntil } from '../../helpers/job-watch.js';
import { tinyEngineContext } from './tiny-engine.js';
import { makeClip } from './clips.js';
import { opCaller } from '../../helpers/cli.js';

test(
  'an index job in the serve host pauses, resumes to done without duplicates, and cancels as cancelled',
  { timeout: 240_000 },
  async () => {
    const dir = scratchDir('index-control');
    const events: EventPayload<'job.progress'>[] = [];
    const ctx = await tinyEngineContext(dir, { host: 'serve', emit: keepJobProgress(events) });
    const d = createDispatcher(ctx);
    const call = opCaller(d);
    const counts = () => {
      const db = currentLibrary(ctx).db;
      return {
        windows: db.prepare('SELECT count(*) FROM windows').pluck().get() as number,
        captions: db.prepare('SELECT count(*) FROM captions').pluck().get() as number,
        distinct: db.prepare('SELECT count(DISTINCT window_id || prompt_kind) FROM captions').pluck().get() as number,
      };
    };
    /** Once job `id` has stored a window, asks `op` and waits for `status`: the job then (no error code), and the wait. */
    const stopOnce = async (id: number, op: string, status: 'paused' | 'cancelled', started: string) => {
      await waitUntil(() => events.some((e) => e.jobId === id && e.done >= 1), started);
      const asked = Date.now();
      await call(op, { id });
      await waitUntil(() => events.some((e) => e.jobId === id && e.status === status), status);
      const ms = Date.now() - asked;
      const stopped = await call<JobDto>('jobs.get', { id });
      assert.equal(stopped.status, status);
      assert.equal(stopped.errorCode, null);
      return { job: stopped, ms };
    };
    try {
      await call('library.open', { path: join(dir, 'lib.db') });
      await call('library.import', { paths: [makeClip(join(dir, 'clip.mp4'), { seconds: 8 })] });
      const job = await call<JobDto>('library.index', { windowLength: 1, overlap: 0 });
      assert.equal(job.total, 8);
      const pause = await stopOnce(job.id, 'jobs.pause', 'paused', 'the first stored window');
      const paused = pause.job;
      assert.ok(paused.done >= 1 && paused.done < paused.total, `paused at ${paused.done}/${paused.total}`);
      let c = counts();
      assert.deepEqual([c.windows, c.captions], [paused.done, paused.done]);

      await call('jobs.resume', { id: job.id });
      await waitUntil(() => events.some((e) => e.jobId === job.id && e.status === 'done'), 'done');
      const done = await call<JobDto>('jobs.get', { id: job.id });
      assert.equal(done.done, 8);
      c = counts();
      assert.deepEqual([c.windows, c.captions, c.distinct], [8, 8, 8], 'each window captioned exactly once');

      const second = await call<JobDto>('library.index', { tier: 'short', windowLength: 1, overlap: 0 });
      const cancel = await stopOnce(second.id, 'jobs.cancel', 'cancelled', 'the second job to start');
      const cancelled = cancel.job;
      assert.ok(cancelled.done < 8);

      // The engine process dies under a running job, again and again (as on a driver crash): each window is asked again
      // a bounded number of times, then the recording is rejected with ENGINE_CRASHED; the job never fails.
      const third = await call<JobDto>('library.index', { tier: 'short', windowLength: 1, overlap: 0 });
      await waitUntil(
        () => events.some((e) => e.jobId === third.id && e.status === 'running'),
        'the third job to start',
      );
      const engine = (await modelSession(ctx)).engine;
      // A kill between two requests only restarts the engine; keep killing until the job stops running.
      const t0 = Date.now();
      while (!events.some((e) => e.jobId === third.id && e.status !== 'running') && Date.now() - t0 < 120_000) {
        if (engine.pid) process.kill(engine.pid, 'SIGKILL');
        await new Promise((r) => setTimeout(r, 150));
      }
      const crashed = await call<JobDto>('jobs.get', { id: third.id });
      assert.equal(crashed.status, 'done', `${crashed.status} ${crashed.errorCode} ${crashed.errorMessage}`);
      const rec = currentLibrary(ctx).db.prepare('SELECT status, reason_code, reason FROM recordings').get() as {
        status: string;
        reason_code: string;
        reason: string;
      };
      assert.deepEqual([rec.status, rec.reason_code], ['rejected', 'ENGINE_CRASHED']);
      assert.match(rec.reason, /crashed the engine 3 times in a row: the engine process exited/);
      c = counts();
      assert.equal(c.captions, c.distinct, 'no duplicate captions after the crashes');
      console.log(`pause took effect after ${pause.ms} ms, cancel after ${cancel.ms} ms (engine killed mid-window)`);
    } finally {
      await shutdownHost(ctx);
    }
  },
);
