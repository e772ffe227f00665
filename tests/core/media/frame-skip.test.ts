// Frame skipping (core/media/frame-skip.ts): decoding only the packets the picked frames depend on gives the same
// frames, bit for bit, as decoding everything; it is really taken where it should be, declined where the file does not
// allow it, and falls back to the plain decode when its pipeline fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { AppError } from '../../../src-main/api/errors.js';
import { frameIndex } from '../../../src-main/api/units.js';
import {
  createMediaService,
  resolveFfmpeg,
  sampleTimes,
  type FfmpegBinaries,
} from '../../../src-main/core/media/index.js';
import { dropExpression, planSkip } from '../../../src-main/core/media/frame-skip.js';
import { packetKinds, PacketKind } from '../../../src-main/core/media/packet-kinds.js';
import {
  ffmpegClip,
  indexClip,
  readIndex,
  requiredSample,
  rotatedCopy,
  testsrcClip,
} from '../../helpers/media-fixtures.js';
import { wrappedFfmpeg } from '../../helpers/ffmpeg-wrapper.js';

const media = createMediaService();

/** A 160×120 testsrc2 clip encoded with libx264 veryfast (B-frames, pyramid) plus `x` options. */
const enc = (name: string, x: string[], seconds = 12, fps = 25) =>
  testsrcClip(`skip-${name}.mp4`, { size: '160x120', fps, seconds, preset: 'veryfast', x });
/** The same with libx265 (its defaults: B-frames, open GOPs with CRA keyframes after the first IDR). */
const enc265 = (name: string, params: string, seconds = 12) =>
  testsrcClip(`skip-hevc-${name}.mp4`, {
    size: '160x120',
    fps: 25,
    seconds,
    codec: 'libx265',
    preset: 'veryfast',
    x: ['-x265-params', `log-level=error${params ? ':' + params : ''}`, '-tag:v', 'hvc1'],
  });

/** Count and md5 of the frames decodeFrames gives for `times`, with skipping on or off. */
async function digest(
  file: string,
  times: number[],
  skip: boolean,
  bins?: FfmpegBinaries,
): Promise<{ n: number; md5: string }> {
  const before = process.env.MOLMOSCOPE_FRAME_SKIP;
  process.env.MOLMOSCOPE_FRAME_SKIP = skip ? '1' : '0';
  try {
    const p = await media.probe(file, { bins });
    const h = createHash('md5');
    let n = 0;
    for await (const f of media.decodeFrames(file, times, { probe: p, bins })) {
      h.update(f.rgb);
      n++;
    }
    return { n, md5: h.digest('hex') };
  } finally {
    if (before === undefined) delete process.env.MOLMOSCOPE_FRAME_SKIP;
    else process.env.MOLMOSCOPE_FRAME_SKIP = before;
  }
}

// The last set starts late: where an IDR lies more than 4 s in, the demuxing process seeks (-ss) to just before it.
const timeSets = (d: number) => [
  sampleTimes(d),
  sampleTimes(d, { maxFps: 8, maxFrames: 384 }),
  [0.04, d * 0.37, d * 0.5, d * 0.9],
  [d * 0.6, d * 0.6 + 0.5, d * 0.61, d * 0.95],
];

