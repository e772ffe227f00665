// Migration 1: the core library tables — recordings, their aliases, windows, captions and persisted jobs.
// Times are seconds (REAL); JSON columns hold probe data, sample times, timings and job checkpoints.
import type { Migration } from './types.js';

export const m001Core: Migration = {
  version: 1,
  name: 'core',
  up(db) {
    db.exec(`
      CREATE TABLE recordings (
        id            INTEGER PRIMARY KEY,
        path          TEXT NOT NULL UNIQUE,
        folder        TEXT NOT NULL,
        name          TEXT NOT NULL,
        size_bytes    INTEGER NOT NULL,
        mtime_ms      INTEGER NOT NULL,
        content_hash  TEXT,
        status        TEXT NOT NULL CHECK (status IN ('ready', 'rejected', 'missing')),
        reason_code   TEXT,
        reason        TEXT,
        duration_s    REAL,
        width         INTEGER,
        height        INTEGER,
        fps           REAL,
        codec         TEXT,
        probe_json    TEXT,
        recorded_at   TEXT,
        imported_at   TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      );
      CREATE INDEX recordings_hash ON recordings (content_hash);
      CREATE INDEX recordings_folder ON recordings (folder);

      -- Other paths holding the same content as a recording (duplicates found on import).
      CREATE TABLE recording_aliases (
        path          TEXT PRIMARY KEY,
        recording_id  INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        added_at      TEXT NOT NULL
      );

      CREATE TABLE windows (
        id            INTEGER PRIMARY KEY,
        recording_id  INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        idx           INTEGER NOT NULL,
        start_s       REAL NOT NULL,
        end_s         REAL NOT NULL,
        sample_times  TEXT NOT NULL,
        UNIQUE (recording_id, idx)
      );

      CREATE TABLE captions (
        id            INTEGER PRIMARY KEY,
        window_id     INTEGER NOT NULL REFERENCES windows (id) ON DELETE CASCADE,
        model_id      TEXT NOT NULL,
        prompt_kind   TEXT NOT NULL,
        text          TEXT NOT NULL,
        tokens        INTEGER NOT NULL,
        timings_json  TEXT,
        created_at    TEXT NOT NULL,
        UNIQUE (window_id, model_id, prompt_kind)
      );

      CREATE TABLE jobs (
        id               INTEGER PRIMARY KEY,
        kind             TEXT NOT NULL,
        status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'done', 'failed', 'cancelled')),
        params_json      TEXT NOT NULL,
        progress_done    INTEGER NOT NULL DEFAULT 0,
        progress_total   INTEGER NOT NULL DEFAULT 0,
        checkpoint_json  TEXT,
        attempts         INTEGER NOT NULL DEFAULT 0,
        error_code       TEXT,
        error_message    TEXT,
        control          TEXT CHECK (control IN ('pause', 'cancel')),
        owner            TEXT,
        heartbeat_at     INTEGER,
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL,
        started_at       TEXT,
        finished_at      TEXT
      );
      CREATE INDEX jobs_status ON jobs (status);
    `);
  },
};
