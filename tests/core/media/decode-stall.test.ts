// A decoder that stops sending frames is killed after stallMs and reported as DECODE_STALLED (not a probe timeout),
// with no child left behind. The stalling ffmpeg is a wrapper at the binary boundary: the real one for everything
// else, a sleep where frames are asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMediaService } from '../../../src-main/core/media/index.js';
import { AppError } from '../../../src-main/api/errors.js';
import { indexClip } from '../../helpers/media-fixtures.js';
import { wrappedFfmpeg } from '../../helpers/ffmpeg-wrapper.js';

const media = createMediaService();

test('a stalled decode ends with DECODE_STALLED after stallMs and leaves no child', async () => {
  const bins = wrappedFfmpeg('decode-stall', 'rawvideo', 'exec sleep 30');
  const file = indexClip('stall-src', { duration: 2, fps: 10 });
  const p = await media.probe(file, { bins });
  const t0 = Date.now();
  await assert.rejects(
    (async () => {
      for await (const _ of media.decodeFrames(file, [0.5, 1], { probe: p, bins, stallMs: 400, hwaccel: false }));
    })(),
    (e: unknown) => e instanceof AppError && e.code === 'DECODE_STALLED',
  );
  const ms = Date.now() - t0;
  assert.ok(ms < 10_000, `took ${ms} ms`);
  assert.deepEqual(media.liveChildPids(), []);
});
