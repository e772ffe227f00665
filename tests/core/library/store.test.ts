// Library store: WAL, integrity check on open, refusal of corrupt/foreign/newer files without touching them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../../../src-main/api/errors.js';
import { openLibrary } from '../../../src-main/core/library/store.js';
import { LATEST_VERSION, MIGRATIONS } from '../../../src-main/core/library/migrations/index.js';
import { scratchDir } from '../../helpers/tiny.js';
import { fileSha256 } from '../../helpers/folder-snapshot.js';

function expectCode(fn: () => unknown, code: string) {
  assert.throws(
    fn,
    (e: unknown) => e instanceof AppError && e.code === code && e.message.length > 10,
    `expected ${code}`,
  );
}

/** Opening the file at `p` fails with `code`, and the file is left byte for byte as it was. */
function expectRefusedUntouched(p: string, create: boolean, code: string) {
  const before = fileSha256(p);
  expectCode(() => openLibrary(p, { create }), code);
  assert.equal(fileSha256(p), before);
}

test('creates a library: WAL on, latest schema, migrations recorded, integrity ok on reopen', () => {
  const dir = scratchDir('lib-store');
  const p = join(dir, 'lib.molmo');
  const lib = openLibrary(p, { create: true });
  assert.equal(lib.created, true);
  assert.equal(lib.schemaVersion, LATEST_VERSION);
  assert.equal(lib.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(lib.db.pragma('foreign_keys', { simple: true }), 1);
  const rows = lib.db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
  assert.deepEqual(
    rows,
    MIGRATIONS.map((m) => m.version),
  );
  lib.close();
  const again = openLibrary(p, { create: false });
  assert.equal(again.created, false);
  assert.equal(again.schemaVersion, LATEST_VERSION);
  again.close();
});

test('missing file without create is NOT_FOUND; a 0-byte file is LIBRARY_CORRUPT (even with create) and stays empty', () => {
  const dir = scratchDir('lib-store');
  expectCode(() => openLibrary(join(dir, 'nope.db'), { create: false }), 'NOT_FOUND');
  writeFileSync(join(dir, 'empty.db'), '');
  expectCode(() => openLibrary(join(dir, 'empty.db'), { create: false }), 'LIBRARY_CORRUPT');
  expectCode(() => openLibrary(join(dir, 'empty.db'), { create: true }), 'LIBRARY_CORRUPT');
  assert.equal(readFileSync(join(dir, 'empty.db')).length, 0);
});

test('a text file is LIBRARY_CORRUPT and its bytes are unchanged', () => {
  const p = join(scratchDir('lib-store'), 'notes.db');
  writeFileSync(p, 'these are my notes, not a database\n'.repeat(20));
  expectRefusedUntouched(p, true, 'LIBRARY_CORRUPT');
});

test('a damaged library (garbage over its pages) is LIBRARY_CORRUPT and left untouched', () => {
  const p = join(scratchDir('lib-store'), 'lib.db');
  const lib = openLibrary(p, { create: true });
  const ins = lib.db
    .prepare(`INSERT INTO recordings (path, folder, name, size_bytes, mtime_ms, status, imported_at, updated_at)
    VALUES (?, '/v', ?, 1, 1, 'ready', 'x', 'x')`);
  lib.db.transaction(() => {
    for (let i = 0; i < 3000; i++) ins.run(`/v/${i}.mp4`, `${i}.mp4`);
  })();
  lib.db.pragma('wal_checkpoint(TRUNCATE)');
  lib.close();
  const buf = readFileSync(p);
  const pageSize = buf.readUInt16BE(16);
  // Keep page 1 (header + schema) intact; scribble over a b-tree page in the middle.
  const off = pageSize * Math.floor(buf.length / pageSize / 2);
  for (let i = 0; i < pageSize; i++) buf[off + i] = (i * 7919) & 0xff;
  writeFileSync(p, buf);
  expectRefusedUntouched(p, false, 'LIBRARY_CORRUPT');
});

test('a SQLite file of another app is LIBRARY_CORRUPT (not a library) and left untouched', () => {
  const p = join(scratchDir('lib-store'), 'other.sqlite');
  const db = new Database(p);
  db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1);');
  db.close();
  expectRefusedUntouched(p, true, 'LIBRARY_CORRUPT');
});

test('a library from a newer Molmoscope is LIBRARY_TOO_NEW and left untouched', () => {
  const p = join(scratchDir('lib-store'), 'future.db');
  openLibrary(p, { create: true }).close();
  const db = new Database(p);
  db.pragma(`user_version = ${LATEST_VERSION + 1}`);
  db.pragma('journal_mode = DELETE');
  db.close();
  expectRefusedUntouched(p, false, 'LIBRARY_TOO_NEW');
});

test('a library locked by another writer mid-migration is LIBRARY_LOCKED', () => {
  const p = join(scratchDir('lib-store'), 'busy.db');
  // An empty SQLite file (header, no tables): opening it must write (create the schema), which the other
  // connection's lock forbids. (A 0-byte file is refused outright: it may be a truncated library.)
  const init = new Database(p);
  init.exec('CREATE TABLE t (x); DROP TABLE t;');
  init.close();
  const other = new Database(p);
  other.pragma('locking_mode = EXCLUSIVE');
  other.exec('BEGIN EXCLUSIVE');
  try {
    expectCode(() => openLibrary(p, { create: true, busyTimeoutMs: 50 }), 'LIBRARY_LOCKED');
  } finally {
    other.exec('COMMIT');
    other.close();
  }
  const lib = openLibrary(p, { create: true });
  assert.equal(lib.schemaVersion, LATEST_VERSION);
  lib.close();
});

test('readonly open of a current library works and cannot write', () => {
  const p = join(scratchDir('lib-store'), 'ro.db');
  openLibrary(p, { create: true }).close();
  const lib = openLibrary(p, { create: false, readonly: true });
  assert.throws(() =>
    lib.db.exec(
      "INSERT INTO jobs (kind, status, params_json, created_at, updated_at) VALUES ('x','queued','{}','t','t')",
    ),
  );
  lib.close();
});

test('opening a library written at schema 1 migrates it to the latest and keeps its data', async () => {
  const { migrate } = await import('../../../src-main/core/library/migrations/index.js');
  const p = join(scratchDir('lib-store'), 'old.db');
  const db = new Database(p);
  migrate(db, { to: 1 });
  db.exec(`INSERT INTO recordings (path, folder, name, size_bytes, mtime_ms, status, imported_at, updated_at) VALUES ('/v/a.mp4', '/v', 'a.mp4', 1, 1, 'ready', 't', 't');
    INSERT INTO windows (recording_id, idx, start_s, end_s, sample_times) VALUES (1, 0, 0, 10, '[]');
    INSERT INTO captions (window_id, model_id, prompt_kind, text, tokens, created_at) VALUES (1, 'm', 'dense', 'a heron on the weir', 5, 't');`);
  db.close();
  const lib = openLibrary(p, { create: false });
  assert.equal(lib.schemaVersion, LATEST_VERSION);
  assert.equal(
    lib.db.prepare("SELECT count(*) FROM captions_terms WHERE captions_terms MATCH 'w:heron'").pluck().get(),
    1,
  );
  lib.close();
});
