// A refused or broken checkpoint ends `ask` and `index` within seconds with its error code, and leaves no process:
// another model_type, a variant the engine refuses (qkv bias), a RoPE scaling the validator refuses (linear), a missing shard, a truncated safetensors
// header, a missing tokenizer. Bound: 60 s per command (they take ~3-8 s on a loaded 2-core machine; a hang is forever).
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createCoreContext } from '../../src-main/core/platform/create-context.js';
import { configureModel, modelSession } from '../../src-main/core/molmo2/model-host.js';
import { nodeEngineLauncher } from '../../src-main/core/molmo2/engine/engine-launcher.js';
import { AppError } from '../../src-main/api/errors.js';
import { scratchDir, tinyCheckpoint } from '../helpers/tiny.js';
import { runBin } from '../helpers/cli-process.js';
import { cliError, runCli } from '../helpers/cli.js';
import { lavfiClip, lavfiStill } from '../helpers/media-fixtures.js';

const BOUND_MS = 60_000;
const outside = mkdtempSync(join(tmpdir(), 'molmoscope-broken-'));
after(() => rmSync(outside, { recursive: true, force: true }));
const cache = scratchDir('broken-cache');

/** A copy of the two-shard tiny checkpoint (with `text` overrides) with one thing broken. */
function broken(name: string, breakIt: (dir: string) => void, text?: Record<string, unknown>): string {
  const dir = join(scratchDir(`broken-${name}`), 'model');
  cpSync(tinyCheckpoint({ seed: 7, shards: 2, ...(text ? { text } : {}) }), dir, { recursive: true });
  breakIt(dir);
  return dir;
}

function editConfig(
  dir: string,
  edit: (c: { model_type: string; text_config: Record<string, unknown> }) => void,
): void {
  const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  edit(c);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
}

const CASES: { name: string; code: string; message: RegExp; make: () => string }[] = [
  {
    name: 'unsupported model_type',
    code: 'MODEL_UNSUPPORTED',
    message: /model_type "llava" is not supported/,
    make: () => broken('type', (d) => editConfig(d, (c) => (c.model_type = 'llava'))),
  },
  // Valid and complete (the generator writes the qkv biases), but the engine has no qkv-bias path (no Molmo2 has one).
  {
    name: 'variant the engine refuses',
    code: 'MODEL_UNSUPPORTED',
    message: /qkv_bias/,
    make: () => broken('qkv-bias', () => {}, { qkv_bias: true }),
  },
  {
    name: 'RoPE scaling the validator refuses',
    code: 'MODEL_UNSUPPORTED',
    message: /rope_type "linear" is not supported/,
    make: () =>
      broken('rope', (d) => editConfig(d, (c) => (c.text_config.rope_scaling = { rope_type: 'linear', factor: 2 }))),
  },
  {
    name: 'missing shard',
    code: 'NOT_FOUND',
    message: /shard model-00002-of-00002\.safetensors .* is missing/,
    make: () => broken('shard', (d) => rmSync(join(d, 'model-00002-of-00002.safetensors'))),
  },
  {
    name: 'truncated safetensors header',
    code: 'MODEL_INVALID',
    message: /bad safetensors header length/,
    make: () => broken('header', (d) => truncateSync(join(d, 'model-00001-of-00002.safetensors'), 100)),
  },
  {
    name: 'missing tokenizer',
    code: 'NOT_FOUND',
    message: /tokenizer\.json is missing/,
    make: () => broken('tok', (d) => rmSync(join(d, 'tokenizer.json'))),
  },
];

test('ask on a refused or broken checkpoint: its code within the bound, exit 2, no process left', async () => {
  const png = lavfiStill('testsrc-64x48.png', 'testsrc=size=64x48');
  for (const c of CASES) {
    const r = await runBin(['ask', '--model', c.make(), '--image', png, 'What?', '--ep', 'cpu', '--json'], {
      cwd: outside,
      env: { MOLMOSCOPE_CACHE: cache },
      timeoutMs: BOUND_MS * 2,
    });
    assert.ok(r.ms < BOUND_MS, `${c.name}: ask took ${Math.round(r.ms)} ms`);
    assert.equal(r.code, 2, `${c.name}: exit ${r.code}: ${r.err}`);
    const err = cliError(r.err);
    assert.equal(err.code, c.code, `${c.name}: ${err.message}`);
    assert.match(err.message, c.message, c.name);
    assert.equal(r.leftover, false, `${c.name}: a process outlived ask: ${r.err}`);
  }
});

test('index on a refused or broken checkpoint: the job fails with its code within the bound, no process left', async () => {
  const dir = scratchDir('broken-index');
  const clip = lavfiClip('testsrc-64x48-5fps-3s.mp4', 'testsrc=size=64x48:rate=5', 3);
  for (const c of CASES) {
    const db = join(dir, `${c.name.replace(/\W+/g, '-')}.db`);
    assert.equal((await runCli(['import', clip, '--library', db, '--json'])).code, 0);
    const r = await runBin(['index', '--library', db, '--model', c.make(), '--ep', 'cpu', '--json'], {
      cwd: outside,
      env: { MOLMOSCOPE_CACHE: cache },
      timeoutMs: BOUND_MS * 2,
    });
    assert.ok(r.ms < BOUND_MS, `${c.name}: index took ${Math.round(r.ms)} ms`);
    assert.notEqual(r.code, 0, `${c.name}: index succeeded on a broken model`);
    assert.ok(
      r.out.includes(`"errorCode":"${c.code}"`) || r.err.includes(`"code":"${c.code}"`),
      `${c.name}: ${r.out}\n${r.err}`,
    );
    assert.equal(r.leftover, false, `${c.name}: a process outlived index: ${r.err}`);
  }
});

test('the model host stops the engine it started when the checkpoint is refused: that pid is gone', async () => {
  const pids: number[] = [];
  const node = nodeEngineLauncher();
  const ctx = createCoreContext({
    host: 'serve',
    env: { ...process.env, MOLMOSCOPE_CACHE: cache },
    engine: async () => {
      const p = await node();
      if (p.pid !== undefined) pids.push(p.pid);
      return p;
    },
  });
  await configureModel(ctx, CASES[1]!.make(), 'cpu');
  const t0 = performance.now();
  await assert.rejects(modelSession(ctx), (e: unknown) => e instanceof AppError && e.code === 'MODEL_UNSUPPORTED');
  assert.ok(performance.now() - t0 < BOUND_MS);
  assert.equal(pids.length, 1, 'the engine was started once');
  assert.throws(() => process.kill(pids[0]!, 0), /ESRCH/, `engine ${pids[0]} is still running`);
});
