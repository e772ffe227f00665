// probeCached: one probe per file identity (jobs sample many windows of one recording), a new probe when the file
// changes, and the same coded errors as media.probe() for a bad path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexClip } from '../../helpers/media-fixtures.js';
import { scratchDir } from '../../helpers/tiny.js';
import { createMediaService } from '../../../src-main/core/media/index.js';

const media = createMediaService();

test('probeCached answers an unchanged file from memory and re-probes a replaced one', async () => {
  const dir = scratchDir('probe-cache');
  const f = join(dir, 'clip.mp4');
  copyFileSync(indexClip('probe-cache-3s', { duration: 3, fps: 10 }), f);
  const a = await media.probeCached(f);
  assert.deepEqual(a, await media.probe(f));
  assert.equal(await media.probeCached(f), a, 'second call is the cached result');
  copyFileSync(indexClip('probe-cache-5s', { duration: 5, fps: 10 }), f);
  const b = await media.probeCached(f);
  assert.notEqual(b, a);
  assert.ok(Math.abs(b.duration - 5) < 0.2, `re-probed duration ${b.duration}`);
  await assert.rejects(media.probeCached(join(dir, 'missing.mp4')), (e: { code?: string }) => e.code === 'NOT_FOUND');
});
