// A real out-of-memory in the engine: its address space is capped from outside (prlimit), onnxruntime's arena then
// fails to allocate, the app gets GPU_OOM, and the engine is replaced — the same request then succeeds.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { EngineClient } from '../../../../src-main/core/molmo2/engine/engine-client.js';
import { AppError } from '../../../../src-main/api/errors.js';
import { scratchDir, tinyCheckpoint } from '../../../helpers/tiny.js';
import { videoInputs } from './inputs.js';

const HAS_PRLIMIT = process.platform === 'linux' && spawnSync('prlimit', ['--version']).status === 0;

test(
  'engine out of memory → GPU_OOM, and the next request runs in a fresh engine',
  { skip: HAS_PRLIMIT ? false : 'needs Linux prlimit' },
  async () => {
    const eng = new EngineClient();
    try {
      await eng.open({ modelDir: tinyCheckpoint({ seed: 1 }), provider: 'cpu', cacheDir: scratchDir('engine-oom') });
      const small = videoInputs(5, 1);
      const ok = await eng.vision(small.pixels, small.nCrops, small.pooling, small.k);
      const firstPid = eng.pid!;
      assert.equal(eng.starts, 1);
      // Leave the engine 64 MiB of address space beyond what it has mapped: 16 frames of activations do not fit.
      const vmKb = Number(/VmSize:\s+(\d+) kB/.exec(readFileSync(`/proc/${firstPid}/status`, 'utf8'))![1]);
      const lim = spawnSync('prlimit', ['--pid', String(firstPid), `--as=${vmKb * 1024 + 64 * 2 ** 20}`]);
      assert.equal(lim.status, 0, lim.stderr.toString());
      const big = videoInputs(5, 16);
      await assert.rejects(eng.vision(big.pixels, big.nCrops, big.pooling, big.k), (e: unknown) => {
        assert.ok(e instanceof AppError, String(e));
        assert.equal(e.code, 'GPU_OOM', e.message);
        return true;
      });
      // The capped engine is gone; the same request now runs in a new one (it would fail again in the old one).
      const again = await eng.vision(big.pixels, big.nCrops, big.pooling, big.k);
      assert.equal(eng.starts, 2);
      assert.notEqual(eng.pid, firstPid);
      assert.equal(again.features.length, 16 * ok.features.length);
    } finally {
      await eng.close();
    }
  },
);
