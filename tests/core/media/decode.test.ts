// The frame decoded for each sampled time is the one displayed then: clips whose frames draw their own index
// (CFR, VFR, rotated, non-zero start, B-frames; 10 s, 63.9 s, 64 s, 10 min) and the shared sample footage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createMediaService, sampleTimes, type ProbeResult } from '../../../src-main/core/media/index.js';
import { indexClip, readIndex, rotateCcw, rotatedCopy, sampleClip } from '../../helpers/media-fixtures.js';

const media = createMediaService();

/** Decodes the frames at `times` and returns the index each one draws. */
async function decodedIndices(
  file: string,
  p: ProbeResult,
  times: number[],
  ccwTurns = 0,
  seekWorthPixels?: number,
): Promise<number[]> {
  const out: number[] = [];
  for await (const f of media.decodeFrames(file, times, { probe: p, seekWorthPixels })) {
    assert.equal(f.rgb.length, f.width * f.height * 3);
    assert.equal(f.time, times[f.index]);
    let img: { rgb: Uint8Array; width: number; height: number } = f;
    for (let i = 0; i < ccwTurns; i++) img = rotateCcw(img.rgb, img.width, img.height);
    out[f.index] = readIndex(img.rgb, img.width, img.height);
  }
  return out;
}

/** Independent oracle for a CFR clip: frame n starts at n/fps; the one displayed at t is floor(t·fps), clamped. */
const cfrExpected = (times: number[], fps: number, frames: number) =>
  times.map((t) => Math.min(frames - 1, Math.floor(t * fps + 1e-6 * fps)));

const CFR = [
  { name: 'cfr25-10s', duration: 10, fps: 25 },
  { name: 'cfr10-63.9s', duration: 63.9, fps: 10 },
  { name: 'cfr10-64s', duration: 64, fps: 10 },
  { name: 'cfr5-10min', duration: 600, fps: 5 },
];

for (const c of CFR) {
  test(`${c.name}: probe, sampled times by the rule, and the frame displayed at each time`, async () => {
    const file = indexClip(c.name, { duration: c.duration, fps: c.fps });
    const p = await media.probe(file);
    assert.equal(p.duration, c.duration);
    assert.equal(p.fps, c.fps);
    assert.equal(p.vfr, false);
    assert.deepEqual([p.width, p.height, p.rotation, p.startTime, p.truncated], [64, 48, 0, 0, false]);
    const times = sampleTimes(p.duration);
    assert.deepEqual(times, sampleTimes(c.duration));
    assert.equal(times.length, c.duration <= 63.5 ? Math.ceil(c.duration * 2) + 1 : 128);
    assert.deepEqual(await decodedIndices(file, p, times), cfrExpected(times, c.fps, Math.round(c.duration * c.fps)));
  });
}

test('VFR clip (frame intervals alternate 0.06 s / 0.04 s, MP4): the frame displayed at t, not the nearest or the n-th', async () => {
  // A 50 fps source keeps frames n with n mod 5 in {0, 3}: output frame k starts at 0.1·⌊k/2⌋ + 0.06·(k mod 2).
  const file = indexClip('vfr-6s', { duration: 6, fps: 50, pre: "select='not(mod(n\\,5))+eq(mod(n\\,5)\\,3)'" });
  const p = await media.probe(file);
  assert.equal(p.vfr, true);
  const starts = Array.from({ length: 120 }, (_, k) => 0.1 * Math.floor(k / 2) + 0.06 * (k % 2));
  assert.ok(Math.abs(p.duration - 6) < 0.05, `duration ${p.duration}`);
  const times = sampleTimes(p.duration);
  const extra = [0.05, 0.06, 0.07, 0.099, 1.16, 2.95, 3.0];
  const all = [...times, ...extra];
  const expected = all.map((t) => starts.filter((s) => s <= t + 1e-6).length - 1);
  assert.deepEqual(await decodedIndices(file, p, all), expected);
});

test('non-zero start offset (MKV starting at 2.5 s): times count from the first frame', async () => {
  const file = indexClip('offset-2.5', { duration: 8, fps: 10, ext: 'mkv', out: ['-output_ts_offset', '2.5'] });
  const p = await media.probe(file);
  assert.ok(Math.abs(p.startTime - 2.5) < 1e-3, `startTime ${p.startTime}`);
  assert.ok(Math.abs(p.duration - 8) < 0.11, `duration ${p.duration}`);
  const times = [0, 0.05, 0.5, 1, 3.33, 7.9, p.duration];
  assert.deepEqual(await decodedIndices(file, p, times), cfrExpected(times, 10, 80));
});

