// Per installed model: available precisions, the default on this machine and what fits (precisionFit, from the
// checkpoint's config.json through estimateMemory), and the same through models.list / models.catalogue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDispatcher } from '../../../src-main/core/handlers/index.js';
import { createCoreContext } from '../../../src-main/core/platform/create-context.js';
import { estimateMemory, type MemoryConfig } from '../../../src-main/core/molmo2/compile/memory-estimate.js';
import { RELEASED_SHAPES } from '../../../src-main/core/molmo2/compile/released-shapes.js';
import { precisionFit } from '../../../src-main/core/models/precision-fit.js';
import type { OpResponse } from '../../../src-main/api/contract.js';
import { opCaller } from '../../helpers/cli.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';

const GB = 1e9;
/** A folder holding only the released Molmo2-4B config.json (the estimate reads nothing else). */
function config4b(): string {
  const dir = scratchDir('fit-4b');
  copyFileSync('models/molmo2-4b/config.json', join(dir, 'config.json'));
  return dir;
}

test('4B on a 24 GB CPU machine: int8 by default, fp32/fp16 do not fit; 64 GB: fp32; the estimate is estimateMemory', () => {
  const dir = config4b();
  const f = precisionFit(dir, 'cpu', null, { ramBytes: 24 * GB, gpuBytes: null });
  assert.ok(f);
  assert.equal(f.default, 'int8');
  assert.equal(f.budgetBytes, 0.7 * 24 * GB);
  assert.deepEqual(
    f.options.map((o) => [o.precision, o.fits]),
    [
      ['fp32', false],
      ['fp16', false],
      ['int8', true],
      ['int4', true],
    ],
  );
  const cfg = RELEASED_SHAPES['molmo2-4b'];
  for (const o of f.options) assert.equal(o.totalBytes, estimateMemory(cfg, o.precision, 128, true).total, o.precision);
  // On the CPU provider fp16 linear weights are held as fp32 (onnxruntime has no x86 fp16 MatMul): +2 bytes each.
  const heldExtra = estimateMemory(cfg, 'fp16', 128, true).total - estimateMemory(cfg, 'fp16').total;
  assert.ok(heldExtra > 8 * GB && heldExtra < 9.7 * GB, `fp16 held as fp32 on CPU adds ${heldExtra / GB} GB`);
  assert.match(f.options[1]?.note ?? '', /no faster than fp32/);
  assert.equal(precisionFit(dir, 'cpu', null, { ramBytes: 64 * GB, gpuBytes: null })?.default, 'fp32');
  assert.equal(precisionFit(dir, 'cpu', null, { ramBytes: 8 * GB, gpuBytes: null })?.default, 'int4'); // none fits: the smallest
});

test('the host precision wins; a GPU of unknown memory fits nothing known and keeps fp32; a 24 GiB GPU takes int8', () => {
  const dir = config4b();
  const set = precisionFit(dir, 'cpu', 'int4', { ramBytes: 64 * GB, gpuBytes: null });
  assert.deepEqual([set?.default, set?.configured], ['int4', 'int4']);
  const unknown = precisionFit(dir, 'webgpu', null, { ramBytes: 64 * GB, gpuBytes: null });
  assert.deepEqual(
    [unknown?.default, unknown?.budgetBytes, unknown?.options.every((o) => o.fits === null && o.note === undefined)],
    ['fp32', null, true],
  );
  const gpu = precisionFit(dir, 'cuda', null, { ramBytes: 16 * GB, gpuBytes: 24 * 1024 ** 3 });
  assert.equal(gpu?.default, 'int8');
  assert.deepEqual(
    gpu?.options.map((o) => o.fits),
    [false, false, true, true],
  );
});

test('no config, bad JSON, a non-Molmo2 config or hostile numbers: null, never a throw', () => {
  const dir = scratchDir('fit-bad');
  const mem = { ramBytes: 24 * GB, gpuBytes: null };
  assert.equal(precisionFit(dir, 'cpu', null, mem), null);
  for (const body of [
    '{',
    'null',
    '[]',
    '{"text_config":{}}',
    JSON.stringify({
      text_config: { hidden_size: -1, num_hidden_layers: 1.5, vocab_size: 'x' },
      vit_config: {},
      adapter_config: {},
    }),
  ]) {
    writeFileSync(join(dir, 'config.json'), body);
    assert.equal(precisionFit(dir, 'cpu', null, mem), null, body);
  }
});

test('models.list gives each installed model its precisions; models.catalogue the estimate per precision', async () => {
  const home = scratchDir('fit-home');
  const tiny = tinyCheckpoint({ shards: 2 });
  const mk = (env: Record<string, string>) =>
    opCaller(
      createDispatcher(
        createCoreContext({ host: 'serve', env: { MOLMOSCOPE_HOME: home, MOLMOSCOPE_CACHE: join(home, 'c'), ...env } }),
      ),
    );
  const call = mk({});
  await call('models.add', { path: tiny, id: 'tiny' });
  const list = await call<OpResponse<'models.list'>>('models.list', {});
  const fit = list.models[0]?.precision;
  assert.ok(fit, 'precision info present');
  assert.equal(fit.provider, 'cpu'); // no GPU provider on the test machines
  assert.equal(fit.default, 'fp32'); // the tiny checkpoint fits anywhere: parity stays the default
  assert.equal(fit.configured, null);
  assert.deepEqual(
    fit.options.map((o) => [o.precision, o.fits]),
    [
      ['fp32', true],
      ['fp16', true],
      ['int8', true],
      ['int4', true],
    ],
  );
  const withEnv = await mk({ MOLMOSCOPE_PRECISION: 'int4' })<OpResponse<'models.list'>>('models.list', {});
  assert.deepEqual([withEnv.models[0]?.precision?.default, withEnv.models[0]?.precision?.configured], ['int4', 'int4']);
  // A bad environment value does not break the listing (the engine refuses it when a job starts).
  const bad = await mk({ MOLMOSCOPE_PRECISION: 'bf16', MOLMOSCOPE_EP: 'nope' })<OpResponse<'models.list'>>(
    'models.list',
    {},
  );
  assert.deepEqual([bad.models[0]?.precision?.default, bad.models[0]?.precision?.provider], ['fp32', 'cpu']);
  const cat = await call<OpResponse<'models.catalogue'>>('models.catalogue', {});
  const e4 = cat.entries.find((e) => e.id === 'molmo2-4b');
  assert.deepEqual(e4?.memoryBytes, {
    fp32: estimateMemory(RELEASED_SHAPES['molmo2-4b'] as MemoryConfig, 'fp32').total,
    fp16: estimateMemory(RELEASED_SHAPES['molmo2-4b'], 'fp16').total,
    int8: estimateMemory(RELEASED_SHAPES['molmo2-4b'], 'int8').total,
    int4: estimateMemory(RELEASED_SHAPES['molmo2-4b'], 'int4').total,
  });
});
