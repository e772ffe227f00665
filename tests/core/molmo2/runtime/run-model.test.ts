// runModel through the engine process: vision + in-graph generation; ioBytesPerToken is the same at two context
// lengths (the KV cache never crosses session.run), timings are split by the profiler, sampling is seed-deterministic.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineClient } from '../../../../src-main/core/molmo2/engine/engine-client.js';
import { runModel } from '../../../../src-main/core/molmo2/engine/run-model.js';
import { scratchDir, tinyCheckpoint } from '../../../helpers/tiny.js';
import { imageInputs } from './inputs.js';

test('ioBytesPerToken does not grow with context; same seed, same answer', async () => {
  const eng = new EngineClient();
  try {
    await eng.open({
      modelDir: tinyCheckpoint({ seed: 1 }),
      provider: 'cpu',
      cacheDir: scratchDir('runmodel'),
      profile: true,
    });
    const call = (promptLen: number, seed: number) => {
      const i = imageInputs(3, 0, promptLen);
      return runModel(
        eng,
        {
          inputIds: i.ids,
          tokenTypeIds: i.types,
          pixelValues: i.pixels,
          nCrops: i.nCrops,
          pooling: i.pooling,
          poolK: i.k,
        },
        { maxNewTokens: 8, temperature: 0.7, seed },
      );
    };
    const short = await call(8, 5);
    const long = await call(800, 5);
    assert.equal(short.tokens.length, 8);
    assert.equal(long.tokens.length, 8);
    assert.equal(long.ioBytesPerToken, short.ioBytesPerToken, 'per-token I/O is independent of context length');
    assert.ok(long.ioBytesPrompt > short.ioBytesPrompt);
    assert.ok(short.timings.prefill! > 0 && short.timings.decodeTokensPerSecond! > 0 && short.timings.vision > 0);
    assert.equal(short.provider, 'cpu');
    assert.ok(short.peakMemoryBytes > 0);
    const again = await call(8, 5);
    assert.deepEqual(again.tokens, short.tokens);
  } finally {
    await eng.close();
  }
});