test('rotated clip (display matrix): width/height swapped and frames delivered upright', async () => {
  const src = indexClip('cfr10-5s', { duration: 5, fps: 10 });
  const file = rotatedCopy('rot90-5s.mp4', src, 90);
  const p = await media.probe(file);
  // The legacy rotate tag's direction differs across ffmpeg versions; whichever quarter turn probe reports,
  // undoing exactly that turn must give back the upright pattern.
  assert.ok(p.rotation === 90 || p.rotation === 270, `rotation ${p.rotation}`);
  assert.deepEqual([p.width, p.height], [48, 64]);
  const times = sampleTimes(p.duration);
  const got = await decodedIndices(file, p, times, p.rotation === 90 ? 1 : 3);
  assert.deepEqual(got, cfrExpected(times, 10, 50));
  const half = rotatedCopy('rot180-5s.mp4', src, 180);
  const ph = await media.probe(half);
  assert.deepEqual([ph.width, ph.height, ph.rotation], [64, 48, 180]);
  assert.deepEqual(await decodedIndices(half, ph, times, 2), cfrExpected(times, 10, 50));
});

test('late times in a long file are reached by seeking, and still land on the displayed frame', async () => {
  const file = indexClip('cfr5-10min', { duration: 600, fps: 5 });
  const p = await media.probe(file);
  const times = [300, 300.1, 300.2, 301.7, 450.55, 599.9, 600];
  assert.deepEqual(await decodedIndices(file, p, times), cfrExpected(times, 5, 3000));
  // Far-apart times each get their own seek (forced here by a zero threshold); close ones share a process.
  const sparse = [0, 0.3, 77.7, 200, 200.2, 333.3, 512.9, 600];
  assert.deepEqual(await decodedIndices(file, p, sparse, 0, 0), cfrExpected(sparse, 5, 3000));
  // Unsorted and duplicated times come back once each, tagged with their position.
  const odd = [5, 1, 5, 0.2];
  assert.deepEqual(await decodedIndices(file, p, odd), cfrExpected(odd, 5, 3000));
});

test('size option scales with ffmpeg (UI only); thumbnails are JPEG and WebP', async () => {
  const file = indexClip('cfr25-10s', { duration: 10, fps: 25 });
  for await (const f of media.decodeFrames(file, [1], { size: { width: 32, height: 24 } })) {
    assert.deepEqual([f.width, f.height, f.rgb.length], [32, 24, 32 * 24 * 3]);
    assert.equal(readIndex(f.rgb, 32, 24), 25);
  }
  const jpeg = await media.thumbnail(file, 2, { width: 32, format: 'jpeg' });
  assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  const webp = await media.thumbnail(file, 2, { width: 32, format: 'webp' });
  assert.equal(webp.toString('latin1', 8, 12), 'WEBP');
});

const SAMPLE = sampleClip('concourse-crowd-720p.avi');
test(
  'shared sample (AVI, H.264 with B-frames, 25 fps, audio): times by the rule and frames equal to an independent full decode',
  { skip: SAMPLE ? false : 'shared/samples/concourse-crowd-720p.avi not found beside the repository' },
  async () => {
    const file = SAMPLE!;
    const p = await media.probe(file);
    assert.deepEqual([p.width, p.height, p.fps, p.codec, p.hasAudio, p.vfr], [1280, 720, 25, 'h264', true, false]);
    assert.ok(Math.abs(p.duration - 13.64) < 1e-9);
    const times = sampleTimes(p.duration);
    assert.deepEqual(times, [...Array.from({ length: 28 }, (_, i) => i * 0.5), 13.64]);
    // Oracle: ffmpeg's own per-frame MD5s of every decoded frame, in presentation order.
    const md5s = execFileSync(
      'ffmpeg',
      [
        '-hide_banner',
        '-v',
        'error',
        '-i',
        file,
        '-map',
        '0:v:0',
        '-fps_mode',
        'passthrough',
        '-pix_fmt',
        'rgb24',
        '-f',
        'framemd5',
        '-hash',
        'md5',
        '-',
      ],
      { maxBuffer: 1 << 24 },
    )
      .toString('utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(',').pop()!.trim());
    assert.equal(md5s.length, 341);
    for await (const f of media.decodeFrames(file, times, { probe: p })) {
      const k = Math.min(340, Math.floor(f.time * 25 + 1e-6));
      assert.equal(createHash('md5').update(f.rgb).digest('hex'), md5s[k], `frame at ${f.time} s should be frame ${k}`);
    }
  },
);