const CASES: Array<[string, () => string]> = [
  ['x264 default (3 B-frames, pyramid)', () => enc('default', [])],
  ['B-frames without pyramid', () => enc('nopyr', ['-x264-params', 'b-pyramid=none'])],
  [
    'strict pyramid, 5 B-frames, 4 refs, weighted prediction',
    () => enc('strict', ['-refs', '4', '-x264-params', 'b-pyramid=strict:bframes=5:weightb=1:weightp=2']),
  ],
  ['P-frames only, an IDR every second', () => enc('p-gop25', ['-bf', '0', '-g', '25'])],
  ['2 B-frames, an IDR every 20 frames', () => enc('bf2-gop20', ['-bf', '2', '-g', '20'])],
  ['open GOPs (keyframes that are not IDRs)', () => enc('open-gop', ['-x264-params', 'open-gop=1:keyint=30'])],
  ['4 slices per picture', () => enc('slices', ['-x264-params', 'slices=4'])],
  ['interlaced (MBAFF)', () => enc('interlaced', ['-flags', '+ildct+ilme', '-x264-params', 'tff=1'])],
  ['rotated 90°', () => rotatedCopy('skip-rot90.mp4', enc('default', []), 90)],
  ['5 min, an IDR every 2 s (seeks)', () => enc('long', ['-g', '50'], 300)],
  [
    'the shared sample re-encoded to MP4',
    () =>
      ffmpegClip('skip-sample.mp4', (o) => [
        '-i',
        requiredSample('concourse-crowd-720p.avi'),
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        o,
      ]),
  ],
  ['HEVC, x265 defaults (B-frames, open GOPs)', () => enc265('default', '')],
  ['HEVC, closed GOPs, an IDR every 25 frames', () => enc265('closed', 'no-open-gop=1:keyint=25:min-keyint=25')],
  [
    'HEVC, P-frames only, an IDR every 25 frames',
    () => enc265('p-only', 'bframes=0:no-open-gop=1:keyint=25:min-keyint=25'),
  ],
  ['HEVC, temporal sub-layers', () => enc265('layers', 'temporal-layers=1:b-pyramid=1')],
  [
    'fragmented MP4 with audio, an IDR every 2 s',
    () =>
      ffmpegClip('skip-frag-av.mp4', (o) => [
        '-f',
        'lavfi',
        '-i',
        'testsrc2=s=160x120:r=25:d=12',
        '-f',
        'lavfi',
        '-i',
        'sine=d=12',
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-g',
        '50',
        '-c:a',
        'aac',
        '-shortest',
        '-movflags',
        'frag_keyframe+empty_moov',
        o,
      ]),
  ],
  // Matroska: a packet's position is its block's, whose header comes before the frame's bytes.
  ['Matroska, x264 default', () => ffmpegClip('skip-default.mkv', (o) => ['-i', enc('default', []), '-c', 'copy', o])],
  [
    'Matroska, P-frames only, an IDR every second',
    () => ffmpegClip('skip-p-gop25.mkv', (o) => ['-i', enc('p-gop25', ['-bf', '0', '-g', '25']), '-c', 'copy', o]),
  ],
  ['Matroska, HEVC', () => ffmpegClip('skip-hevc-default.mkv', (o) => ['-i', enc265('default', ''), '-c', 'copy', o])],
  [
    'Matroska, 5 min (seeks)',
    () => ffmpegClip('skip-long.mkv', (o) => ['-i', enc('long', ['-g', '50'], 300), '-c', 'copy', o]),
  ],
];

for (const [name, make] of CASES) {
  test(`frame skipping gives the plain decode's frames bit for bit: ${name}`, async () => {
    const file = make();
    const p = await media.probe(file);
    const plans = media.skipStats.plans;
    const seeks = media.skipStats.seeks;
    let kept = media.skipStats.packetsKept;
    let spanned = media.skipStats.packetsSpanned;
    for (const times of timeSets(p.duration)) {
      const before = media.skipStats.plans;
      const plain = await digest(file, times, false);
      assert.equal(media.skipStats.plans, before, 'MOLMOSCOPE_FRAME_SKIP=0 turns skipping off');
      const skipped = await digest(file, times, true);
      assert.deepEqual(skipped, plain, `${times.length} times`);
    }
    assert.ok(media.skipStats.plans > plans, 'skipping was used');
    // Clips with an IDR at least every 2 s have one more than 4 s before the late times: the demuxer seeks there.
    if (/every|5 min/.test(name)) assert.ok(media.skipStats.seeks > seeks, 'a skipping decode seeked');
    kept = media.skipStats.packetsKept - kept;
    spanned = media.skipStats.packetsSpanned - spanned;
    assert.ok(kept < spanned * 0.92, `packets left out: ${spanned - kept} of ${spanned}`);
    assert.equal(media.skipStats.fallbacks, 0);
    assert.deepEqual(media.liveChildPids(), []);
  });
}

