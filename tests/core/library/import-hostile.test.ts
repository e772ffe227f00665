// Import against hostile entries: named pipes never block (CLI in a child process, answering SIGTERM too), files that
// vanish during or right after their probe are rejected without ending the import, and every entry met is reported
// (non-UTF-8 names, link loops, broken links), a 0-byte library file is never re-created as an empty library.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openLibrary } from '../../../src-main/core/library/store.js';
import { importPaths } from '../../../src-main/core/library/import.js';
import { testMediaSource } from '../../helpers/media-source.js';
import type { MediaSource } from '../../../src-main/core/library/media-source.js';
import { scratchDir } from '../../helpers/tiny.js';
import { makeClip } from './clips.js';

const signal = new AbortController().signal;
const CLI = resolve('bin/molmoscope.mjs');

test('a named pipe is rejected as not a regular file and never blocks import (given directly or in a folder)', async () => {
  const dir = scratchDir('import-fifo');
  mkdirSync(join(dir, 'footage'));
  const clip = makeClip(join(dir, 'footage', 'a.mp4'));
  const fifo = join(dir, 'footage', 'pipe.mp4');
  const direct = join(dir, 'direct-pipe');
  execFileSync('mkfifo', [fifo, direct]);
  const t0 = Date.now();
  const r = spawnSync(
    process.execPath,
    [CLI, 'import', direct, join(dir, 'footage'), '--library', join(dir, 'lib.db'), '--json'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.signal, null, `import was killed after ${Date.now() - t0} ms: it blocked on the pipe`);
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as {
    results: Array<{ path: string; action: string; code?: string; reason?: string }>;
  };
  const by = Object.fromEntries(rep.results.map((x) => [x.path, x]));
  for (const p of [fifo, direct]) {
    assert.deepEqual([by[p]?.action, by[p]?.code], ['rejected', 'NOT_A_VIDEO'], p);
    assert.match(by[p]!.reason!, /named pipe/);
  }
  assert.equal(by[clip]?.action, 'added');
  const lib = openLibrary(join(dir, 'lib.db'), { create: false });
  assert.equal(lib.db.prepare('SELECT count(*) FROM recordings').pluck().get(), 1, 'a pipe never becomes a recording');
  lib.close();
});

test('serve-style long import answers SIGTERM while a pipe is among its inputs', async () => {
  const dir = scratchDir('import-fifo-sig');
  const fifo = join(dir, 'x.mp4');
  execFileSync('mkfifo', [fifo]);
  // Many pipes: even if one blocked, the process must still end on SIGTERM (a blocked openSync ignores it).
  const child = spawn(process.execPath, [CLI, 'import', fifo, fifo, fifo, '--library', join(dir, 'lib.db')], {
    stdio: 'ignore',
  });
  const ended = new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, sig) => r({ code, sig })),
  );
  const result = await Promise.race([ended, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
  if (result === null) {
    child.kill('SIGTERM');
    const after = await Promise.race([ended, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
    child.kill('SIGKILL');
    assert.fail(`import of a pipe did not finish in 30 s${after === null ? ' and ignored SIGTERM' : ''}`);
  }
  assert.equal(result.code, 0);
});

test('a file deleted during its probe, or right after it, is rejected and the files after it are still imported', async () => {
  const dir = scratchDir('import-vanish');
  const f = [1, 2, 3, 4].map((i) =>
    makeClip(join(dir, `c${i}.mp4`), { pattern: i % 2 ? 'testsrc' : 'smptebars', seconds: 2 + i }),
  );
  // The user deletes c2 while ffprobe reads it and c3 just after ffprobe answered (the real probe runs both times).
  const media: MediaSource = {
    ...testMediaSource(),
    async probe(path, s) {
      if (path === f[1]) unlinkSync(path);
      const info = await testMediaSource().probe(path, s);
      if (path === f[2]) unlinkSync(path);
      return info;
    },
  };
  const lib = openLibrary(join(dir, 'lib.db'), { create: true });
  try {
    const rep = await importPaths(lib, [dir], { media, signal });
    const by = Object.fromEntries(rep.results.map((r) => [r.path, r]));
    assert.deepEqual(rep.results.map((r) => r.path).sort(), [...f].sort(), 'every file has an outcome');
    assert.equal(by[f[0]!]!.action, 'added');
    assert.deepEqual([by[f[1]!]!.action, by[f[1]!]!.code], ['rejected', 'NOT_FOUND']);
    assert.deepEqual(
      [by[f[2]!]!.action, by[f[2]!]!.code],
      ['rejected', 'NOT_FOUND'],
      'deleted after its probe: not recorded as ready',
    );
    assert.equal(by[f[3]!]!.action, 'added', 'the import went on after the vanished files');
    const ready = lib.db.prepare("SELECT path FROM recordings WHERE status = 'ready' ORDER BY path").pluck().all();
    assert.deepEqual(ready, [f[0], f[3]]);
  } finally {
    lib.close();
  }
});

test('a file rewritten while it is probed is rejected (identity: device, inode, size, mtime)', async () => {
  const dir = scratchDir('import-changed');
  const a = makeClip(join(dir, 'a.mp4'), { seconds: 2 });
  const media: MediaSource = {
    ...testMediaSource(),
    async probe(path, s) {
      const info = await testMediaSource().probe(path, s);
      writeFileSync(path, Buffer.concat([readFileSync(path), Buffer.alloc(1000)]));
      return info;
    },
  };
  const lib = openLibrary(join(dir, 'lib.db'), { create: true });
  try {
    const rep = await importPaths(lib, [a], { media, signal });
    assert.deepEqual([rep.results[0]!.action, rep.results[0]!.code], ['rejected', 'UNREADABLE']);
    assert.match(rep.results[0]!.reason!, /changed while/);
  } finally {
    lib.close();
  }
});

test('non-UTF-8 names, link loops and broken links are reported, not silently dropped', async () => {
  const dir = scratchDir('import-entries');
  const root = join(dir, 'footage');
  mkdirSync(join(root, 'sub'), { recursive: true });
  const good = makeClip(join(root, 'good.mp4'), { seconds: 2 });
  const badName = Buffer.concat([Buffer.from(root + '/'), Buffer.from([0x63, 0xff, 0xfe, 0x2e]), Buffer.from('mp4')]);
  writeFileSync(badName, readFileSync(good));
  symlinkSync('self.mp4', join(root, 'self.mp4')); // ELOOP
  symlinkSync('nowhere.mp4', join(root, 'broken.mp4'));
  symlinkSync(root, join(root, 'sub', 'back-up')); // a folder link back to an ancestor
  const lib = openLibrary(join(dir, 'lib.db'), { create: true });
  try {
    const rep = await importPaths(lib, [root], { media: testMediaSource(), signal });
    const by = Object.fromEntries(rep.results.map((r) => [r.path, r]));
    assert.equal(by[good]!.action, 'added');
    const nonUtf8 = rep.results.find((r) => /not valid UTF-8/.test(r.reason ?? ''));
    assert.ok(nonUtf8, `the non-UTF-8 name is reported: ${JSON.stringify(rep.results)}`);
    assert.match(nonUtf8.reason!, /63fffe2e6d7034/);
    assert.deepEqual(
      [by[join(root, 'self.mp4')]?.action, by[join(root, 'self.mp4')]?.code],
      ['rejected', 'UNREADABLE'],
    );
    assert.match(by[join(root, 'self.mp4')]!.reason!, /link loop/);
    assert.deepEqual(
      [by[join(root, 'broken.mp4')]?.action, by[join(root, 'broken.mp4')]?.code],
      ['rejected', 'NOT_FOUND'],
    );
    assert.match(by[join(root, 'sub', 'back-up')]?.reason ?? '', /symbolic link loop/);
    assert.equal(rep.counts.rejected, 4);
    assert.equal(rep.counts.added, 1);
  } finally {
    lib.close();
  }
});

test('a library file truncated to 0 bytes is refused with LIBRARY_CORRUPT, never re-created as an empty library', () => {
  const dir = scratchDir('import-zero');
  const db = join(dir, 'lib.db');
  writeFileSync(db, '');
  const clip = makeClip(join(dir, 'a.mp4'), { seconds: 2 });
  const r = spawnSync(process.execPath, [CLI, 'import', clip, '--library', db], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2, r.stdout + r.stderr);
  const err = JSON.parse(r.stderr.trim().split('\n').pop()!) as { error: { code: string; message: string } };
  assert.equal(err.error.code, 'LIBRARY_CORRUPT');
  assert.match(err.error.message, /0 bytes.*backup/s);
  assert.equal(statSync(db).size, 0, 'the file was left untouched');
});
