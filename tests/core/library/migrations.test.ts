// One test per migration: applied on an empty DB and on a DB at the previous version holding data;
// the new schema is present and the earlier data survives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate, schemaVersion } from '../../../src-main/core/library/migrations/index.js';
import { scratchDir } from '../../helpers/tiny.js';

const tables = (db: Database.Database) =>
  db
    .prepare("SELECT name FROM sqlite_schema WHERE type IN ('table') AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
const columns = (db: Database.Database, t: string) =>
  (db.pragma(`table_info(${t})`) as Array<{ name: string }>).map((c) => c.name);
const fresh = (name: string) => {
  const db = new Database(join(scratchDir('lib-mig'), name));
  db.pragma('foreign_keys = ON');
  return db;
};

function seedV1(db: Database.Database) {
  db.exec(`INSERT INTO recordings (id, path, folder, name, size_bytes, mtime_ms, content_hash, status, duration_s, imported_at, updated_at)
      VALUES (1, '/v/a.mp4', '/v', 'a.mp4', 10, 1, 'p1:aa', 'ready', 30, 't', 't');
    INSERT INTO windows (id, recording_id, idx, start_s, end_s, sample_times) VALUES (1, 1, 0, 0, 10, '[1,2]');
    INSERT INTO captions (id, window_id, model_id, prompt_kind, text, tokens, created_at)
      VALUES (1, 1, 'm', 'dense', 'A red bicycle leans against a brick wall.', 9, 't');
    INSERT INTO jobs (id, kind, status, params_json, progress_done, progress_total, created_at, updated_at)
      VALUES (1, 'index', 'paused', '{}', 1, 3, 't', 't');`);
}

/** A fresh file brought to `version`, then holding seedV1's rows. */
function seededAt(name: string, version: number): Database.Database {
  const db = fresh(name);
  migrate(db, { to: version });
  seedV1(db);
  return db;
}

test('migration 1 (core): on an empty DB creates recordings/windows/captions/jobs', () => {
  const db = fresh('m1.db');
  assert.deepEqual(migrate(db, { to: 1 }), [1]);
  assert.equal(schemaVersion(db), 1);
  for (const t of ['recordings', 'recording_aliases', 'windows', 'captions', 'jobs', 'schema_migrations'])
    assert.ok(tables(db).includes(t), t);
  for (const c of ['path', 'content_hash', 'probe_json', 'status', 'reason_code'])
    assert.ok(columns(db, 'recordings').includes(c), c);
  for (const c of ['status', 'progress_done', 'checkpoint_json', 'attempts', 'error_code'])
    assert.ok(columns(db, 'jobs').includes(c), c);
  seedV1(db);
  assert.throws(() =>
    db.exec(
      "INSERT INTO jobs (kind, status, params_json, created_at, updated_at) VALUES ('x', 'bogus', '{}', 't', 't')",
    ),
  );
  db.close();
});

test('migration 2 (captions-fts): on an empty DB, and on a v1 DB with captions that become searchable', () => {
  const empty = fresh('m2-empty.db');
  assert.deepEqual(migrate(empty, { to: 2 }), [1, 2]);
  assert.ok(tables(empty).includes('captions_fts'));
  empty.close();

  const db = fresh('m2.db');
  migrate(db, { to: 1 });
  seedV1(db);
  assert.deepEqual(migrate(db, { to: 2 }), [2]);
  assert.equal(schemaVersion(db), 2);
  // Existing caption indexed by the migration's rebuild; later inserts by the trigger.
  assert.deepEqual(db.prepare("SELECT rowid FROM captions_fts WHERE captions_fts MATCH 'bicycle'").pluck().all(), [1]);
  db.exec(
    "INSERT INTO captions (id, window_id, model_id, prompt_kind, text, tokens, created_at) VALUES (2, 1, 'm', 'short', 'Bicycles parked.', 2, 't')",
  );
  assert.deepEqual(
    db.prepare("SELECT rowid FROM captions_fts WHERE captions_fts MATCH 'bicycle' ORDER BY rowid").pluck().all(),
    [1, 2],
  );
  db.exec('DELETE FROM captions WHERE id = 1');
  assert.deepEqual(db.prepare("SELECT rowid FROM captions_fts WHERE captions_fts MATCH 'bicycle'").pluck().all(), [2]);
  assert.equal(db.prepare('SELECT path FROM recordings WHERE id = 1').pluck().get(), '/v/a.mp4');
  assert.equal(db.prepare('SELECT progress_done FROM jobs WHERE id = 1').pluck().get(), 1);
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  db.close();
});

test('migration 3 (analytics-sketch): on an empty DB, and on a v2 DB whose data survives', () => {
  const empty = fresh('m3-empty.db');
  assert.deepEqual(migrate(empty, { to: 3 }), [1, 2, 3]);
  for (const t of ['points', 'tracks', 'track_points']) assert.ok(tables(empty).includes(t), t);
  empty.close();

  const db = fresh('m3.db');
  migrate(db, { to: 2 });
  seedV1(db);
  assert.deepEqual(migrate(db, { to: 3 }), [3]);
  db.exec(`INSERT INTO points (window_id, query, model_id, time_s, object_index, x, y) VALUES (1, 'person', 'm', 1.5, 0, 500, 250);
    INSERT INTO tracks (id, recording_id, query, first_s, last_s, created_at) VALUES (1, 1, 'person', 0, 10, 't');
    INSERT INTO track_points (track_id, time_s, x, y) VALUES (1, 0.5, 10, 20);`);
  assert.deepEqual(db.prepare("SELECT rowid FROM captions_fts WHERE captions_fts MATCH 'brick'").pluck().all(), [1]);
  db.exec('DELETE FROM recordings WHERE id = 1'); // cascades through windows to points/tracks
  assert.equal(db.prepare('SELECT count(*) FROM points').pluck().get(), 0);
  assert.equal(db.prepare('SELECT count(*) FROM track_points').pluck().get(), 0);
  db.close();
});

test('migration 5 (caption-terms): replaces captions_fts; stored captions are indexed with their BM25 statistics', () => {
  const empty = fresh('m5-empty.db');
  assert.deepEqual(migrate(empty, { to: 5 }), [1, 2, 3, 4, 5]);
  for (const t of ['captions_terms', 'caption_stats', 'caption_totals', 'caption_vocab'])
    assert.ok(tables(empty).includes(t), t);
  assert.ok(!tables(empty).includes('captions_fts'));
  empty.close();

  const path = join(scratchDir('lib-mig'), 'm5.db');
  const db = new Database(path);
  migrate(db, { to: 4 });
  seedV1(db);
  assert.deepEqual(migrate(db, { to: 5 }), [5]);
  const ids = (m: string) =>
    db.prepare('SELECT rowid FROM captions_terms WHERE captions_terms MATCH ? ORDER BY rowid').pluck().all(m);
  // Terms are folded and Porter-stemmed; a phrase is its word pairs.
  assert.deepEqual(ids('w:bicycl'), [1]);
  assert.deepEqual(ids('p:"_red_bicycl _bicycl_lean"'), [1]);
  assert.deepEqual(db.prepare('SELECT len, reps FROM caption_stats WHERE id = 1').get(), { len: 8, reps: ' a:2' });
  assert.deepEqual(db.prepare('SELECT n, length FROM caption_totals').get(), { n: 1, length: 8 });
  assert.deepEqual(db.prepare('SELECT term FROM caption_vocab ORDER BY term').pluck().all(), [
    'a',
    'against',
    'bicycl',
    'brick',
    'lean',
    'red',
    'wall',
  ]);
  // Triggers keep the index, the statistics and the totals in step with inserts, updates and deletes.
  db.exec(
    "INSERT INTO captions (id, window_id, model_id, prompt_kind, text, tokens, created_at) VALUES (2, 1, 'm', 'short', 'Bicycles parked. Bicycles!', 2, 't')",
  );
  assert.deepEqual(ids('w:bicycl'), [1, 2]);
  assert.deepEqual(db.prepare('SELECT len, reps FROM caption_stats WHERE id = 2').get(), { len: 3, reps: ' bicycl:2' });
  db.exec("UPDATE captions SET text = 'A cart.' WHERE id = 2");
  assert.deepEqual(ids('w:bicycl'), [1]);
  assert.deepEqual(ids('w:cart'), [2]);
  assert.ok(
    db.prepare("SELECT 1 FROM caption_vocab WHERE term = 'cart'").get(),
    'an update adds its terms to the vocabulary',
  );
  db.exec('DELETE FROM captions WHERE id = 1');
  assert.deepEqual(ids('w:bicycl'), []);
  assert.deepEqual(db.prepare('SELECT id FROM caption_stats').pluck().all(), [2]);
  assert.deepEqual(db.prepare('SELECT n, length FROM caption_totals').get(), { n: 1, length: 2 });
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  db.prepare("INSERT INTO captions_terms (captions_terms) VALUES ('integrity-check')").run();
  db.close();

  // A connection that lacks the tokenizer function cannot write a caption at all (never one left unindexed).
  const bare = new Database(path);
  assert.throws(
    () =>
      bare.exec(
        "INSERT INTO captions (id, window_id, model_id, prompt_kind, text, tokens, created_at) VALUES (3, 1, 'm', 'x', 'A cart.', 2, 't')",
      ),
    /molmo_terms/,
  );
  assert.equal(bare.prepare('SELECT count(*) FROM captions').pluck().get(), 1);
  bare.close();
});

test('migration 6 (adapter-provenance): captions and analytics runs gain the adapter columns; stored rows read as the base model', () => {
  const db = fresh('m6.db');
  migrate(db, { to: 5 });
  seedV1(db);
  assert.deepEqual(migrate(db, { to: 6 }), [6]);
  assert.deepEqual(db.prepare('SELECT adapter_sha256, adapter_name FROM captions WHERE id = 1').get(), {
    adapter_sha256: null,
    adapter_name: null,
  });
  const sha = 'a'.repeat(64);
  db.prepare('UPDATE captions SET adapter_sha256 = ?, adapter_name = ? WHERE id = 1').run(sha, 'mine');
  assert.throws(() => db.prepare("UPDATE captions SET adapter_sha256 = 'short' WHERE id = 1").run(), /CHECK/);
  const cols = db.prepare('SELECT name FROM pragma_table_info(?)').pluck();
  assert.ok(
    cols.all('analytics_runs').includes('adapter_sha256') && cols.all('analytics_runs').includes('adapter_name'),
  );
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  db.close();
});

test('migration 7 (finetune): on a v4 DB with data (through 5 and 6); datasets, examples, adapters, steps and evals keep their rules', () => {
  const db = seededAt('m7.db', 4);
  assert.deepEqual(migrate(db, { to: 7 }), [5, 6, 7]);
  for (const t of [
    'clip_answers',
    'count_reviews',
    'ft_datasets',
    'ft_examples',
    'ft_adapters',
    'ft_train_steps',
    'ft_evals',
  ])
    assert.ok(tables(db).includes(t), t);
  assert.equal(db.prepare('SELECT path FROM recordings WHERE id = 1').pluck().get(), '/v/a.mp4');
  db.exec(`INSERT INTO ft_datasets (id, name, version, heldout_share, seed, created_at) VALUES (1, 'd', 1, 0.2, 0, 't');
    INSERT INTO ft_adapters (name, dir, sha256, dataset_id, dataset_label, base_model, settings_json, active, created_at)
      VALUES ('a', '/x', 'h', 1, 'd v1', '/m', '{}', 1, 't')`);
  assert.throws(
    () =>
      db.exec("INSERT INTO ft_datasets (name, version, heldout_share, seed, created_at) VALUES ('d', 1, 0.2, 0, 't')"),
    /UNIQUE/,
  );
  // At most one active adapter per library.
  assert.throws(
    () =>
      db.exec(
        "INSERT INTO ft_adapters (name, dir, sha256, dataset_label, base_model, settings_json, active, created_at) VALUES ('b', '/y', 'h', 'd', '/m', '{}', 1, 't')",
      ),
    /UNIQUE/,
  );
  assert.throws(() =>
    db.exec("INSERT INTO count_reviews (run_id, instance_id, verdict, created_at) VALUES (1, 1, 'maybe', 't')"),
  );
  db.exec('DELETE FROM ft_datasets WHERE id = 1'); // an adapter outlives its dataset (provenance is kept as a label)
  assert.equal(db.prepare('SELECT dataset_label FROM ft_adapters').pluck().get(), 'd v1');
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  db.close();
});

test('migration 8 (count-added-points): on a v7 DB with a count run; points keep their range and go with their run', () => {
  const db = seededAt('m8.db', 7);
  db.exec(`INSERT INTO analytics_runs (id, kind, query, recording_id, start_s, end_s, params_json, status, frame_w, frame_h,
      created_at, updated_at) VALUES (1, 'count', 'person', 1, 0, 10, '{}', 'done', 320, 240, 't', 't');
    INSERT INTO count_reviews (run_id, instance_id, verdict, created_at) VALUES (1, 1, 'accept', 't')`);
  assert.deepEqual(migrate(db), [8]);
  assert.ok(tables(db).includes('count_added_points'));
  const add = db.prepare('INSERT INTO count_added_points (run_id, t, mx, my, created_at) VALUES (?, ?, ?, ?, ?)');
  add.run(1, 1.5, 0, 1000, 't');
  assert.throws(() => add.run(1, 1.5, 1000.5, 10, 't'), /CHECK/);
  assert.throws(() => add.run(1, 1.5, 10, -1, 't'), /CHECK/);
  assert.throws(() => add.run(2, 1.5, 10, 10, 't'), /FOREIGN KEY/);
  assert.equal(db.prepare('SELECT verdict FROM count_reviews WHERE run_id = 1').pluck().get(), 'accept');
  db.exec('DELETE FROM analytics_runs WHERE id = 1');
  assert.equal(db.prepare('SELECT count(*) FROM count_added_points').pluck().get(), 0);
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  db.close();
});

test('every migration has a test above and versions are 1..N without gaps', () => {
  assert.deepEqual(
    MIGRATIONS.map((m) => m.version),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
});

test('migrating twice is a no-op', () => {
  const db = fresh('twice.db');
  migrate(db);
  assert.deepEqual(migrate(db), []);
  db.close();
});