test('skipped decodes still give the frame displayed at each time (frames that draw their own index)', async () => {
  // P-frames only and a 10-frame GOP: everything after the last picked frame of each GOP is left out.
  const file = indexClip('skip-index-gop10', { duration: 20, fps: 25, bframes: 0, out: ['-g', '10'] });
  const p = await media.probe(file);
  const times = [...sampleTimes(p.duration), 0.03, 7.77, 19.99];
  const plans = media.skipStats.plans;
  const got: number[] = [];
  for await (const f of media.decodeFrames(file, times, { probe: p }))
    got[f.index] = readIndex(f.rgb, f.width, f.height);
  assert.ok(media.skipStats.plans > plans);
  assert.deepEqual(
    got,
    times.map((t) => Math.min(499, Math.floor(t * 25 + 1e-6))),
  );
});

for (const [codec, make] of [
  ['h264', () => enc('default', [])],
  ['hevc', () => enc265('default', '')],
] as const) {
  test(`${codec} packet kinds read from NAL headers agree with the decoder: its non-reference pictures are what -skip_frame noref drops`, async () => {
    const file = make();
    const { size, mtimeMs } = statSync(file);
    const p = await media.probe(file);
    const scan = media.wholeScanOf(p, size, mtimeMs)!;
    const n = scan.packets.pos.length;
    const kinds = await packetKinds(codec, file, scan.packets.pos, scan.packets.size, 0, n - 1);
    assert.ok(kinds);
    const nonRef = kinds.kind.filter((k) => k === PacketKind.NonRef).length;
    const count = (extra: string[]) =>
      execFileSync(resolveFfmpeg().ffmpeg, ['-v', 'error', ...extra, '-i', file, '-f', 'framecrc', '-'], {
        encoding: 'utf8',
      })
        .split('\n')
        .filter((l) => /^0,/.test(l)).length;
    assert.equal(count([]), n);
    assert.equal(n - count(['-skip_frame', 'noref']), nonRef);
    assert.ok(nonRef > n * 0.3, `${nonRef} non-reference pictures of ${n}`);
    assert.equal(kinds.kind[0], PacketKind.Idr);
    if (codec === 'h264') {
      // Keyframes flagged by the container are the IDRs here (x264 closed GOPs).
      for (let k = 0; k < n; k++)
        assert.equal(kinds.kind[k] === PacketKind.Idr, scan.packets.key[k] === 1, `packet ${k}`);
    } else {
      // x265 opens later GOPs with CRA pictures: keyframes to the container, references (not IDRs) to us.
      assert.equal(kinds.kind.filter((k) => k === PacketKind.Idr).length, 1);
      assert.ok(scan.packets.key.filter((k) => k === 1).length > 1);
    }
  });
}

test('no plan where the timeline and the decoder could disagree: a B-frame stream remuxed with pts = dts, and other codecs', async () => {
  // Stream-copying the AVI sample (no pts) into MP4 writes pts = dts although the decoder reorders its B-frames.
  const remux = ffmpegClip('skip-sample-remux.mp4', (o) => [
    '-i',
    requiredSample('concourse-crowd-720p.avi'),
    '-c',
    'copy',
    o,
  ]);
  const p = await media.probe(remux);
  assert.ok(p.reorderDelay > 0);
  const { size, mtimeMs } = statSync(remux);
  const scan = media.wholeScanOf(p, size, mtimeMs)!;
  assert.equal(await planSkip(remux, p, scan, [0, 10, 100, 200].map(frameIndex)), null);
  const times = sampleTimes(p.duration);
  assert.deepEqual(await digest(remux, times, true), await digest(remux, times, false));
  // MPEG-4 Part 2 and the AVI container are never planned for.
  const plans = media.skipStats.plans;
  const mpeg4 = ffmpegClip('skip-mpeg4.mp4', (o) => [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=160x120:r=25:d=4',
    '-c:v',
    'mpeg4',
    '-bf',
    '2',
    o,
  ]);
  await digest(mpeg4, sampleTimes(4), true);
  await digest(requiredSample('concourse-crowd-720p.avi'), [1, 2, 3], true);
  assert.equal(media.skipStats.plans, plans);
});

