// Disk full in the middle of a real index job (generated Molmo2 checkpoint, CPU) on a small tmpfs: the job pauses with
// DISK_FULL and the free space, no window is announced before it is committed, a library opened on a full disk says
// DISK_FULL (not "disk I/O error"), and a resume after space is freed ends with exactly an uninterrupted run's rows.
// CI runs as root; where tmpfs cannot be mounted this test FAILS and says why (it never skips).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { EventPayload } from '../../../src-main/api/contract.js';
import { openLibrary, type Library } from '../../../src-main/core/library/store.js';
import { getJob, resumeJob, runJob } from '../../../src-main/core/library/jobs.js';
import { INDEX_JOB_KIND, queueIndexJob } from '../../../src-main/core/library/index-job.js';
import { indexJobKind } from '../../../src-main/core/library/index-host.js';
import { importPaths } from '../../../src-main/core/library/import.js';
import { testMediaSource } from '../../helpers/media-source.js';
import { closeModel } from '../../../src-main/core/molmo2/model-host.js';
import { AppError } from '../../../src-main/api/errors.js';
import { scratchDir } from '../../helpers/tiny.js';
import { TINY_INDEX_PARAMS, tinyEngineContext } from './tiny-engine.js';
import { runCli } from '../../helpers/cli.js';
import { keepJobProgress } from '../../helpers/job-watch.js';
import { indexClip } from '../../helpers/media-fixtures.js';

const CLIP = indexClip('crash-a', { duration: 6, fps: 10 });

type Row = { idx: number; start_s: number; end_s: number; sample_times: string; text: string; tokens: number };
const rows = (lib: Library) =>
  lib.db
    .prepare(
      `SELECT w.idx, w.start_s, w.end_s, w.sample_times, c.text, c.tokens
  FROM windows w JOIN captions c ON c.window_id = w.id ORDER BY w.recording_id, w.idx`,
    )
    .all() as Row[];

function mountTmpfs(dir: string, bytes: number): void {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    assert.fail(
      `This test needs a small tmpfs to fill and could not mount one at ${dir} (run it as root, as CI does): ${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message}`,
    );
  }
}

