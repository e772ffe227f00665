// Base against adapter on the tiny checkpoint: the CLI's count runs the library's active adapter on its base by default
// and the base alone with --no-adapter, each run recording which; analytics.rerun queues a run again pinned to the
// other model (the host is put back afterwards), and analytics.compare shows the two side by side. An active adapter
// whose folder is gone or whose base is missing is refused with a code before any engine starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { lastJsonLine, opCaller, runCli } from '../../helpers/cli.js';
import { adapterScratch, makeTinyAdapter, registerAdapter } from '../../helpers/tiny-adapter.js';
import { adapterRecord } from '../../../src-main/core/finetune/use-adapter.js';
import { openLibrary } from '../../../src-main/core/library/store.js';
import { createCoreContext } from '../../../src-main/core/platform/create-context.js';
import { createDispatcher } from '../../../src-main/core/handlers/index.js';
import { currentLibrary } from '../../../src-main/core/handlers/library.js';
import { runJob } from '../../../src-main/core/library/jobs.js';
import { analyticsExecutor } from '../../../src-main/core/analytics/run-jobs.js';
import { closeModel, configuredAdapter } from '../../../src-main/core/molmo2/model-host.js';
import { RunComparisonSchema, RunSchema, type RunDto } from '../../../src-main/api/ops/analytics.js';

const model = tinyCheckpoint({ seed: 1 });
const SETTINGS = ['--window', '2', '--overlap', '0.5', '--max-frames', '2', '--max-new-tokens', '6'];

interface CountOut {
  model: { dir: string; adapter: { name: string; sha256: string; from: string } | null };
  run: RunDto;
}

function countOut(out: string): CountOut {
  const line = lastJsonLine<{ model: CountOut['model']; runs: Array<{ run: unknown }> }>(out);
  return { model: line.model, run: RunSchema.parse(line.runs[0]!.run) };
}

