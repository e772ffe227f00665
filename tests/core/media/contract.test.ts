// The media operations answer what their contract schemas promise, on a real clip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { operations } from '../../../src-main/api/contract.js';
import type { CoreContext } from '../../../src-main/core/context.js';
import { mediaHandlers } from '../../../src-main/core/handlers/media.js';
import { createMediaService } from '../../../src-main/core/media/index.js';
import { sampleTimes } from '../../../src-main/core/media/sampling.js';
import { indexClip } from '../../helpers/media-fixtures.js';

const ctx = { media: createMediaService() } as CoreContext; // the media handlers use only the context's media service
const signal = new AbortController().signal;

test('media.* handlers return responses that parse against the contract', async () => {
  const path = indexClip('cfr25-10s', { duration: 10, fps: 25 });
  const p = operations['media.probe'].response.parse(await mediaHandlers['media.probe']!({ path }, ctx, signal));
  assert.equal(p.duration, 10);
  const st = operations['media.sampleTimes'].response.parse(
    await mediaHandlers['media.sampleTimes']!({ duration: 10 }, ctx, signal),
  );
  assert.deepEqual(st.times, sampleTimes(10));
  const ws = operations['media.windows'].response.parse(
    await mediaHandlers['media.windows']!({ path, length: 4, overlap: 1 }, ctx, signal),
  );
  assert.equal(ws.count, 3);
  const w = operations['media.window'].response.parse(
    await mediaHandlers['media.window']!({ path, length: 4, overlap: 1, index: 2 }, ctx, signal),
  );
  assert.deepEqual(w, ws.windows[2]);
  assert.equal(operations['media.probe'].request.safeParse({ path: '' }).success, false);
});
