// The media route serves a recording only while it is the file that was imported: a file replaced after its first
// play (by a link to another file, or by another file of the same size and mtime) or by a FIFO is refused, and the
// thumbnail pool keeps a burst of 40 requests to a bounded number of ffmpeg processes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { THUMBNAIL_CONCURRENCY } from '../../src-main/core/library/media-files.js';
import { requestServe, serveImported, type ServeAnswer, type ServeProcess } from '../helpers/serve-process.js';
import { scratchDir } from '../helpers/tiny.js';
import { indexClip } from '../helpers/media-fixtures.js';

let srv: ServeProcess;
let dir: string;
const files: Record<string, string> = {};
let ids: Record<string, number>;

before(async () => {
  dir = scratchDir('media-identity');
  // Natively playable MP4s (served as themselves), each of its own length so none is a duplicate of another.
  ['link', 'same', 'fifo', 'thumbs', 'other'].forEach((name, i) => {
    const clip = indexClip(`media-identity-${i}`, {
      duration: 2 + i * 0.5,
      fps: 10,
      bframes: 0,
      vf: 'format=yuv420p',
      out: ['-profile:v', 'high', '-qp', '10'],
    });
    copyFileSync(clip, (files[name] = join(dir, `${name}.mp4`)));
  });
  ({ srv, ids } = await serveImported(dir, files));
});
after(async () => {
  await srv?.stop();
});

// The token in the query; a generous timeout: 40 stills through a pool of two take a while on a loaded CI machine
// (the figure is printed).
const get = (path: string) =>
  requestServe(srv, `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(srv.token)}`, {
    timeoutMs: 120_000,
  });
const code = (a: ServeAnswer) => (JSON.parse(a.body.toString()) as { error?: { code: string } }).error?.code;

test('a recording replaced by a link to another file after its first play is refused, not served', async () => {
  const first = await get(`/media/recording/${ids.link}`);
  assert.equal(first.status, 200);
  assert.deepEqual(first.body, readFileSync(files.link!));
  rmSync(files.link!);
  symlinkSync(files.other!, files.link!);
  const again = await get(`/media/recording/${ids.link}`);
  assert.equal(again.status, 404);
  assert.equal(code(again), 'NOT_FOUND');
  assert.notDeepEqual(again.body, readFileSync(files.other!));
});

test('another file with the same size and mtime (only device/inode differ) is refused after the first play', async () => {
  const original = readFileSync(files.same!);
  assert.equal((await get(`/media/recording/${ids.same}`)).status, 200);
  const st = statSync(files.same!);
  const forged = join(dir, 'forged.mp4');
  writeFileSync(forged, Buffer.alloc(original.length, 0x41));
  utimesSync(forged, st.atime, st.mtime);
  renameSync(forged, files.same!);
  const a = await get(`/media/recording/${ids.same}`);
  assert.equal(a.status, 404);
  assert.equal(code(a), 'NOT_FOUND');
  assert.ok(!a.body.includes(Buffer.alloc(64, 0x41)), 'none of the forged bytes are served');
});

test('a recording replaced by a FIFO is refused at once (only regular files are opened), and serve keeps answering', async () => {
  rmSync(files.fifo!);
  execFileSync('mkfifo', [files.fifo!]);
  const t0 = Date.now();
  const a = await get(`/media/recording/${ids.fifo}`);
  assert.ok(a.status >= 400 && a.status < 500, `status ${a.status}`);
  const thumb = await get(`/media/thumb/${ids.fifo}?t=1&w=32`);
  assert.ok(thumb.status >= 400 && thumb.status < 500, `thumb status ${thumb.status}`);
  console.log(`FIFO refused in ${Date.now() - t0} ms (${code(a)})`);
  assert.equal((await get(`/media/recording/${ids.other}`)).status, 200);
});

/** ffmpeg processes that are children of the serve process right now. */
function ffmpegChildren(pid: number): number {
  let n = 0;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const comm = /\((.*)\)/.exec(stat)?.[1] ?? '';
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && comm.startsWith('ffmpeg')) n++;
    } catch {
      // the process ended while being read
    }
  }
  return n;
}

test(`40 thumbnail requests at once run at most ${THUMBNAIL_CONCURRENCY} ffmpeg processes, and all are answered`, async () => {
  let peak = 0;
  let polling = true;
  const poll = (async () => {
    while (polling) {
      peak = Math.max(peak, ffmpegChildren(srv.child.pid!));
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const t0 = Date.now();
  const answers = await Promise.all(
    Array.from({ length: 40 }, (_, i) => get(`/media/thumb/${ids.thumbs}?t=${(i * 0.07).toFixed(2)}&w=32`)),
  );
  polling = false;
  await poll;
  for (const a of answers) assert.equal(a.status, 200);
  console.log(`peak ffmpeg processes during 40 thumbnail requests: ${peak}; all answered in ${Date.now() - t0} ms`);
  assert.ok(peak >= 1 && peak <= THUMBNAIL_CONCURRENCY, `peak ${peak}`);
  const hit = await get(`/media/thumb/${ids.thumbs}?t=0.07&w=32`);
  assert.deepEqual(hit.body, answers[1]!.body, 'the cached still is served again');
});
