// The engine entry is built JavaScript found beside the installed code: the Electron bundle's engine-main.cjs,
// started under Node from another folder, answers load and generate; engines that cannot start say why
// (ENGINE_START_FAILED with their own error code and message), and the on-demand build of the sources is reused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { AppError } from '../../../src-main/api/errors.js';
import { EngineClient } from '../../../src-main/core/molmo2/engine/engine-client.js';
import { forkEngine } from '../../../src-main/core/molmo2/engine/engine-process.js';
import { builtEngineEntry } from '../../../src-main/core/molmo2/engine/engine-build.js';
import { exitSummary } from '../../../src-main/core/molmo2/engine/exit-summary.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';

const outside = mkdtempSync(join(tmpdir(), 'molmoscope-engine-cwd-'));
after(() => rmSync(outside, { recursive: true, force: true }));

const ids = [151643, 300, 301, 302];
const types = ids.map(() => 0);

/** An EngineClient forking `entry` with its cwd outside the checkout; `started` lists the pids it forked, in order. */
function forkingClient(
  entry: string,
  startTimeoutMs?: number,
  onFork?: (pid: number) => void,
): { eng: EngineClient; started: number[] } {
  const started: number[] = [];
  const eng = new EngineClient(async () => {
    const p = forkEngine(entry, { cwd: outside });
    if (p.pid !== undefined) {
      started.push(p.pid);
      onFork?.(p.pid);
    }
    return p;
  }, startTimeoutMs);
  return { eng, started };
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

test('the Electron bundle is built and its engine entry, started under Node from another folder, answers load and generate', async () => {
  const out = join(scratchDir('electron-bundle'), 'dist-electron');
  const b = spawnSync(process.execPath, [resolve('scripts/build-electron.mjs'), '--outdir', out], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  assert.ok(readdirSync(out).includes('engine-main.cjs'), `bundle holds ${readdirSync(out).join(', ')}`);
  const eng = new EngineClient(async () => forkEngine(join(out, 'engine-main.cjs'), { cwd: outside }));
  try {
    assert.deepEqual(
      await eng.open({ modelDir: tinyCheckpoint({ seed: 1 }), provider: 'cpu', cacheDir: scratchDir('bundle-cache') }),
      { provider: 'cpu' },
    );
    const r = await eng.generate({ ids, types, features: new Float32Array(0), maxNewTokens: 4 });
    assert.equal(r.tokens.length, 4);
  } finally {
    await eng.close();
  }
  // The same entry copied where no node_modules is reachable: onnxruntime cannot load, and the load says so.
  copyFileSync(join(out, 'engine-main.cjs'), join(outside, 'engine-main.cjs'));
  const lost = new EngineClient(async () => forkEngine(join(outside, 'engine-main.cjs'), { cwd: outside }));
  try {
    await assert.rejects(
      lost.open({ modelDir: tinyCheckpoint({ seed: 1 }), provider: 'cpu', cacheDir: scratchDir('bundle-cache') }),
      (e: unknown) => {
        assert.ok(e instanceof AppError && e.code === 'ENGINE_START_FAILED', String(e));
        assert.match(e.message, /could not load onnxruntime: MODULE_NOT_FOUND: Cannot find module 'onnxruntime-node'/);
        return true;
      },
    );
  } finally {
    await lost.close();
  }
});

test('an engine that cannot start answers ENGINE_START_FAILED with its own error code and message, and is gone', async () => {
  const dir = scratchDir('bad-entries');
  const cases: [string, string | null, RegExp][] = [
    ['missing entry', null, /MODULE_NOT_FOUND: Error: Cannot find module '.*no-such-engine\.cjs'/],
    ['throws at import', "throw new TypeError('engine exploded at import');", /TypeError: engine exploded at import/],
    [
      'imports a missing package',
      "require('molmoscope-no-such-package');",
      /MODULE_NOT_FOUND: Error: Cannot find module 'molmoscope-no-such-package'/,
    ],
    ['exits quietly', 'process.exit(3);', /exited before it started \(code 3, signal null\)$/],
  ];
  for (const [name, body, want] of cases) {
    const entry = join(dir, body === null ? 'no-such-engine.cjs' : `${name.replace(/\W+/g, '-')}.cjs`);
    if (body !== null) writeFileSync(entry, body);
    const { eng, started } = forkingClient(entry);
    const t0 = performance.now();
    await assert.rejects(
      eng.open({ modelDir: tinyCheckpoint({ seed: 1 }), provider: 'cpu', cacheDir: dir }),
      (e: unknown) => {
        assert.ok(e instanceof AppError, `${name}: ${String(e)}`);
        assert.equal(e.code, 'ENGINE_START_FAILED', `${name}: ${e.message}`);
        assert.match(e.message, want, name);
        return true;
      },
    );
    assert.ok(performance.now() - t0 < 30_000, `${name}: took ${performance.now() - t0} ms`);
    const pid = started.at(-1);
    assert.ok(pid !== undefined && gone(pid), `${name}: engine ${pid} is gone`);
  }
});

test('an engine that never says it is up is stopped after the start timeout and reported', async () => {
  const entry = join(scratchDir('silent-engine'), 'silent.cjs');
  writeFileSync(entry, "process.on('message', () => {}); console.error('loading something slow');");
  const { eng, started } = forkingClient(entry, 1500);
  await assert.rejects(
    eng.stats(),
    (e: unknown) =>
      e instanceof AppError &&
      e.code === 'ENGINE_START_FAILED' &&
      /did not say it was ready within 1.5 s/.test(e.message),
  );
  const pid = started.at(-1);
  assert.ok(pid !== undefined && gone(pid), `engine ${pid} is gone`);
});

test('an engine killed from outside while it starts is a crash (ENGINE_CRASHED: the next start may work), not a failed start', async () => {
  const entry = join(scratchDir('killed-engine'), 'slow.cjs');
  writeFileSync(entry, "process.on('message', () => {});");
  const { eng, started } = forkingClient(entry, undefined, (pid) =>
    setTimeout(() => process.kill(pid, 'SIGKILL'), 300),
  );
  await assert.rejects(
    eng.stats(),
    (e: unknown) => e instanceof AppError && e.code === 'ENGINE_CRASHED' && /signal SIGKILL/.test(e.message),
  );
  const pid = started.at(-1);
  assert.ok(pid !== undefined && gone(pid));
});

test('bad Node arguments for the engine are reported as they are', async () => {
  const eng = new EngineClient(async () =>
    forkEngine(resolve('package.json'), { execArgv: ['--no-such-node-flag'], cwd: outside }),
  );
  await assert.rejects(
    eng.stats(),
    (e: unknown) => e instanceof AppError && e.code === 'ENGINE_START_FAILED' && /--no-such-node-flag/.test(e.message),
  );
});

test('exitSummary picks the line that says why', () => {
  const esm = `node:internal/modules/esm/resolve:873\n  throw new ERR_MODULE_NOT_FOUND(packageName, fileURLToPath(base), null);\n        ^\n\nError [ERR_MODULE_NOT_FOUND]: Cannot find package 'tsx' imported from /tmp/x/\n    at packageResolve (node:internal/modules/esm/resolve:873:9) {\n  code: 'ERR_MODULE_NOT_FOUND'\n}\n\nNode.js v20.20.2\n`;
  assert.equal(exitSummary(esm), "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'tsx' imported from /tmp/x/");
  assert.equal(exitSummary(''), '');
  assert.equal(exitSummary('node: bad option: --x\n'), 'node: bad option: --x');
  assert.ok(exitSummary(`Error: ${'x'.repeat(2000)}`).length <= 500);
});

test('the on-demand build of the sources is reused until an input changes', async () => {
  const cache = scratchDir('engine-build');
  const source = resolve('src-main/core/molmo2/engine/engine-main.ts');
  const first = await builtEngineEntry(source, cache);
  const mtime = statSync(first).mtimeMs;
  assert.equal(await builtEngineEntry(source, cache), first, 'unchanged sources: the same build');
  assert.equal(statSync(first).mtimeMs, mtime, 'not rewritten');
  // The build runs from any folder: fork it with the cwd elsewhere and ask for stats.
  const eng = new EngineClient(async () => forkEngine(first, { cwd: outside }));
  try {
    const s = await eng.stats();
    assert.ok(s.peakRssBytes > 0);
  } finally {
    await eng.close();
  }
});