test('count on a library with an active adapter: adapter by default, base with --no-adapter; rerun and compare', async () => {
  const { dir, env, cli, db, adapter, sha } = await adapterScratch(model, 'compare-adapter');
  const adapterId = registerAdapter(db, { dir: adapter, name: 'my-adapter', baseModel: model });
  const count = ['count', '--library', db, '--recording', '1', ...SETTINGS, '--ep', 'cpu', '--json', 'person'];

  const withA = await cli(...count);
  assert.equal(withA.code, 0, withA.err);
  const a = countOut(withA.out);
  assert.deepEqual(a.model.adapter && { ...a.model.adapter }, {
    name: 'my-adapter',
    sha256: sha,
    from: 'library',
    dir: adapter,
  });
  assert.equal(a.model.dir, resolve(model));
  assert.deepEqual(a.run.adapter, { sha256: sha, name: 'my-adapter' });
  assert.equal(a.run.modelId, `${resolve(model)}+lora@${sha.slice(0, 16)}`);

  const base = await cli(...count, '--no-adapter');
  assert.equal(base.code, 0, base.err);
  const b = countOut(base.out);
  assert.equal(b.model.adapter, null);
  assert.equal(b.run.adapter, null);
  assert.equal(b.run.modelId, resolve(model));

  for (const bad of [
    [...count, '--base', '--no-adapter', '--adapter', adapter, '--model', model],
    [...count, '--model', join(dir, 'another-model')],
  ]) {
    const r = await cli(...bad);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /"code":"INVALID_INPUT"/);
  }

  const ctx = createCoreContext({ host: 'cli', env: { ...env, MOLMOSCOPE_HOME: join(dir, 'home') } });
  try {
    const d = createDispatcher(ctx, { validateResponses: true });
    const call = opCaller(d);
    await call('library.open', { path: db });
    const lib = currentLibrary(ctx);
    assert.equal(configuredAdapter(ctx)?.sha256, sha, 'opening the library made its adapter the host model');
    const c0 = RunComparisonSchema.parse(await call('analytics.compare', { a: a.run.id, b: b.run.id }));
    assert.equal(c0.a.run.adapter?.sha256, sha);
    assert.equal(c0.b.run.adapter, null);

    // Re-run the adapter's run with the other model (the base): the job is pinned to it, whatever the host runs.
    const rr = await call<{ job: { id: number }; runs: RunDto[]; model: { modelId: string; adapter: unknown } }>(
      'analytics.rerun',
      { runId: a.run.id },
    );
    assert.deepEqual(rr.model, { modelId: resolve(model), adapter: null });
    const final = await runJob(lib, rr.job.id, { count: analyticsExecutor(ctx, 'count') }, { emit: ctx.emit });
    assert.equal(final.status, 'done', final.errorMessage ?? '');
    assert.equal(configuredAdapter(ctx)?.sha256, sha, 'the host runs the library adapter again after the job');
    const c1 = RunComparisonSchema.parse(await call('analytics.compare', { a: a.run.id, b: rr.runs[0]!.id }));
    assert.equal(c1.b.run.adapter, null);
    assert.equal(c1.b.run.modelId, resolve(model));
    assert.equal(c1.b.run.query, 'person');
    assert.deepEqual([c1.b.run.start, c1.b.run.end], [a.run.start, a.run.end]);
    assert.deepEqual(c1.b.run.params, a.run.params);
    assert.equal(c1.b.run.windowsTotal, a.run.windowsTotal);
    assert.equal(c1.matched.length + c1.onlyA.length, c1.a.total);

    const code = async (req: unknown) => {
      const r = await d.dispatch('analytics.rerun', req);
      return r.ok ? 'accepted' : r.error.code;
    };
    assert.equal(await code({ runId: b.run.id, model: 'base', adapterId }), 'INVALID_INPUT');
    assert.equal(await code({ runId: b.run.id, adapterId: 99 }), 'NOT_FOUND');
    assert.equal(await code({ runId: 99_999 }), 'NOT_FOUND');
    assert.equal(await code({ runId: b.run.id, model: 'other' }), 'INVALID_INPUT');
    // Adapter files changed between queueing and running: the pinned job fails with a code, the host is untouched.
    const stale = await call<{ job: { id: number } }>('analytics.rerun', { runId: b.run.id });
    const cfg = join(adapter, 'adapter_config.json');
    const before = readFileSync(cfg, 'utf8');
    writeFileSync(cfg, `${before}\n`);
    const failed = await runJob(lib, stale.job.id, { count: analyticsExecutor(ctx, 'count') }, { emit: ctx.emit });
    writeFileSync(cfg, before);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.errorCode, 'MODEL_INVALID');
    assert.equal(configuredAdapter(ctx)?.sha256, sha);
    renameSync(adapter, `${adapter}.away`);
    assert.equal(await code({ runId: b.run.id }), 'NOT_FOUND', 'the adapter folder is gone');
    renameSync(`${adapter}.away`, adapter);
  } finally {
    await closeModel(ctx);
    currentLibrary(ctx).close();
    ctx.dispose();
  }

  // The same from the CLI: compare two runs (text and JSON), and re-run the base run with the adapter here.
  const text = await cli('finetune', 'compare', String(a.run.id), String(b.run.id), '--library', db);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, new RegExp(`A: run #${a.run.id} adapter "my-adapter"[^\n]*\nB: run #${b.run.id} base model`));
  const rerun = await cli(
    'finetune',
    'rerun',
    String(b.run.id),
    '--adapter',
    String(adapterId),
    '--library',
    db,
    '--json',
  );
  assert.equal(rerun.code, 0, rerun.err);
  const job = lastJsonLine<{ job: { status: string; params: { runIds: number[] } } }>(rerun.out).job;
  assert.equal(job.status, 'done');
  const json = await cli(
    'finetune',
    'compare',
    String(b.run.id),
    String(job.params.runIds[0]),
    '--library',
    db,
    '--json',
  );
  const c2 = RunComparisonSchema.parse(JSON.parse(json.out));
  assert.equal(c2.a.run.adapter, null);
  assert.equal(c2.b.run.adapter?.sha256, sha);
});

test('an active adapter whose folder is gone, or whose base model is missing, is refused with a code', async () => {
  const dir = scratchDir('compare-adapter-bad');
  const env = { MOLMOSCOPE_CACHE: join(dir, 'cache'), PATH: process.env.PATH, FFMPEG_BIN: process.env.FFMPEG_BIN };
  const db = join(dir, 'lib.db');
  openLibrary(db, { create: true }).close();
  const adapter = makeTinyAdapter(model, join(dir, 'gone'));
  registerAdapter(db, { dir: adapter, name: 'gone', baseModel: model });
  const count = ['count', '--library', db, '--recording', '1', '--json', 'person'];
  renameSync(adapter, join(dir, 'moved'));
  const gone = await runCli(count, { env });
  assert.equal(gone.code, 2, gone.err);
  assert.match(gone.err, /"code":"NOT_FOUND".*is gone/);
  const noBase = await runCli([...count, '--no-adapter'], { env });
  assert.notEqual(noBase.code, 0);
  assert.doesNotMatch(noBase.err, /is gone/, '--no-adapter does not need the adapter folder');
  registerAdapter(db, {
    dir: join(dir, 'moved'),
    name: 'orphan',
    baseModel: join(dir, 'no-such-base'),
    sha256: adapterRecord(model, join(dir, 'moved')).sha256,
  });
  for (const argv of [count, [...count, '--base']]) {
    const r = await runCli(argv, { env });
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /"code":"MODEL_INVALID".*no-such-base/);
  }
});
