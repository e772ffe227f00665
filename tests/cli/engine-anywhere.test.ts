// The engine starts from an installed app: `molmoscope ask` run from a folder outside the checkout answers on the
// tiny checkpoint, never writes into the checkpoint folder (derived files go to the cache by identity), and the
// derived files go with removeDerivedFiles.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  checkpointCacheKey,
  modelCacheDir,
  recordDerivedSource,
  removeDerivedFiles,
} from '../../src-main/core/platform/model-cache.js';
import { scratchDir, tinyCheckpoint } from '../helpers/tiny.js';
import { runBin } from '../helpers/cli-process.js';
import { runCli } from '../helpers/cli.js';
import { startServeProcess } from '../helpers/serve-process.js';
import { folderSnapshot } from '../helpers/folder-snapshot.js';
import { lavfiClip, lavfiStill } from '../helpers/media-fixtures.js';

const outside = mkdtempSync(join(tmpdir(), 'molmoscope-cwd-'));
after(() => rmSync(outside, { recursive: true, force: true }));

const png = () => lavfiStill('testsrc-64x48.png', 'testsrc=size=64x48');

test('ask from a folder outside the checkout answers, and leaves the checkpoint folder exactly as it was', async () => {
  const model = join(scratchDir('anywhere-model'), 'tiny');
  cpSync(tinyCheckpoint({ seed: 5, shards: 2 }), model, { recursive: true });
  const cache = scratchDir('anywhere-cache');
  const before = folderSnapshot(model);
  const r = await runBin(
    ['ask', '--model', model, '--image', png(), 'What is this?', '--max-new-tokens', '3', '--ep', 'cpu', '--json'],
    {
      cwd: outside,
      env: { MOLMOSCOPE_CACHE: cache },
    },
  );
  assert.equal(r.code, 0, `ask failed (${r.code}): ${r.err}`);
  const answer = JSON.parse(r.out) as { tokens: number; provider: string };
  assert.equal(answer.tokens, 3);
  assert.equal(answer.provider, 'cpu');
  assert.equal(r.leftover, false, `no process outlives ask: ${r.err}`);
  assert.deepEqual(folderSnapshot(model), before, 'the checkpoint folder was written to');

  // Graphs went to the cache folder of the checkpoint's identity; removing the checkpoint's derived files empties it.
  const derived = modelCacheDir({ MOLMOSCOPE_CACHE: cache }, model);
  assert.ok(
    readdirSync(join(derived, 'graphs')).some((f) => f.endsWith('.onnx')),
    'graphs are in the identity folder',
  );
  assert.deepEqual(removeDerivedFiles({ MOLMOSCOPE_CACHE: cache }, model), [derived]);
  assert.equal(existsSync(derived), false);
});

