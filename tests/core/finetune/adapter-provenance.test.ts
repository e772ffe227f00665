// Results record which adapter produced them (migration 006): `index` and `count` on the tiny checkpoint, without
// and then with --adapter; the caption rows and the analytics run say which, through the DB and the API shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tinyCheckpoint } from '../../helpers/tiny.js';
import { adapterScratch } from '../../helpers/tiny-adapter.js';
import { lastJsonLine, shortIndexArgv } from '../../helpers/cli.js';
import { openLibrary } from '../../../src-main/core/library/store.js';
import { listWindows } from '../../../src-main/core/library/recordings.js';
import { RunSchema } from '../../../src-main/api/ops/analytics.js';
import { WindowSchema } from '../../../src-main/api/ops/library.js';

const model = tinyCheckpoint({ seed: 1 });

test('index and count with and without --adapter: every caption and run records the adapter (or none)', async () => {
  const { cli, db, adapter, sha } = await adapterScratch(model, 'provenance');
  const ix = shortIndexArgv(db, model);
  const plain = await cli(...ix);
  assert.equal(plain.code, 0, plain.err);
  const adapted = await cli(...ix, '--adapter', adapter);
  assert.equal(adapted.code, 0, adapted.err);
  const summary = lastJsonLine<{ modelId: string; adapter: { sha256: string; name: string }; captions: number }>(
    adapted.out,
  );
  assert.deepEqual(summary.adapter, { sha256: sha, name: 'my-adapter' });
  assert.match(summary.modelId, new RegExp(`\\+lora@${sha.slice(0, 16)}$`));
  assert.ok(summary.captions >= 2, 'the adapted run captions every window again, beside the base captions');

  const count = [
    'count',
    '--library',
    db,
    '--recording',
    '1',
    '--window',
    '2',
    '--overlap',
    '0.5',
    '--max-frames',
    '2',
    '--max-new-tokens',
    '6',
    '--model',
    model,
    '--ep',
    'cpu',
    '--json',
    'person',
  ];
  const c0 = await cli(...count);
  assert.equal(c0.code, 0, c0.err);
  const c1 = await cli(...count, '--adapter', adapter);
  assert.equal(c1.code, 0, c1.err);
  const runOf = (out: string) => RunSchema.parse(lastJsonLine<{ runs: Array<{ run: unknown }> }>(out).runs[0]!.run);
  assert.equal(runOf(c0.out).adapter, null);
  assert.deepEqual(runOf(c1.out).adapter, { sha256: sha, name: 'my-adapter' });

  const lib = openLibrary(db, { create: false });
  try {
    const caps = lib.db
      .prepare('SELECT model_id, adapter_sha256, adapter_name FROM captions ORDER BY id')
      .all() as Array<{ model_id: string; adapter_sha256: string | null; adapter_name: string | null }>;
    const base = caps.filter((c) => c.adapter_sha256 === null);
    const withA = caps.filter((c) => c.adapter_sha256 === sha);
    assert.equal(base.length + withA.length, caps.length);
    assert.equal(base.length, withA.length);
    assert.ok(base.every((c) => !c.model_id.includes('+lora@') && c.adapter_name === null));
    assert.ok(withA.every((c) => c.model_id === summary.modelId && c.adapter_name === 'my-adapter'));
    const runs = lib.db.prepare('SELECT adapter_sha256 FROM analytics_runs ORDER BY id').pluck().all();
    assert.deepEqual(runs, [null, sha]);
    const windows = listWindows(lib, 1).map((w) => WindowSchema.parse(w));
    const shown = windows.flatMap((w) => w.captions.map((c) => c.adapter?.sha256 ?? null));
    assert.deepEqual(shown.filter((s) => s === sha).length, withA.length);
    assert.deepEqual(shown.filter((s) => s === null).length, base.length);
  } finally {
    lib.close();
  }
});
