// Switching library in the serve host while an index job runs: the job is stopped before its library is closed (it
// goes back to that library's queue, nothing is written after the switch), and it finishes, without duplicates, when
// that library is opened again. Real captioner on the generated checkpoint, CPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EventPayload } from '../../src-main/api/contract.js';
import type { JobDto } from '../../src-main/api/ops/library.js';
import { createDispatcher } from '../../src-main/core/handlers/index.js';
import { shutdownHost } from '../../src-main/core/host-shutdown.js';
import type { Logger } from '../../src-main/core/context.js';
import { scratchDir } from '../helpers/tiny.js';
import { keepJobProgress, waitUntil } from '../helpers/job-watch.js';
import { tinyEngineContext } from '../core/library/tiny-engine.js';
import { makeClip } from '../core/library/clips.js';
import { opCaller } from '../helpers/cli.js';

test(
  'library.open of another library stops the running job first; it resumes when its library is opened again',
  { timeout: 240_000 },
  async () => {
    const dir = scratchDir('library-switch');
    const events: EventPayload<'job.progress'>[] = [];
    const errors: string[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn() {},
      error: (m, d) => errors.push(`${m} ${String((d as Error)?.message ?? d)}`),
    };
    const ctx = await tinyEngineContext(dir, { host: 'serve', logger, emit: keepJobProgress(events) });
    const call = opCaller(createDispatcher(ctx));
    const libA = join(dir, 'a.db');
    const rows = () => {
      const db = new Database(libA, { readonly: true });
      try {
        const job = db.prepare('SELECT status, progress_done AS done FROM jobs ORDER BY id DESC LIMIT 1').get() as {
          status: string;
          done: number;
        };
        return {
          ...job,
          windows: db.prepare('SELECT count(*) FROM windows').pluck().get() as number,
          captions: db.prepare('SELECT count(*) FROM captions').pluck().get() as number,
        };
      } finally {
        db.close();
      }
    };
    try {
      await call('library.open', { path: libA });
      await call('library.import', { paths: [makeClip(join(dir, 'clip.mp4'), { seconds: 8 })] });
      const job = await call<JobDto>('library.index', { windowLength: 1, overlap: 0 });
      await waitUntil(() => events.some((e) => e.jobId === job.id && e.done >= 1), 'the first stored window');

      await call('library.open', { path: join(dir, 'b.db') });
      const atSwitch = rows();
      assert.equal(atSwitch.status, 'queued', 'the interrupted job waits in its own library');
      assert.ok(atSwitch.done < 8, `switched at ${atSwitch.done}/8`);
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(rows(), atSwitch, 'nothing is written to the closed library after the switch');
      assert.deepEqual(errors, [], 'no job wrote through a closed handle');

      await call('library.open', { path: libA });
      await waitUntil(() => events.some((e) => e.jobId === job.id && e.status === 'done'), 'done after reopening');
      const end = rows();
      assert.deepEqual([end.status, end.done, end.windows, end.captions], ['done', 8, 8, 8]);
      assert.deepEqual(errors, []);
    } finally {
      await shutdownHost(ctx);
    }
  },
);
