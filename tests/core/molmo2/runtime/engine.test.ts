// Engine process: lazy load with progress, cancel = kill (stops within 2 s) and the next request works,
// an engine killed from outside becomes ENGINE_CRASHED and restarts; same seed → same tokens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineClient } from '../../../../src-main/core/molmo2/engine/engine-client.js';
import { AppError } from '../../../../src-main/api/errors.js';
import { scratchDir, tinyCheckpoint } from '../../../helpers/tiny.js';
import { ID } from './inputs.js';

const ids = [ID.bos, 300, 301, 302, 303, 304];
const types = ids.map(() => 0);
const features = new Float32Array(0);

test('engine process: progress, determinism, cancel within 2 s, crash → ENGINE_CRASHED and restart', async () => {
  const eng = new EngineClient();
  const stages = new Set<string>();
  eng.onProgress = (s) => stages.add(s);
  try {
    await eng.open({ modelDir: tinyCheckpoint({ seed: 1 }), provider: 'cpu', cacheDir: scratchDir('engine') });
    const a = await eng.generate({ ids, types, features, maxNewTokens: 8, temperature: 0.8, topP: 0.9, seed: 42 });
    assert.ok(stages.has('load-generate'), `progress stages: ${[...stages].join(',')}`);
    const b = await eng.generate({ ids, types, features, maxNewTokens: 8, temperature: 0.8, topP: 0.9, seed: 42 });
    assert.deepEqual(a.tokens, b.tokens, 'same seed, same tokens');
    const c = await eng.generate({ ids, types, features, maxNewTokens: 8, temperature: 0.8, topP: 0.9, seed: 43 });
    assert.notDeepEqual(a.tokens, c.tokens, 'another seed samples differently');

    // Cancel a long generation through its AbortSignal.
    const ac = new AbortController();
    const long = eng.generate({ ids, types, features, maxNewTokens: 200_000 }, ac.signal);
    await new Promise((r) => setTimeout(r, 400));
    const t0 = performance.now();
    ac.abort();
    await assert.rejects(long, (e: unknown) => e instanceof AppError && e.code === 'CANCELLED');
    const stopMs = performance.now() - t0;
    assert.ok(stopMs < 2000, `cancel took ${stopMs} ms`);
    const startsBefore = eng.starts;
    const after = await eng.generate({ ids, types, features, maxNewTokens: 8, temperature: 0.8, topP: 0.9, seed: 42 });
    assert.deepEqual(after.tokens, a.tokens, 'the restarted engine answers the same');
    assert.equal(eng.starts, startsBefore + 1);

    // A crash (killed from outside, as the OOM killer would) becomes ENGINE_CRASHED; the next call restarts.
    const doomed = eng.generate({ ids, types, features, maxNewTokens: 200_000 });
    await new Promise((r) => setTimeout(r, 400));
    process.kill(eng.pid!, 'SIGKILL');
    await assert.rejects(doomed, (e: unknown) => e instanceof AppError && e.code === 'ENGINE_CRASHED');
    const again = await eng.generate({ ids, types, features, maxNewTokens: 4 });
    assert.equal(again.tokens.length, 4);
  } finally {
    await eng.close();
  }
});