test(
  'serve started from a folder outside the checkout runs an index job on the model through its engine',
  { timeout: 300_000 },
  async () => {
    const dir = scratchDir('anywhere-serve');
    const clip = lavfiClip('testsrc-64x48-5fps-2s.mp4', 'testsrc=size=64x48:rate=5', 2);
    const db = join(dir, 'library.db');
    assert.equal((await runCli(['import', clip, '--library', db, '--json'])).code, 0);
    const srv = await startServeProcess(
      ['--model', tinyCheckpoint({ seed: 5 }), '--ep', 'cpu', '--library', db],
      { MOLMOSCOPE_CACHE: join(dir, 'cache') },
      outside,
    );
    try {
      const api = async <T>(op: string, body: unknown): Promise<T> => {
        const res = await fetch(`${srv.url}/api/${op}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const env = (await res.json()) as { ok: boolean; value?: T; error?: { code: string; message: string } };
        assert.ok(env.ok, `${op}: ${env.error?.code} ${env.error?.message}`);
        return env.value as T;
      };
      const job = await api<{ id: number }>('library.index', { windowLength: 2, overlap: 0.5 });
      let status = '';
      let detail = '';
      for (let i = 0; i < 240 && !['done', 'failed', 'cancelled', 'paused'].includes(status); i++) {
        await new Promise((r) => setTimeout(r, 1000));
        const jobs = (
          await api<{
            jobs: { id: number; status: string; errorCode?: string | null; errorMessage?: string | null }[];
          }>('jobs.list', {})
        ).jobs;
        const j = jobs.find((x) => x.id === job.id);
        status = j?.status ?? '';
        detail = `${j?.errorCode ?? ''} ${j?.errorMessage ?? ''}`;
      }
      assert.equal(status, 'done', `index job ended ${status}: ${detail}`);
    } finally {
      await srv.stop();
    }
  },
);

test('model remove takes the derived files of the checkpoint with it, and leaves a folder added in place untouched', async () => {
  const home = scratchDir('remove-home');
  const env = { ...process.env, MOLMOSCOPE_HOME: home, MOLMOSCOPE_CACHE: join(home, 'cache') };
  const model = join(scratchDir('remove-added'), 'tiny');
  cpSync(tinyCheckpoint({ seed: 5 }), model, { recursive: true });
  const before = folderSnapshot(model);
  assert.equal((await runCli(['model', 'add', model, '--id', 't'], { env })).code, 0);
  const asked = await runCli(['ask', '--image', png(), 'What?', '--max-new-tokens', '2', '--ep', 'cpu', '--json'], {
    env,
  });
  assert.equal(asked.code, 0, asked.err);
  const derived = modelCacheDir(env, model);
  assert.ok(existsSync(join(derived, 'graphs')), 'ask on the default model compiled into its identity folder');
  const removed = await runCli(['model', 'remove', 't'], { env });
  assert.equal(removed.code, 0, removed.err);
  assert.equal(existsSync(derived), false, 'derived files removed with the model');
  assert.deepEqual(folderSnapshot(model), before, 'the added folder is untouched');
});

test('checkpoint identity: same for a moved copy, different after a shard is rewritten in place', () => {
  const a = join(scratchDir('ident'), 'a');
  cpSync(tinyCheckpoint({ seed: 5, shards: 2 }), a, { recursive: true, preserveTimestamps: true });
  const id = checkpointCacheKey(a);
  const b = join(scratchDir('ident'), 'b');
  cpSync(a, b, { recursive: true, preserveTimestamps: true });
  assert.equal(checkpointCacheKey(b), id, 'a copy with the same files and times is the same checkpoint');
  // Same header, same size (a fine-tune written over the file): only the mtime tells.
  const shard = join(b, 'model-00001-of-00002.safetensors');
  utimesSync(shard, new Date(), new Date(Date.now() + 5000));
  assert.notEqual(checkpointCacheKey(b), id);
});

test('removeDerivedFiles: the current identity, older identities recorded for the folder, the path-keyed folder of earlier versions; nothing else', () => {
  const env = { MOLMOSCOPE_CACHE: scratchDir('remove-cache') };
  const model = join(scratchDir('remove'), 'm');
  cpSync(tinyCheckpoint({ seed: 5, shards: 2 }), model, { recursive: true });
  const root = join(env.MOLMOSCOPE_CACHE, 'models');
  const current = modelCacheDir(env, model);
  const older = join(root, 'older-identity');
  const legacy = join(root, createHash('sha256').update(model).digest('hex').slice(0, 16));
  const other = join(root, 'another-checkpoint');
  recordDerivedSource(current, model);
  recordDerivedSource(older, model);
  recordDerivedSource(other, join(model, '..', 'another'));
  mkdirSync(legacy, { recursive: true });
  assert.deepEqual(removeDerivedFiles(env, model).sort(), [current, older, legacy].sort());
  assert.ok(existsSync(other), 'another checkpoint keeps its derived files');
  // Found by the recorded source even after the checkpoint folder is gone.
  recordDerivedSource(older, model);
  rmSync(model, { recursive: true });
  assert.deepEqual(removeDerivedFiles(env, model), [older]);
  assert.deepEqual(removeDerivedFiles({ MOLMOSCOPE_CACHE: scratchDir('empty-cache') }, model), []);
});
