// Frames reach us through a named pipe (default where mkfifo exists) or ffmpeg's stdout: both give the same frames,
// and no pipe descriptor is left open after a decode that ends, is broken off, is aborted or cannot start ffmpeg.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { AppError } from '../../../src-main/api/errors.js';
import {
  createMediaService,
  resolveFfmpeg,
  sampleTimes,
  type ProbeResult,
} from '../../../src-main/core/media/index.js';
import { indexClip, readIndex } from '../../helpers/media-fixtures.js';

const media = createMediaService();

async function indices(
  file: string,
  p: ProbeResult,
  times: number[],
  opts: { transport: 'fifo' | 'stdout' },
): Promise<number[]> {
  const prev = process.env.MOLMOSCOPE_FRAME_PIPE;
  process.env.MOLMOSCOPE_FRAME_PIPE = opts.transport;
  try {
    const out: number[] = [];
    for await (const f of media.decodeFrames(file, times, { probe: p }))
      out[f.index] = readIndex(f.rgb, f.width, f.height);
    return out;
  } finally {
    if (prev === undefined) delete process.env.MOLMOSCOPE_FRAME_PIPE;
    else process.env.MOLMOSCOPE_FRAME_PIPE = prev;
  }
}

/** Open file descriptors of this process (Linux), or null elsewhere. */
function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}

test('named pipe and stdout give the same frames (CFR, VFR; many tiny frames per pipe read)', async () => {
  const files = [
    indexClip('cfr25-10s', { duration: 10, fps: 25 }),
    indexClip('vfr-6s', { duration: 6, fps: 50, pre: "select='not(mod(n\\,5))+eq(mod(n\\,5)\\,3)'" }),
    indexClip('tiny-8x8-30s', { duration: 30, fps: 25, width: 8, height: 8 }),
  ];
  for (const file of files) {
    const p = await media.probe(file);
    // Every frame of the file: for 8×8 frames one 64 KB pipe read carries hundreds of them.
    const times = file.includes('tiny')
      ? Array.from({ length: 750 }, (_, i) => i / 25)
      : [...sampleTimes(p.duration), 0.05, 3.01];
    const viaFifo = await indices(file, p, times, { transport: 'fifo' });
    assert.deepEqual(viaFifo, await indices(file, p, times, { transport: 'stdout' }), file);
    if (file.includes('tiny'))
      assert.deepEqual(
        viaFifo,
        times.map((_, i) => i),
      );
  }
});

test('no pipe descriptor or child outlives a decode: ended, broken off, aborted, or ffmpeg missing', async () => {
  const file = indexClip('cfr25-10s', { duration: 10, fps: 25 });
  const p = await media.probe(file);
  const before = openFds();
  for await (const _ of media.decodeFrames(file, [0, 5, 9.9], { probe: p }));
  for await (const _ of media.decodeFrames(file, sampleTimes(p.duration), { probe: p })) break;
  const ac = new AbortController();
  await assert.rejects(
    (async () => {
      for await (const _ of media.decodeFrames(file, sampleTimes(p.duration), { probe: p, signal: ac.signal }))
        ac.abort();
    })(),
    (e: unknown) => e instanceof AppError && e.code === 'CANCELLED',
  );
  const bins = { ...resolveFfmpeg(), ffmpeg: '/nonexistent/ffmpeg' };
  await assert.rejects(
    (async () => {
      for await (const _ of media.decodeFrames(file, [1], { probe: p, bins, hwaccel: false }));
    })(),
    (e: unknown) => e instanceof AppError && e.code === 'FFMPEG_MISSING',
  );
  assert.deepEqual(media.liveChildPids(), []);
  if (before !== null) assert.equal(openFds(), before);
});
