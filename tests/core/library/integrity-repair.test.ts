// A library whose damage quick_check misses but integrity_check catches (one index entry changed on disk) is never
// written to by index, count, jobs or a job runner (the full check runs in the background; writers wait for it), the
// user is told to run `library repair`, and the repair keeps a copy aside, rebuilds indexes and the search index, and
// says so plainly when the damage is in stored rows instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../../../src-main/api/errors.js';
import { openLibrary } from '../../../src-main/core/library/store.js';
import { createJob, runJob } from '../../../src-main/core/library/jobs.js';
import { damageIndexEntry } from '../../helpers/sqlite-damage.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { runCli } from '../../helpers/cli.js';
import { runBin } from '../../helpers/cli-process.js';
import { fileSha256 } from '../../helpers/folder-snapshot.js';

const FOLDER = '/videos/aaaaaaaa';

/** A library with one recording, captioned windows and a queued job, checkpointed into the main file and closed. */
function makeLibrary(path: string, captions = 3): void {
  const lib = openLibrary(path, { create: true });
  const rec = Number(
    lib.db
      .prepare(
        `INSERT INTO recordings (path, folder, name, size_bytes, mtime_ms, status, duration_s, width, height, imported_at, updated_at)
    VALUES (?, ?, 'a.mp4', 1, 1, 'ready', 10, 64, 48, 'x', 'x')`,
      )
      .run(`${FOLDER}/a.mp4`, FOLDER).lastInsertRowid,
  );
  for (let i = 0; i < captions; i++) {
    const w = Number(
      lib.db
        .prepare("INSERT INTO windows (recording_id, idx, start_s, end_s, sample_times) VALUES (?, ?, ?, ?, '[]')")
        .run(rec, i, i, i + 1).lastInsertRowid,
    );
    lib.db
      .prepare(
        "INSERT INTO captions (window_id, model_id, prompt_kind, text, tokens, created_at) VALUES (?, 'm', 'dense', ?, 5, 'x')",
      )
      .run(w, `a red bicycle passes window ${i} near the zebra crossing`);
  }
  createJob(lib, 'index', {}, 3);
  lib.db.pragma('wal_checkpoint(TRUNCATE)');
  lib.close();
}

function checks(path: string): { quick: string; full: string } {
  const db = new Database(path, { readonly: true });
  try {
    return {
      quick: db.pragma('quick_check', { simple: true }) as string,
      full: db.pragma('integrity_check', { simple: true }) as string,
    };
  } finally {
    db.close();
  }
}

const cliError = (err: string) =>
  (JSON.parse(err.trim().split('\n').pop()!) as { error: { code: string; message: string } }).error;

test(
  'index damage quick_check misses: writers refuse with LIBRARY_CORRUPT and the way out; repair rebuilds it',
  { timeout: 120_000 },
  async () => {
    const dir = scratchDir('lib-integrity');
    const path = join(dir, 'lib.db');
    makeLibrary(path);
    damageIndexEntry(path, 'recordings_folder', FOLDER);
    const c = checks(path);
    assert.equal(c.quick, 'ok', 'quick_check does not see this damage');
    assert.notEqual(c.full, 'ok', 'integrity_check does');
    const before = fileSha256(path);

    for (const argv of [
      ['jobs', 'pause', '1'],
      ['jobs', 'cancel', '1'],
      ['index', '--model', tinyCheckpoint({ seed: 1 })],
    ]) {
      const r = await runCli([...argv, '--library', path], { env: { ...process.env } });
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.out}${r.err}`);
      const e = cliError(r.err);
      assert.equal(e.code, 'LIBRARY_CORRUPT', `${argv.join(' ')}: ${e.message}`);
      assert.match(e.message, /molmoscope library repair --library/);
    }
    // Reads still answer (search only reads; the check does not hold it up).
    const s = await runCli(['search', 'bicycle', '--library', path, '--json']);
    assert.equal(s.code, 0, s.err);
    // A job runner in a host waits for the background check and refuses too.
    const lib = openLibrary(path, { create: false, integrity: 'background' });
    await assert.rejects(
      runJob(lib, 1, { index: async () => {} }),
      (e: unknown) => e instanceof AppError && e.code === 'LIBRARY_CORRUPT',
    );
    lib.close();
    assert.equal(fileSha256(path), before, 'nothing was written to the damaged library');

    const rep = await runCli(['library', 'repair', '--library', path, '--json']);
    assert.equal(rep.code, 0, rep.out + rep.err);
    const report = JSON.parse(rep.out) as { repaired: boolean; copy: string; before: string[]; after: string[] };
    assert.equal(report.repaired, true);
    assert.deepEqual(report.after, ['ok']);
    assert.notDeepEqual(report.before, ['ok']);
    assert.equal(fileSha256(report.copy), before, 'the library as it was is kept aside');
    assert.deepEqual(checks(path), { quick: 'ok', full: 'ok' });
    const after = await runCli(['search', 'zebra', '--library', path, '--json']);
    assert.equal(
      (JSON.parse(after.out) as { results: unknown[] }).results.length,
      1,
      'the search index answers after the rebuild',
    );
    const ok = await runCli(['jobs', 'cancel', '1', '--library', path]);
    assert.equal(ok.code, 0, ok.err);
  },
);

test('damage in stored rows is not repaired: exit 1, the reason, and the copy kept aside', async () => {
  const dir = scratchDir('lib-integrity');
  const path = join(dir, 'lib.db');
  makeLibrary(path, 40);
  // Garbage over the middle of the captions table's root page: stored rows, not derived data.
  const db = new Database(path, { readonly: true });
  const root = db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'captions'").pluck().get() as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const buf = readFileSync(path);
  buf.fill(0xa5, (root - 1) * pageSize + 8, (root - 1) * pageSize + 2048);
  writeFileSync(path, buf);
  const before = fileSha256(path);
  const r = await runCli(['library', 'repair', '--library', path]);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /NOT repaired.*stored rows/s);
  assert.match(r.out, /Restore a backup/);
  const copy = /kept at (\S+)\.\n/.exec(r.out)?.[1];
  assert.ok(copy && existsSync(copy), r.out);
  assert.equal(fileSha256(copy), before);
  const c = await runCli(['library', 'check', '--library', path]);
  assert.equal(c.code, 2);
  assert.equal(cliError(c.err).code, 'LIBRARY_CORRUPT');
});

test('a short command closes an intact library before its background check ends: no warning, stderr is its answer', async () => {
  const dir = scratchDir('integrity-short');
  const path = join(dir, 'lib.db');
  makeLibrary(path);
  // The bin as users run it, its logger at the default level: a warning would be a second line on stderr.
  const env = { MOLMOSCOPE_HOME: join(dir, 'home'), MOLMOSCOPE_LOG_LEVEL: '' };
  for (let i = 0; i < 3; i++) {
    const r = await runBin(['finetune', 'missed', '99', '--library', path, '--json'], { cwd: dir, env });
    assert.equal(r.code, 2, r.out);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.equal((JSON.parse(r.err) as { error: { code: string } }).error.code, 'NOT_FOUND');
  }
});
