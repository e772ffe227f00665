// library.index and library.windows refuse bad input with a code and queue nothing: no model configured, unknown or
// rejected recordings, impossible window settings; a good request queues one job with its planned window total.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import type { JobDto } from '../../../src-main/api/ops/library.js';
import { createCoreContext } from '../../../src-main/core/platform/create-context.js';
import { createDispatcher } from '../../../src-main/core/handlers/index.js';
import { configureModel } from '../../../src-main/core/molmo2/model-host.js';
import { checkpointContentId } from '../../../src-main/core/library/molmo2-captioner.js';
import { stopJobs } from '../../../src-main/core/job-host.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { makeClip } from './clips.js';

test('library.index: coded errors for bad requests, nothing queued; a good one plans its windows', async () => {
  const dir = scratchDir('index-op');
  // A CLI-host context: jobs are queued, not run (no background loop), so the test stays cheap.
  const ctx = createCoreContext({ host: 'cli', env: { PATH: process.env.PATH } });
  const d = createDispatcher(ctx);
  const code = async (op: string, req: unknown) => {
    const r = await d.dispatch(op, req);
    return r.ok ? 'ok' : r.error.code;
  };
  assert.equal(await code('library.index', {}), 'LIBRARY_NOT_OPEN');
  assert.ok((await d.dispatch('library.open', { path: join(dir, 'lib.db') })).ok);
  const bad = join(dir, 'bad.mp4');
  writeFileSync(bad, 'not a video');
  const imp = await d.dispatch('library.import', { paths: [makeClip(join(dir, 'a.mp4'), { seconds: 4 }), bad] });
  assert.ok(imp.ok);
  const results = (imp as { value: { results: Array<{ path: string; recordingId: number | null }> } }).value.results;
  const ids = Object.fromEntries(results.map((r) => [r.path.endsWith('bad.mp4') ? 'bad' : 'good', r.recordingId!]));

  assert.equal(await code('library.index', {}), 'MODEL_INVALID');
  const model = tinyCheckpoint({ seed: 1 });
  await configureModel(ctx, model);
  assert.equal(await code('library.index', { recordingIds: [9999] }), 'NOT_FOUND');
  assert.equal(await code('library.index', { recordingIds: [ids.bad] }), 'INVALID_INPUT');
  assert.equal(await code('library.index', { windowLength: 4, overlap: 4 }), 'INVALID_INPUT');
  assert.equal(await code('library.index', { tier: 'long' }), 'INVALID_INPUT');
  assert.equal(await code('library.index', { windowLength: 0.5 }), 'INVALID_INPUT');
  assert.equal(await code('library.windows', { recordingId: 9999 }), 'NOT_FOUND');
  const none = await d.dispatch('jobs.list', {});
  assert.ok(none.ok && (none.value as { jobs: unknown[] }).jobs.length === 0, 'no job was queued by a refused request');

  const ok = await d.dispatch('library.index', { windowLength: 2, overlap: 0.5 });
  assert.ok(ok.ok);
  const job = ok.value as JobDto;
  assert.equal(job.status, 'queued');
  assert.equal(job.kind, 'index');
  assert.equal(job.total, 3, '4 s in 2 s windows with 0.5 s overlap');
  assert.deepEqual(job.params, {
    modelId: checkpointContentId(model),
    promptKind: 'dense',
    windowLength: 2,
    overlap: 0.5,
  });
  assert.match(checkpointContentId(model), /^tiny-[^@]+@[0-9a-f]{16}$/);
  const w = await d.dispatch('library.windows', { recordingId: ids.good });
  assert.ok(w.ok && (w.value as { windows: unknown[] }).windows.length === 0, 'nothing indexed yet');
  await stopJobs(ctx);
});