/** Writes a filler file leaving about `leave` bytes free on the file system of `dir`; returns its path. */
function fill(dir: string, name: string, leave: number): string {
  const p = join(dir, name);
  const fd = openSync(p, 'w');
  const chunk = Buffer.alloc(4096, 7);
  try {
    for (;;) {
      const s = statfsSync(dir);
      if (Number(s.bavail) * Number(s.bsize) <= leave) break;
      writeSync(fd, chunk);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return p;
}

test(
  'disk full mid-job: paused with DISK_FULL, nothing announced uncommitted, resume equals an uninterrupted run',
  { timeout: 600_000 },
  async () => {
    const base = scratchDir('disk-full');
    const ctx = await tinyEngineContext(base);
    const executors = { [INDEX_JOB_KIND]: indexJobKind(ctx) };
    const prepare = async (path: string) => {
      const lib = track(openLibrary(path, { create: true }));
      await importPaths(lib, [CLIP], { media: testMediaSource(), signal: new AbortController().signal });
      return { lib, jobId: queueIndexJob(lib, TINY_INDEX_PARAMS).id };
    };
    const mnt = join(base, 'mnt');
    execFileSync('mkdir', ['-p', mnt]);
    const open: Library[] = [];
    const track = (l: Library) => (open.push(l), l);
    try {
      // The uninterrupted run, on an ordinary disk.
      const ref = await prepare(join(base, 'ref.db'));
      assert.equal((await runJob(ref.lib, ref.jobId, executors)).status, 'done');
      const expected = rows(ref.lib);
      ref.lib.close();
      assert.equal(expected.length, 6);

      mountTmpfs(mnt, 2 * 1024 * 1024);
      const path = join(mnt, 'lib.db');
      const { lib, jobId } = await prepare(path);
      // Room for about one window (~60–140 KB of WAL each) besides the job's 64 KiB reserve: the disk fills part way.
      const filler = fill(mnt, 'filler', (120 + 64) * 1024);
      const events: EventPayload<'job.progress'>[] = [];
      const paused = await runJob(lib, jobId, executors, {
        throttleMs: 0,
        emit: keepJobProgress(events),
      });
      assert.equal(paused.status, 'paused', `${paused.status} ${paused.errorCode} ${paused.errorMessage}`);
      assert.equal(paused.errorCode, 'DISK_FULL');
      assert.match(paused.errorMessage ?? '', /No space left on .* \(\d+(\.\d)? (bytes|KiB|MiB) free\)/);
      const stored = rows(lib);
      assert.ok(stored.length < 6, `the disk filled before the end (${stored.length} windows stored)`);
      assert.equal(paused.done, stored.length, 'the job row counts exactly the committed windows');
      const announced = Math.max(...events.map((e) => e.done));
      assert.ok(
        announced <= stored.length,
        `announced ${announced} windows as stored, but only ${stored.length} were committed`,
      );
      const last = events[events.length - 1]!;
      assert.deepEqual([last.status, last.errorCode], ['paused', 'DISK_FULL']);
      assert.deepEqual(
        stored,
        expected.slice(0, stored.length),
        'what was committed is what an uninterrupted run stores',
      );
      lib.close();

      // On a disk with no room at all a job's start says DISK_FULL (its 64 KiB reserve cannot be set aside).
      const more = fill(mnt, 'filler2', 0);
      const full = track(openLibrary(path, { create: false }));
      await assert.rejects(
        runJob(full, jobId, executors),
        (err: unknown) => err instanceof AppError && err.code === 'DISK_FULL' && /free/.test(err.message),
      );
      full.close();

      // Space freed: resume, and the result is the uninterrupted run's, window for window.
      unlinkSync(filler);
      unlinkSync(more);
      const again = track(openLibrary(path, { create: false }));
      resumeJob(again, jobId);
      const final = await runJob(again, jobId, executors);
      assert.equal(final.status, 'done', `${final.errorCode} ${final.errorMessage}`);
      assert.deepEqual(rows(again), expected);
      assert.equal(getJob(again, jobId).done, 6);
      assert.equal(again.db.pragma('integrity_check', { simple: true }), 'ok');
      again.close();
    } finally {
      for (const l of open) l.close();
      await closeModel(ctx);
      try {
        execFileSync('umount', ['-l', mnt], { stdio: 'ignore' });
      } catch {
        // not mounted (the mount itself failed and the test says so)
      }
    }
  },
);

test('a library opened on a disk that is already full is DISK_FULL with the free space, not "disk I/O error"', async () => {
  const base = scratchDir('disk-full-open');
  const mnt = join(base, 'mnt');
  execFileSync('mkdir', ['-p', mnt]);
  mountTmpfs(mnt, 1024 * 1024);
  try {
    const path = join(mnt, 'lib.db');
    openLibrary(path, { create: true }).close(); // closed cleanly: no -wal or -shm left, opening must create them
    fill(mnt, 'filler', 0);
    assert.throws(
      () => openLibrary(path, { create: false }).close(),
      (err: unknown) => {
        assert.ok(err instanceof AppError, String(err));
        assert.equal(err.code, 'DISK_FULL', err.message);
        assert.match(err.message, /\(0 bytes free\)/);
        return true;
      },
    );
    // The CLI says the same (it said UNREADABLE "disk I/O error", or INTERNAL "database or disk is full" on a write).
    const cli = await runCli(['jobs', 'list', '--library', path]);
    assert.equal(cli.code, 2, cli.out + cli.err);
    const e = (JSON.parse(cli.err.trim().split('\n').pop()!) as { error: { code: string; message: string } }).error;
    assert.deepEqual([e.code, /0 bytes free/.test(e.message)], ['DISK_FULL', true], e.message);
  } finally {
    execFileSync('umount', ['-l', mnt], { stdio: 'ignore' });
  }
});
