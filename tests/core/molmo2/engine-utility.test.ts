// The desktop app's engine transport (src-main/electron/engine-process.ts) against a stand-in for Electron's
// utilityProcess: the bundled engine entry, talking over parentPort, answers load and generate; cancel kills it;
// a start that fails says why.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { build } from 'esbuild';
import { AppError } from '../../../src-main/api/errors.js';
import { EngineClient } from '../../../src-main/core/molmo2/engine/engine-client.js';
import type { EngineLauncher } from '../../../src-main/core/molmo2/engine/engine-process.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';

/** electron/engine-process.ts bundled with `electron` replaced by the stand-in. */
async function loadUtilityLauncher(dir: string): Promise<(entry: string) => EngineLauncher> {
  const out = join(dir, 'engine-process.mjs');
  await build({
    entryPoints: [resolve('src-main/electron/engine-process.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    plugins: [
      {
        name: 'electron-standin',
        setup: (p) =>
          void p.onResolve({ filter: /^electron$/ }, () => ({
            path: resolve('tests/helpers/electron-standin/electron.mjs'),
            external: true,
          })),
      },
    ],
    logLevel: 'silent',
  });
  return ((await import(pathToFileURL(out).href)) as { utilityEngineLauncher: (entry: string) => EngineLauncher })
    .utilityEngineLauncher;
}

test('engine as a utilityProcess: load, generate, cancel by kill, and a failed start with its error', async () => {
  const dir = scratchDir('utility');
  const bundle = join(dir, 'dist-electron');
  const b = spawnSync(process.execPath, [resolve('scripts/build-electron.mjs'), '--outdir', bundle], {
    encoding: 'utf8',
  });
  assert.equal(b.status, 0, b.stderr);
  const launcher = await loadUtilityLauncher(dir);
  const eng = new EngineClient(launcher(join(bundle, 'engine-main.cjs')));
  try {
    await eng.open({ modelDir: tinyCheckpoint({ seed: 1 }), provider: 'cpu', cacheDir: scratchDir('utility-cache') });
    const ids = [151643, 300, 301];
    const r = await eng.generate({ ids, types: [0, 0, 0], features: new Float32Array(0), maxNewTokens: 3 });
    assert.equal(r.tokens.length, 3);
    const ac = new AbortController();
    const long = eng.generate(
      { ids, types: [0, 0, 0], features: new Float32Array(0), maxNewTokens: 100_000 },
      ac.signal,
    );
    await new Promise((res) => setTimeout(res, 300));
    const pid = eng.pid!;
    ac.abort();
    await assert.rejects(long, (e: unknown) => e instanceof AppError && e.code === 'CANCELLED');
    assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the cancelled engine is gone');
    const again = await eng.generate({ ids, types: [0, 0, 0], features: new Float32Array(0), maxNewTokens: 3 });
    assert.deepEqual(again.tokens, r.tokens, 'the restarted engine reloads the model and answers the same');
  } finally {
    await eng.close();
  }
  const broken = join(dir, 'broken-engine.cjs');
  writeFileSync(broken, "throw new RangeError('no engine today');");
  const bad = new EngineClient(launcher(broken));
  await assert.rejects(
    bad.stats(),
    (e: unknown) =>
      e instanceof AppError && e.code === 'ENGINE_START_FAILED' && /RangeError: no engine today/.test(e.message),
  );
});
