// Video frames preprocessed in the engine process (op 'video-vision', what askVideo sends) give bit-identical vision
// features to the app-side pixels (preprocessFrames → op 'vision'): same resize, same patchify, only the place moved.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineClient } from '../../../../src-main/core/molmo2/engine/engine-client.js';
import { dropEmptyPoolingRows } from '../../../../src-main/core/molmo2/engine/run-model.js';
import { loadCheckpoint } from '../../../../src-main/core/molmo2/checkpoint/load.js';
import { preprocessFrames } from '../../../../src-main/core/molmo2/preprocess/video.js';
import type { RgbImage } from '../../../../src-main/core/molmo2/preprocess/resize.js';
import { mulberry32 } from '../../../helpers/random.js';
import { scratchDir, tinyCheckpoint } from '../../../helpers/tiny.js';

/** Random RGB frames at a native, non-square size, so the engine's resize does real work. */
function frames(n: number, width: number, height: number, seed: number): RgbImage[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = Math.floor(rnd() * 256);
    return { width, height, rgb };
  });
}

test(
  'video-vision: frames preprocessed in the engine give the same features, bit for bit, as app-side pixels',
  { timeout: 300_000 },
  async () => {
    const dir = tinyCheckpoint({ seed: 1 });
    const cfg = (await loadCheckpoint(dir)).videoPreprocessor;
    const eng = new EngineClient();
    try {
      await eng.open({ modelDir: dir, provider: 'cpu', cacheDir: scratchDir('video-vision') });
      for (const [w, h] of [
        [64, 36],
        [cfg.size.width, cfg.size.height],
      ] as const) {
        const fr = frames(3, w, h, w);
        const v = preprocessFrames(fr, cfg);
        const pooling = dropEmptyPoolingRows(v.pooling, v.poolK);
        const app = await eng.vision(v.pixelValues, v.nFrames, pooling, v.poolK);
        const engine = await eng.videoVision({ frames: fr, cfg }, pooling, v.poolK);
        assert.ok(app.features.length > 0);
        assert.ok(
          Buffer.from(engine.features.buffer, engine.features.byteOffset, engine.features.byteLength).equals(
            Buffer.from(app.features.buffer, app.features.byteOffset, app.features.byteLength),
          ),
          `${w}×${h}: features differ`,
        );
      }
    } finally {
      await eng.close();
    }
  },
);
