// kill -9 during a count job (the real CLI in a child process, tiny checkpoint on CPU): after each kill the library
// passes integrity_check, the stored windows are exactly the job's recorded progress (a window is whole or absent),
// and `count --resume JOB` finishes the job without asking the model again for the windows it already has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { openLibrary } from '../../../src-main/core/library/store.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { cliFlags, runCli } from '../../helpers/cli.js';
import { requiredSample } from '../../helpers/media-fixtures.js';

const SAMPLE = requiredSample('concourse-crowd-720p.avi');

const cli = (...argv: string[]) => runCli(argv);

/** Runs the CLI in a child and SIGKILLs it once a progress line reports at least `after` windows done. */
function runUntilKilled(args: string[], after: number): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [resolve('bin/molmoscope.mjs'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      buf += d;
      for (const line of buf.split('\n').slice(0, -1)) {
        const e = JSON.parse(line) as { event: string; done?: number };
        if (e.event === 'progress' && (e.done ?? 0) >= after) child.kill('SIGKILL');
      }
      buf = buf.slice(buf.lastIndexOf('\n') + 1);
    });
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? res() : rej(new Error(`child ended without being killed (${code}): ${err}`)),
    );
  });
}

function state(db: string, jobId: number) {
  const lib = openLibrary(db, { create: false, integrity: 'full' }); // throws LIBRARY_CORRUPT if the kill damaged it
  const job = lib.db
    .prepare('SELECT status, progress_done AS done, progress_total AS total FROM jobs WHERE id = ?')
    .get(jobId) as { status: string; done: number; total: number };
  const windows = lib.db
    .prepare(
      "SELECT w.idx, w.answer, w.created_at FROM analytics_windows w JOIN analytics_runs r ON r.id = w.run_id WHERE r.job_id = ? AND w.status != 'failed' ORDER BY w.idx",
    )
    .all(jobId) as Array<{ idx: number; answer: string; created_at: string }>;
  lib.close();
  return { job, windows };
}

test('kill -9 mid-job twice: integrity ok, windows == progress each time, --resume completes without redoing windows', async () => {
  const dir = scratchDir('analytics-crash');
  const db = join(dir, 'lib.db');
  assert.equal((await cli('import', SAMPLE, '--library', db)).code, 0);
  const model = tinyCheckpoint({ seed: 1 });
  const common = ['--model', model, '--ep', 'cpu', '--json'];
  const plan = { start: 0, end: 9, window: 3, overlap: 1, 'max-frames': 3, 'max-new-tokens': 8 };
  await runUntilKilled(['count', ...cliFlags({ library: db, recording: 1, ...plan }), ...common, 'person'], 1);
  const s1 = state(db, 1);
  assert.equal(s1.job.status, 'running'); // the killed process never got to record an end
  assert.equal(s1.job.total, 4);
  assert.equal(s1.windows.length, s1.job.done);
  assert.deepEqual(
    s1.windows.map((w) => w.idx),
    [...Array(s1.job.done).keys()],
  );

  await runUntilKilled(['count', '--library', db, '--resume', '1', ...common], s1.job.done + 1);
  const s2 = state(db, 1);
  assert.equal(s2.windows.length, s2.job.done);
  // The kill follows the progress line of a window, which is written inside that window's transaction: the window
  // may or may not have committed, but it is never half there.
  assert.ok(s2.job.done >= s1.job.done);
  assert.deepEqual(
    s2.windows.slice(0, s1.windows.length),
    s1.windows,
    'windows stored before the kill are kept as they were',
  );

  const r = await cli('count', '--library', db, '--resume', '1', ...common);
  assert.equal(r.code, 0, r.err);
  const s3 = state(db, 1);
  assert.equal(s3.job.status, 'done');
  assert.deepEqual(
    s3.windows.map((w) => w.idx),
    [0, 1, 2, 3],
  );
  assert.deepEqual(s3.windows.slice(0, s2.windows.length), s2.windows);
  const result = JSON.parse(r.out.trim().split('\n').pop()!);
  assert.equal(result.runs[0].run.status, 'done');
  assert.equal(result.runs[0].windows.length, 4);
  const again = await cli('count', '--library', db, '--resume', '1', ...common);
  assert.equal(again.code, 2);
  assert.match(again.err, /JOB_CONFLICT/);
});
