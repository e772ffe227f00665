// The media service owns the media layer's state: two services share no cache, and dispose() kills the ffmpeg children
// still running (a decode in flight ends with CANCELLED, starts nothing more, does not hang) and refuses later calls. The decoder that
// never sends a frame is a wrapper at the binary boundary: the real ffmpeg for everything else, a sleep for frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { AppError } from '../../../src-main/api/errors.js';
import { createMediaService } from '../../../src-main/core/media/index.js';
import { createCoreContext } from '../../../src-main/core/platform/create-context.js';
import { indexClip } from '../../helpers/media-fixtures.js';
import { wrappedFfmpeg } from '../../helpers/ffmpeg-wrapper.js';

test('two media services share no cache; one service remembers its own probes', async () => {
  const file = indexClip('svc-cache', { duration: 2, fps: 10 });
  const a = createMediaService();
  const b = createMediaService();
  const first = await a.probeCached(file);
  assert.equal(await a.probeCached(file), first, 'the same service answers from its cache');
  const other = await b.probeCached(file);
  assert.notEqual(other, first, 'another service probes for itself');
  assert.deepEqual(other, first);
  const st = statSync(file);
  assert.ok(a.wholeScanOf(first, st.size, st.mtimeMs), 'the whole-file scan is kept by the service that probed');
  assert.equal(b.wholeScanOf(first, st.size, st.mtimeMs), null, 'and is not seen by another');
  a.dispose();
  b.dispose();
});

test('dispose kills a decode in flight (CANCELLED, no child left) and refuses later calls', async () => {
  const bins = wrappedFfmpeg('svc-dispose', 'rawvideo', 'exec sleep 30');
  const file = indexClip('svc-dispose', { duration: 2, fps: 10 });
  const media = createMediaService();
  const p = await media.probe(file, { bins });
  const decoding = (async () => {
    for await (const _ of media.decodeFrames(file, [0.5, 1], { probe: p, bins, hwaccel: false }));
  })();
  const t0 = Date.now();
  while (media.liveChildPids().length === 0 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
  assert.ok(media.liveChildPids().length > 0, 'the decoder is running');
  media.dispose();
  const cancelled = (e: unknown) => e instanceof AppError && e.code === 'CANCELLED';
  await assert.rejects(decoding, cancelled);
  assert.deepEqual(media.liveChildPids(), [], 'no child left, none started after dispose');
  await assert.rejects(media.probe(file), cancelled);
  await assert.rejects(media.run(bins.ffprobe, ['-version']), cancelled);
  await assert.rejects(media.decodeFrames(file, [0]).next(), cancelled);
});

test('a core context holds a media service and disposes it with itself', async () => {
  const ctx = createCoreContext({ host: 'cli', env: process.env });
  const file = indexClip('svc-cache', { duration: 2, fps: 10 });
  assert.equal((await ctx.media.probe(file)).duration, 2);
  ctx.dispose();
  await assert.rejects(ctx.media.probe(file), (e: unknown) => e instanceof AppError && e.code === 'CANCELLED');
});
