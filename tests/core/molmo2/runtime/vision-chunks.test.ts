// Vision in runs of at most N crops gives the same features as one run (video frames and image tiles).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Molmo2Runtime } from '../../../../src-main/core/molmo2/engine/runtime.js';
import { planVisionChunks } from '../../../../src-main/core/molmo2/engine/vision-chunks.js';
import { relError } from '../../../../src-main/core/molmo2/reference/math.js';
import { scratchDir, tinyCheckpoint } from '../../../helpers/tiny.js';
import { imageInputs, videoInputs } from './inputs.js';

test('plan keeps rows with every crop they read', () => {
  // Row 0 reads crops 0 and 1, row 1 reads crop 2, row 2 is padding only.
  const pooling = Int32Array.from([0, 729, 1458, -1, -1, -1]);
  assert.deepEqual(planVisionChunks(pooling, 2, 729, 1), [
    { cropStart: 0, cropEnd: 2, rowStart: 0, rowEnd: 1 },
    { cropStart: 2, cropEnd: 3, rowStart: 1, rowEnd: 3 },
  ]);
});

test('chunked vision equals one run (video, 3 frames; image, 2 tiles)', async () => {
  const rt = Molmo2Runtime.open(tinyCheckpoint({ seed: 1 }), { provider: 'cpu', cacheDir: scratchDir('vchunks') });
  try {
    for (const inp of [videoInputs(5, 3), imageInputs(4, 2)]) {
      const one = await rt.vision(inp.pixels, inp.nCrops, inp.pooling, inp.k, 16);
      const many = await rt.vision(inp.pixels, inp.nCrops, inp.pooling, inp.k, 1);
      assert.equal(one.runs, 1);
      assert.equal(many.runs, 3);
      assert.ok(relError(many.features, one.features) < 1e-6);
    }
  } finally {
    await rt.dispose();
  }
});
