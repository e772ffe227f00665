// Every kind of bad file gives its error code or a correct result — never a crash, a hang or a stray child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../../src-main/api/errors.js';
import { createMediaService, sampleTimes } from '../../../src-main/core/media/index.js';
import {
  ffmpegClip,
  fourccCopy,
  indexClip,
  moovlessCopy,
  readIndex,
  testsrcClip,
  truncatedCopy,
} from '../../helpers/media-fixtures.js';
import { scratchDir } from '../../helpers/tiny.js';

const media = createMediaService();

/** Asserts that `p` rejects with an AppError of `code`. */
async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AppError, `not an AppError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

/** ffmpeg/ffprobe children of this test process, as the OS sees them. */
function osChildren(): string[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' }).trim();
  return out ? out.split('\n').filter((l) => /ffmpeg|ffprobe/.test(l)) : [];
}

function assertNoChildren(): void {
  assert.deepEqual(media.liveChildPids(), []);
  assert.deepEqual(osChildren(), []);
}

const dir = scratchDir('media-bad');

test('bad-input table: each file gives its code', async () => {
  const empty = join(dir, 'empty.mp4');
  writeFileSync(empty, '');
  const text = join(dir, 'notes.mp4');
  writeFileSync(text, 'This is a shopping list, not a video.\n'.repeat(50));
  const plain = indexClip('cfr25-20s', { duration: 20, fps: 25 });
  const table: Array<[string, string, string]> = [
    ['missing file', join(dir, 'nope.mp4'), 'NOT_FOUND'],
    ['empty file', empty, 'NOT_A_VIDEO'],
    ['text renamed .mp4', text, 'NOT_A_VIDEO'],
    ['a directory', dir, 'NOT_A_VIDEO'],
    [
      'audio-only file',
      ffmpegClip('audio-only.m4a', (o) => ['-f', 'lavfi', '-i', 'sine=d=2', '-c:a', 'aac', o]),
      'NO_VIDEO_STREAM',
    ],
    ['MP4 with the moov atom missing', moovlessCopy('moovless.mp4', plain), 'UNREADABLE'],
    [
      'MP4 (index at the end) truncated at half its size',
      truncatedCopy('trunc-half-plain.mp4', plain, 0.5),
      'UNREADABLE',
    ],
    [
      'a video codec this ffmpeg cannot decode',
      fourccCopy('unknown-codec.mp4', plain, 'avc1', 'zzzz'),
      'UNSUPPORTED_CODEC',
    ],
  ];
  for (const [what, file, code] of table) {
    await rejectsWith(media.probe(file), code).catch((e) => assert.fail(`${what}: ${(e as Error).message}`));
  }
  assertNoChildren();
});

test('MP4 (index first) truncated at half its size: probe reports the decodable part; probeStrict raises TRUNCATED', async () => {
  const fast = indexClip('cfr25-20s-faststart', { duration: 20, fps: 25, out: ['-movflags', '+faststart'] });
  const file = truncatedCopy('trunc-half.mp4', fast, 0.5);
  const p = await media.probe(file);
  assert.equal(p.truncated, true);
  assert.equal(p.claimedDuration, 20);
  assert.ok(p.duration > 5 && p.duration < 15, `decodable ${p.duration}`);
  await rejectsWith(media.probeStrict(file), 'TRUNCATED');
  // Sampling the decodable part gives the frames displayed then.
  const frames = Math.round(p.duration * 25);
  const times = sampleTimes(p.duration);
  for await (const f of media.decodeFrames(file, times, { probe: p }))
    assert.equal(readIndex(f.rgb, f.width, f.height), Math.min(frames - 1, Math.floor(f.time * 25 + 1e-6)));
  assertNoChildren();
});

test('a file that vanishes mid-read is NOT_FOUND, and ffmpeg is gone', async () => {
  const src = testsrcClip('testsrc2-320-60s.mp4', { size: '320x240', fps: 10, seconds: 60, preset: 'ultrafast' });
  const file = join(dir, 'vanishing.mp4');
  copyFileSync(src, file);
  const p = await media.probe(file);
  let got = 0;
  await rejectsWith(
    (async () => {
      for await (const f of media.decodeFrames(file, sampleTimes(p.duration), { probe: p })) {
        assert.equal(f.rgb.length, 320 * 240 * 3);
        if (++got === 2) {
          truncateSync(file, 0); // the open descriptor sees the data vanish too
          unlinkSync(file);
        }
      }
    })(),
    'NOT_FOUND',
  );
  assert.ok(got >= 2);
  await rejectsWith(media.probe(file), 'NOT_FOUND');
  assertNoChildren();
});

test('a 7680×4320 frame decodes at native size', async () => {
  const file = testsrcClip('8k-2s.mp4', { size: '7680x4320', fps: 1, seconds: 2, preset: 'ultrafast' });
  const p = await media.probe(file);
  assert.deepEqual([p.width, p.height, p.duration], [7680, 4320, 2]);
  let n = 0;
  for await (const f of media.decodeFrames(file, [1.5], { probe: p })) {
    assert.deepEqual([f.width, f.height, f.rgb.length], [7680, 4320, 7680 * 4320 * 3]);
    assert.ok(f.rgb.some((v) => v > 0));
    n++;
  }
  assert.equal(n, 1);
});

/** Peak resident memory (VmHWM) of a live child, 0 when it is gone or not on Linux. */
function childPeakBytes(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

test('a 4-hour low-resolution file: probing and sampling it is correct and keeps memory (ours + ffmpeg/ffprobe) under 500 MB', async () => {
  const hours = 4 * 3600;
  const file = indexClip('4h-16x16-1fps', { duration: hours, fps: 1, width: 16, height: 16, bframes: 0 });
  let peak = 0;
  let childPeak = 0;
  const sample = () => {
    const kids = media.liveChildPids().reduce((a, pid) => a + childPeakBytes(pid), 0);
    childPeak = Math.max(childPeak, kids);
    peak = Math.max(peak, process.memoryUsage().rss + kids);
  };
  const timer = setInterval(sample, 10);
  try {
    const p = await media.probe(file);
    assert.equal(p.duration, hours);
    const times = sampleTimes(p.duration);
    assert.equal(times.length, 128);
    for await (const f of media.decodeFrames(file, times, { probe: p })) {
      sample();
      assert.equal(readIndex(f.rgb, 16, 16), Math.min(hours - 1, Math.floor(f.time + 1e-6)));
    }
  } finally {
    clearInterval(timer);
  }
  if (process.platform === 'linux') assert.ok(childPeak > 0, 'no ffmpeg/ffprobe child was ever measured');
  console.log(
    `4-hour file: peak memory ${(peak / 2 ** 20).toFixed(0)} MB (ours + children; children alone ${(childPeak / 2 ** 20).toFixed(0)} MB)`,
  );
  assert.ok(peak < 500 * 2 ** 20, `peak memory ${peak}`);
});

test('timeouts and aborts kill every child: probe timeout, decode abort, consumer stopping early', async () => {
  const file = indexClip('cfr5-10min', { duration: 600, fps: 5 });
  await rejectsWith(media.probe(file, { timeoutMs: 1 }), 'PROBE_TIMEOUT');
  assertNoChildren();
  const p = await media.probe(file);
  const ac = new AbortController();
  let got = 0;
  await rejectsWith(
    (async () => {
      for await (const _ of media.decodeFrames(file, sampleTimes(p.duration), { probe: p, signal: ac.signal }))
        if (++got === 3) ac.abort();
    })(),
    'CANCELLED',
  );
  assert.equal(got, 3);
  assertNoChildren();
  for await (const _ of media.decodeFrames(file, sampleTimes(p.duration), { probe: p })) break;
  assertNoChildren();
  const pre = new AbortController();
  pre.abort();
  await rejectsWith(media.probe(file, { signal: pre.signal }), 'CANCELLED');
  assertNoChildren();
});
