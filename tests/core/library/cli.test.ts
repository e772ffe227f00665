// The library CLI commands end to end (in process through main()): import, search --json shape, jobs control, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { main } from '../../../src-main/cli/main.js';
import { openLibrary } from '../../../src-main/core/library/store.js';
import { runJob } from '../../../src-main/core/library/jobs.js';
import { indexJobExecutor, INDEX_JOB_KIND, queueIndexJob } from '../../../src-main/core/library/index-job.js';
import { defaultMediaSource } from '../../../src-main/core/library/media-adapter.js';
import { scratchDir } from '../../helpers/tiny.js';
import { makeImportFolder } from './clips.js';
import { deterministicCaptioner } from './fixtures/deterministic-captioner.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, { stdout, stderr, stdin: new PassThrough(), env: {}, cwd: process.cwd() });
  return { code, out, err };
}

test('import → index → search --json → jobs list/pause/cancel, and clear errors', async () => {
  const dir = scratchDir('lib-cli');
  const db = join(dir, 'lib.db');
  const f = makeImportFolder(join(dir, 'footage'));
  const imp = await cli('import', join(dir, 'footage'), '--library', db, '--json');
  assert.equal(imp.code, 0, imp.err);
  const rep = JSON.parse(imp.out);
  assert.equal(rep.counts.added, 2);
  assert.equal(rep.results.find((r: { path: string }) => r.path === f.audio).code, 'NO_VIDEO_STREAM');

  // Index with the deterministic test captioner (the real engine is wired by the lead).
  const lib = openLibrary(db, { create: false });
  const captioner = deterministicCaptioner();
  const job = queueIndexJob(lib, { modelId: captioner.modelId, promptKind: 'dense' });
  assert.equal((await runJob(lib, job.id, { [INDEX_JOB_KIND]: indexJobExecutor({ media: defaultMediaSource, captioner }) })).status, 'done');
  const word = (lib.db.prepare('SELECT text FROM captions ORDER BY id LIMIT 1').pluck().get() as string).match(/a \w+ (\w+)/)![1];
  const queued = queueIndexJob(lib, { modelId: captioner.modelId, promptKind: 'dense' });
  lib.close();

  const s = await cli('search', '--library', db, word, '--limit', '5', '--json');
  assert.equal(s.code, 0, s.err);
  const { results } = JSON.parse(s.out);
  assert.ok(results.length >= 1);
  assert.deepEqual(Object.keys(results[0]).sort(), ['end', 'path', 'recordingId', 'score', 'snippet', 'start']);
  assert.ok([f.a, f.b].includes(results[0].path));
  assert.match(results[0].snippet, /\[/);
  assert.equal((await cli('search', '--library', db, '"AND *', '--json')).code, 0);

  const list = JSON.parse((await cli('jobs', 'list', '--library', db, '--json')).out);
  assert.deepEqual(list.jobs.map((j: { status: string }) => j.status), ['queued', 'done']);
  assert.equal(JSON.parse((await cli('jobs', 'pause', String(queued.id), '--library', db, '--json')).out).status, 'paused');
  assert.equal(JSON.parse((await cli('jobs', 'cancel', String(queued.id), '--library', db, '--json')).out).status, 'cancelled');
  const conflict = await cli('jobs', 'resume', String(queued.id), '--library', db);
  assert.equal(conflict.code, 2);
  assert.equal(JSON.parse(conflict.err).error.code, 'JOB_CONFLICT');
  assert.equal(JSON.parse((await cli('jobs', 'show', '999', '--library', db)).err).error.code, 'JOB_NOT_FOUND');
  assert.equal(JSON.parse((await cli('search', 'x', '--json')).err).error.code, 'INVALID_INPUT');
  assert.equal(JSON.parse((await cli('search', '--library', f.text, 'x')).err).error.code, 'LIBRARY_CORRUPT');
});
