// A disk that fails in the middle of a real index job (generated Molmo2 checkpoint, CPU): the library sits on ext4
// on a loop device whose backing file is cut short (and its size re-read) after the first window is stored, so every
// later write gets a real EIO from the block layer ("Buffer I/O error on device loopN"). The job pauses with IO_ERROR
// and the free space, nothing is announced that was not committed, and this process stays up.
// This kernel has no device-mapper (no dm-error / dm-flakey: /dev/mapper/control is missing and modules cannot be
// loaded), so the loop device is the failing device. CI runs as root; where a loop device cannot be set up and
// mounted this test FAILS and says why (it never skips).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { EventPayload } from '../../../src-main/api/contract.js';
import { openLibrary, type Library } from '../../../src-main/core/library/store.js';
import { runJob } from '../../../src-main/core/library/jobs.js';
import { INDEX_JOB_KIND, queueIndexJob } from '../../../src-main/core/library/index-job.js';
import { indexJobKind } from '../../../src-main/core/library/index-host.js';
import { importPaths } from '../../../src-main/core/library/import.js';
import { mediaSourceOver } from '../../../src-main/core/library/media-adapter.js';
import { closeModel } from '../../../src-main/core/molmo2/model-host.js';
import { scratchDir } from '../../helpers/tiny.js';
import { TINY_INDEX_PARAMS, tinyEngineContext } from './tiny-engine.js';
import { indexClip } from '../../helpers/media-fixtures.js';

const CLIP = indexClip('crash-a', { duration: 6, fps: 10 });

// mkfs.ext4 and losetup live in /usr/sbin, which a non-login root shell's PATH may lack.
const SBIN_PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { stdio: 'pipe', env: { ...process.env, PATH: SBIN_PATH } })
    .toString()
    .trim();

/** ext4 on a loop device over a 64 MiB file, mounted with `sync` so a failed write is an error of write() itself. */
function failingDisk(base: string): { mnt: string; fail: () => void; remove: () => void } {
  const img = join(base, 'disk.img');
  const mnt = join(base, 'mnt');
  run('mkdir', ['-p', mnt]);
  let loop = '';
  try {
    run('truncate', ['-s', '64M', img]);
    run('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', img]);
    loop = run('losetup', ['-f', '--show', img]);
    run('mount', ['-o', 'sync,errors=continue', loop, mnt]);
  } catch (err) {
    if (loop) run('losetup', ['-d', loop]);
    const why = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    assert.fail(
      `This test needs a loop device with ext4 mounted on it (run it as root, as CI does) and could not set one up: ${why}`,
    );
  }
  return {
    mnt,
    // The device shrinks to its first MiB: every block past it (the library's WAL among them) fails with EIO.
    fail: () => {
      run('truncate', ['-s', '1M', img]);
      run('losetup', ['-c', loop]);
    },
    remove: () => {
      try {
        run('umount', ['-l', mnt]);
      } finally {
        run('losetup', ['-d', loop]);
      }
    },
  };
}

test(
  'a disk failing mid-job (real EIO from a block device): the job pauses with IO_ERROR, the process stays up',
  { timeout: 600_000 },
  async (t) => {
    const base = scratchDir('io-error');
    const ctx = await tinyEngineContext(base);
    const executors = { [INDEX_JOB_KIND]: indexJobKind(ctx) };
    const disk = failingDisk(base);
    let lib: Library | null = null;
    try {
      lib = openLibrary(join(disk.mnt, 'lib.db'), { create: true });
      await importPaths(lib, [CLIP], { media: mediaSourceOver(ctx.media), signal: new AbortController().signal });
      const jobId = queueIndexJob(lib, TINY_INDEX_PARAMS).id;
      const events: EventPayload<'job.progress'>[] = [];
      let failedAt = -1;
      const end = await runJob(lib, jobId, executors, {
        throttleMs: 0,
        emit: (n, p) => {
          if (n !== 'job.progress') return;
          const e = p as EventPayload<'job.progress'>;
          events.push(e);
          if (failedAt < 0 && e.done >= 1) {
            failedAt = e.done;
            disk.fail();
          }
        },
      });
      assert.ok(failedAt >= 1, 'the disk failed after the first stored window');
      t.diagnostic(
        `failed after ${failedAt} window(s); runJob answered ${end.status}; last event: ${JSON.stringify(events[events.length - 1])}`,
      );
      const last = events[events.length - 1]!;
      assert.deepEqual([last.status, last.errorCode], ['paused', 'IO_ERROR'], last.message);
      assert.match(last.message ?? '', /I\/O error on the library .*\(.*; \d+(\.\d)? (bytes|KiB|MiB) free\)/);
      assert.ok(Math.max(...events.map((e) => e.done)) < 6, 'the job did not go on as if it had stored every window');
      assert.equal(typeof end.status, 'string', 'runJob answered (the row as this connection still reads it)');
      // This process is still up and working: another library on a sound disk opens, and a job can be queued there.
      const other = openLibrary(join(base, 'other.db'), { create: true });
      await importPaths(other, [CLIP], { media: mediaSourceOver(ctx.media), signal: new AbortController().signal });
      assert.equal(queueIndexJob(other, TINY_INDEX_PARAMS).status, 'queued');
      other.close();
    } finally {
      try {
        lib?.close();
      } catch {
        // closing a connection on a failed disk may report the failure again
      }
      await closeModel(ctx);
      disk.remove();
    }
  },
);
