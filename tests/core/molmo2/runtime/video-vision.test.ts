// Video frames preprocessed in the engine process (op 'video-vision', what askVideo sends) give bit-identical vision
// features to the app-side pixels (preprocessFrames → op 'vision'): same resize, same patchify, only the place moved.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineClient } from '../../../../src-main/core/molmo2/engine/engine-client.js';
import { dropEmptyPoolingRows, runModel } from '../../../../src-main/core/molmo2/engine/run-model.js';
import { loadTokenizer } from '../../../../src-main/core/molmo2/tokenizer/tokenizer.js';
import { buildVideoPrompt } from '../../../../src-main/core/molmo2/prompt/build.js';
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

test(
  'video-generate: frames staged in several messages, features kept in the engine: the same tokens as app-side pixels',
  { timeout: 300_000 },
  async () => {
    const dir = tinyCheckpoint({ seed: 1 });
    const checkpoint = await loadCheckpoint(dir);
    const tokenizer = await loadTokenizer(dir);
    const eng = new EngineClient();
    try {
      await eng.open({ modelDir: dir, provider: 'cpu', cacheDir: scratchDir('video-generate') });
      // 6 frames: two 'video-frames' messages (4 + 2).
      const fr = frames(6, 80, 45, 7).map((f, i) => ({ ...f, time: i / 2 }));
      const m = buildVideoPrompt({ checkpoint, tokenizer, question: 'What happens?', frames: fr });
      const dec = { maxNewTokens: 24, temperature: 1, seed: 3 };
      const app = await runModel(eng, m, dec);
      const { pixelValues: _, ...withoutPixels } = m;
      const streamed: number[] = [];
      const engine = await runModel(
        eng,
        { ...withoutPixels, videoFrames: { frames: fr, cfg: checkpoint.videoPreprocessor } },
        { ...dec, streamEvery: 8 },
        undefined,
        (t) => streamed.push(...t),
      );
      assert.equal(app.tokens.length, 24);
      assert.deepEqual(engine.tokens, app.tokens);
      assert.deepEqual(streamed, app.tokens, 'streaming works on the kept features too');
      assert.ok(engine.timings.vision > 0);
      // Kept features are used once: a generate asking for them again is refused, not answered from stale features.
      await assert.rejects(
        eng.generate({
          ids: [1, 2],
          types: [0, 0],
          features: new Float32Array(0),
          maxNewTokens: 2,
          keptFeatures: true,
        }),
        /no kept video features/,
      );
    } finally {
      await eng.close();
    }
  },
);
