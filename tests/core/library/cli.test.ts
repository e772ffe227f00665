// The library CLI commands end to end (in process through main()): import, index (real captioner on a generated
// checkpoint, NDJSON progress), search --json shape, jobs control, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openLibrary } from '../../../src-main/core/library/store.js';
import { queueIndexJob, type IndexJobParams } from '../../../src-main/core/library/index-job.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { makeImportFolder } from './clips.js';
import { jsonLines, lastJsonLine, runCli, shortIndexArgv } from '../../helpers/cli.js';

let env: NodeJS.ProcessEnv = {};
const cli = (...argv: string[]) => runCli(argv, { env });

test('import → index → search --json → jobs list/pause/cancel, and clear errors', async () => {
  const dir = scratchDir('lib-cli');
  env = { MOLMOSCOPE_CACHE: join(dir, 'cache'), PATH: process.env.PATH };
  const db = join(dir, 'lib.db');
  const f = makeImportFolder(join(dir, 'footage'));
  const imp = await cli('import', join(dir, 'footage'), '--library', db, '--json');
  assert.equal(imp.code, 0, imp.err);
  const rep = JSON.parse(imp.out);
  assert.equal(rep.counts.added, 2);
  assert.equal(rep.results.find((r: { path: string }) => r.path === f.audio).code, 'NO_VIDEO_STREAM');

  const model = tinyCheckpoint({ seed: 1 });
  const ix = await cli(...shortIndexArgv(db, model));
  assert.equal(ix.code, 0, ix.err);
  const lines = jsonLines(ix.out);
  const summary = lines.pop()!;
  assert.equal(summary.event, 'summary');
  assert.equal(summary.status, 'done');
  assert.equal(summary.tier, 'short');
  assert.equal(summary.captions, summary.total);
  assert.ok((summary.total as number) >= 4);
  assert.ok(lines.length >= 2 && lines.every((l) => l.event === 'job.progress'));
  assert.equal(lines[lines.length - 1]!.status, 'done');
  // Run again: nothing left to caption; a new job finds every window stored.
  const again = lastJsonLine((await cli(...shortIndexArgv(db, model))).out);
  assert.equal(again.captions, summary.captions);
  assert.equal(JSON.parse((await cli('index', '--library', db, '--tier', 'tiny')).err).error.code, 'INVALID_INPUT');
  assert.equal(JSON.parse((await cli('index', '--library', db)).err).error.code, 'MODEL_INVALID');

  const lib = openLibrary(db, { create: false });
  const texts = lib.db.prepare('SELECT text FROM captions ORDER BY id').pluck().all() as string[];
  const word = (
    texts
      .join(' ')
      .toLowerCase()
      .match(/[\p{L}\p{N}_]+/gu) ?? []
  ).find((t) => /^[a-z]{4,}$/.test(t))!;
  const stored = JSON.parse(
    lib.db.prepare('SELECT params_json FROM jobs ORDER BY id LIMIT 1').pluck().get() as string,
  ) as IndexJobParams;
  const queued = queueIndexJob(lib, stored);
  lib.close();

  const s = await cli('search', '--library', db, word, '--limit', '5', '--json');
  assert.equal(s.code, 0, s.err);
  const { results } = JSON.parse(s.out);
  assert.ok(results.length >= 1);
  assert.deepEqual(Object.keys(results[0]).sort(), ['end', 'path', 'recordingId', 'score', 'snippet', 'start']);
  assert.ok([f.a, f.b].includes(results[0].path));
  assert.match(results[0].snippet, /\[/);
  assert.equal((await cli('search', '--library', db, '"AND *', '--json')).code, 0);
  const ver = await cli('search', '--library', db, word, '--verify', '1', '--model', model, '--ep', 'cpu', '--json');
  assert.equal(ver.code, 0, ver.err);
  const vj = JSON.parse(ver.out);
  assert.equal(vj.verification.checked, 1);
  assert.ok(vj.verification.tokens > 0);
  assert.ok(['yes', 'no', 'unclear'].includes(vj.results[0].evidence.verdict));
  assert.equal(vj.results.filter((r: { evidence?: unknown }) => r.evidence).length, 1);

  const list = JSON.parse((await cli('jobs', 'list', '--library', db, '--json')).out);
  assert.deepEqual(
    list.jobs.map((j: { status: string }) => j.status),
    ['queued', 'done', 'done'],
  );
  assert.equal(
    JSON.parse((await cli('jobs', 'pause', String(queued.id), '--library', db, '--json')).out).status,
    'paused',
  );
  assert.equal(
    JSON.parse((await cli('jobs', 'cancel', String(queued.id), '--library', db, '--json')).out).status,
    'cancelled',
  );
  const conflict = await cli('jobs', 'resume', String(queued.id), '--library', db);
  assert.equal(conflict.code, 2);
  assert.equal(JSON.parse(conflict.err).error.code, 'JOB_CONFLICT');
  assert.equal(JSON.parse((await cli('jobs', 'show', '999', '--library', db)).err).error.code, 'JOB_NOT_FOUND');
  assert.equal(JSON.parse((await cli('search', 'x', '--json')).err).error.code, 'INVALID_INPUT');
  assert.equal(JSON.parse((await cli('search', '--library', f.text, 'x')).err).error.code, 'LIBRARY_CORRUPT');
});
