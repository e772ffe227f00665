// Migration 4 (analytics): on an empty DB, and on a v3 DB whose data survives; the 003 sketch tables are replaced,
// constraints hold (kinds, statuses, reasons), and deleting a recording cascades through runs to every result row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from '../../../src-main/core/library/migrations/index.js';
import { scratchDir } from '../../helpers/tiny.js';

const tables = (db: Database.Database) =>
  db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
const NEW = [
  'analytics_runs',
  'analytics_windows',
  'analytics_points',
  'count_sightings',
  'count_matches',
  'analytics_tracks',
  'analytics_track_points',
  'stitch_decisions',
  'corrections',
];

test('migration 4 (analytics): on an empty DB creates the run/result/correction tables', () => {
  const db = new Database(join(scratchDir('lib-mig4'), 'empty.db'));
  assert.deepEqual(migrate(db, { to: 4 }), [1, 2, 3, 4]);
  for (const t of NEW) assert.ok(tables(db).includes(t), t);
  for (const t of ['points', 'tracks', 'track_points'])
    assert.ok(!tables(db).includes(t), `${t} (003 sketch) replaced`);
  db.close();
});

test('migration 4 on a v3 DB: earlier data survives, constraints and cascades hold', () => {
  const db = new Database(join(scratchDir('lib-mig4'), 'v3.db'));
  db.pragma('foreign_keys = ON');
  migrate(db, { to: 3 });
  db.exec(`INSERT INTO recordings (id, path, folder, name, size_bytes, mtime_ms, status, duration_s, width, height, imported_at, updated_at)
      VALUES (1, '/v/a.mp4', '/v', 'a.mp4', 10, 1, 'ready', 30, 640, 360, 't', 't');
    INSERT INTO windows (id, recording_id, idx, start_s, end_s, sample_times) VALUES (1, 1, 0, 0, 10, '[1,2]');
    INSERT INTO captions (id, window_id, model_id, prompt_kind, text, tokens, created_at) VALUES (1, 1, 'm', 'dense', 'A red bicycle.', 4, 't');
    INSERT INTO jobs (id, kind, status, params_json, created_at, updated_at) VALUES (1, 'index', 'done', '{}', 't', 't');`);
  assert.deepEqual(migrate(db, { to: 4 }), [4]);
  assert.equal(schemaVersion(db), 4);
  assert.equal(db.prepare('SELECT text FROM captions WHERE id = 1').pluck().get(), 'A red bicycle.');
  assert.deepEqual(db.prepare("SELECT rowid FROM captions_fts WHERE captions_fts MATCH 'bicycle'").pluck().all(), [1]);
  db.exec(`INSERT INTO jobs (id, kind, status, params_json, created_at, updated_at) VALUES (2, 'track', 'done', '{}', 't', 't');
    INSERT INTO analytics_runs (id, kind, query, recording_id, start_s, end_s, job_id, params_json, status, frame_w, frame_h, created_at, updated_at)
      VALUES (1, 'track', 'person', 1, 0, 30, 2, '{}', 'done', 640, 360, 't', 't');
    INSERT INTO analytics_windows (run_id, idx, start_s, end_s, sample_times, status, answer, created_at) VALUES (1, 0, 0, 10, '[0]', 'ok', '<tracks …>', 't');
    INSERT INTO analytics_points (run_id, window_idx, local_id, t, x, y, mx, my) VALUES (1, 0, 1, 0, 64, 36, 100, 100);
    INSERT INTO analytics_tracks (run_id, track_id, label, first_s, last_s) VALUES (1, 1, 'person', 0, 0);
    INSERT INTO analytics_track_points (run_id, track_id, t, x, y, mx, my, window_idx, local_id) VALUES (1, 1, 0, 64, 36, 100, 100, 0, 1);
    INSERT INTO stitch_decisions (run_id, seq, window_b, local_b, global_id, cost, reason) VALUES (1, 0, 0, 1, 1, 0, 'new');
    INSERT INTO corrections (run_id, kind, payload, created_at) VALUES (1, 'rename', '{"trackId":1,"label":"a"}', 't');`);
  assert.throws(() =>
    db.exec(
      "INSERT INTO analytics_windows (run_id, idx, start_s, end_s, sample_times, status, created_at) VALUES (1, 1, 0, 1, '[]', 'weird', 't')",
    ),
  );
  assert.throws(() =>
    db.exec("INSERT INTO corrections (run_id, kind, payload, created_at) VALUES (1, 'recolour', '{}', 't')"),
  );
  assert.throws(
    () =>
      db.exec(
        "INSERT INTO analytics_windows (run_id, idx, start_s, end_s, sample_times, status, created_at) VALUES (1, 0, 0, 1, '[]', 'ok', 't')",
      ),
    /UNIQUE|PRIMARY/,
  );
  db.exec('DELETE FROM jobs WHERE id = 2');
  assert.equal(
    db.prepare('SELECT job_id FROM analytics_runs WHERE id = 1').pluck().get(),
    null,
    'a run outlives its job row',
  );
  db.exec('DELETE FROM recordings WHERE id = 1');
  for (const t of NEW) assert.equal(db.prepare(`SELECT count(*) FROM ${t}`).pluck().get(), 0, t);
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  db.close();
});