test('an ffmpeg without the noise bitstream filter: the plain decode takes over and the frames are the same', async () => {
  // A build without the filter: its demuxing process fails the way such a build does.
  const bins = wrappedFfmpeg('skip-nobsf', 'noise=*', 'echo "Unknown bitstream filter noise" >&2; exit 1');
  const file = enc('default', []);
  const times = sampleTimes(12);
  const fallbacks = media.skipStats.fallbacks;
  assert.deepEqual(await digest(file, times, true, bins), await digest(file, times, false));
  assert.ok(media.skipStats.fallbacks > fallbacks, 'the skipping pipeline failed and was replaced');
  assert.deepEqual(media.liveChildPids(), []);
});

test('dropExpression: 1 outside every kept byte range, 0 inside', () => {
  assert.equal(dropExpression([]), '1');
  assert.equal(dropExpression([[10, 20]]), '1-between(pos\\,10\\,20)');
  const e = dropExpression([
    [10, 20],
    [40, 40],
    [60, 90],
  ]).replaceAll('\\,', ',');
  // Evaluate the expression the way ffmpeg's evaluator would, for a few positions.
  const evalAt = (pos: number) =>
    Function(
      'pos',
      'between',
      'lt',
      'iff',
      `return ${e.replaceAll('if(', 'iff(')}`,
    )(
      pos,
      (x: number, a: number, b: number) => +(x >= a && x <= b),
      (a: number, b: number) => +(a < b),
      (c: number, a: number, b: number) => (c ? a : b),
    );
  assert.deepEqual([5, 10, 15, 20, 30, 40, 50, 60, 90, 91].map(evalAt), [1, 0, 0, 0, 1, 0, 1, 0, 0, 1]);
});

test('no child or pipe descriptor outlives a skipping decode: ended, broken off, aborted, two at once, ffmpeg missing', async () => {
  const file = enc('default', []);
  const p = await media.probe(file);
  const times = sampleTimes(p.duration);
  const fds = () => {
    try {
      return readdirSync('/proc/self/fd').length;
    } catch {
      return null;
    }
  };
  const before = fds();
  const plans = media.skipStats.plans;
  for await (const _ of media.decodeFrames(file, times, { probe: p })) break;
  const ac = new AbortController();
  let got = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of media.decodeFrames(file, times, { probe: p, signal: ac.signal }))
        if (++got === 2) ac.abort();
    })(),
    (e: unknown) => e instanceof AppError && e.code === 'CANCELLED',
  );
  // Two decodes of one file at once, interleaved frame by frame: each gets its own pipes and the same frames.
  const one = await digest(file, times, false);
  const both = await Promise.all([digest(file, times, true), digest(file, times, true)]);
  assert.deepEqual(both, [one, one]);
  assert.ok(media.skipStats.plans >= plans + 4);
  const bins = { ...resolveFfmpeg(), ffmpeg: '/nonexistent/ffmpeg' };
  await assert.rejects(
    (async () => {
      for await (const _ of media.decodeFrames(file, times, { probe: p, bins, hwaccel: false }));
    })(),
    (e: unknown) => e instanceof AppError && e.code === 'FFMPEG_MISSING',
  );
  assert.deepEqual(media.liveChildPids(), []);
  if (before !== null) assert.equal(fds(), before);
});

test('planSkip: a plan only where byte positions grow with decode order across the scan, and kept ranges hold the kept packets', async () => {
  const file = enc('default', []);
  const { size, mtimeMs } = statSync(file);
  const p = await media.probe(file);
  const scan = media.wholeScanOf(p, size, mtimeMs)!;
  const plan = await planSkip(file, p, scan, [0, 12, 25, 50].map(frameIndex));
  assert.ok(plan);
  assert.equal(plan.seekTo, null);
  assert.deepEqual(plan.rel.length, 4);
  assert.ok(plan.kept < plan.span);
  // A packet after the stretch whose bytes lay inside a kept range would be decoded too: no plan then.
  const moved = { ...scan, packets: { ...scan.packets, pos: scan.packets.pos.slice() } };
  moved.packets.pos[scan.packets.pos.length - 1] = scan.packets.pos[1]! + 1;
  assert.equal(await planSkip(file, p, moved, [0, 12, 25, 50].map(frameIndex)), null);
});
