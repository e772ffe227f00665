// Migration 4: counting and tracking runs — per-window outcomes (answer kept verbatim), parsed points, count
// instances + sightings + dedup matches, stitched tracks + points + stitch decisions, and user corrections.
import type Database from 'better-sqlite3';
import type { Migration } from './types.js';

/*
 * Replaces the 003 sketch (points/tracks/track_points keyed by library windows): a run owns its own windows because
 * count/track windows are not the indexing windows (other length, other sample times), and every row is keyed by
 * (run, window index, local id) so a stitch decision or correction can name exactly what it acts on. The sketch
 * tables were never written by any release, so they are dropped rather than kept as a second home for the data.
 * Model output (window points, instances, tracks, decisions) is written once when a run finishes and never updated;
 * corrections are separate rows replayed on top (undo = delete the row).
 */
export const m004Analytics: Migration = {
  version: 4,
  name: 'analytics',
  up(db) {
    dropSketchTables(db);
    createRuns(db);
    createRunWindows(db);
    createCountResults(db);
    createTrackResults(db);
    createCorrections(db);
  },
};

/** The 003 sketch tables (never written by a release) go. */
function dropSketchTables(db: Database.Database): void {
  db.exec(`
      DROP TABLE IF EXISTS track_points;
      DROP TABLE IF EXISTS tracks;
      DROP TABLE IF EXISTS points;
  `);
}

/** A run: what was asked of which recording range, by which model and job, and how far it got. */
function createRuns(db: Database.Database): void {
  db.exec(`
      CREATE TABLE analytics_runs (
        id            INTEGER PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('count', 'track')),
        query         TEXT NOT NULL,
        recording_id  INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        start_s       REAL NOT NULL,
        end_s         REAL NOT NULL,
        model_id      TEXT,
        job_id        INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
        params_json   TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
        frame_w       INTEGER NOT NULL,
        frame_h       INTEGER NOT NULL,
        video_fps     REAL,
        windows_total INTEGER NOT NULL DEFAULT 0,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        finished_at   TEXT
      );
      CREATE INDEX analytics_runs_job ON analytics_runs (job_id);
      CREATE INDEX analytics_runs_recording ON analytics_runs (recording_id, kind);
  `);
}

/** A run's windows (one model call each) and the points parsed from their answers. */
function createRunWindows(db: Database.Database): void {
  db.exec(`
      -- One model call: the answer verbatim, how it was judged, what the parser dropped and why, timings.
      CREATE TABLE analytics_windows (
        run_id        INTEGER NOT NULL REFERENCES analytics_runs (id) ON DELETE CASCADE,
        idx           INTEGER NOT NULL,
        start_s       REAL NOT NULL,
        end_s         REAL NOT NULL,
        sample_times  TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('ok', 'malformed', 'failed')),
        answer        TEXT,
        stated_count  INTEGER,
        error_code    TEXT,
        error_message TEXT,
        dropped_json  TEXT NOT NULL DEFAULT '[]',
        tokens        INTEGER,
        timings_json  TEXT,
        created_at    TEXT NOT NULL,
        PRIMARY KEY (run_id, idx)
      ) WITHOUT ROWID;

      -- Parsed per-window points: a counting point (local_id = the answer's running id) or a point of a local track.
      CREATE TABLE analytics_points (
        run_id        INTEGER NOT NULL,
        window_idx    INTEGER NOT NULL,
        local_id      INTEGER NOT NULL,
        t             REAL NOT NULL,
        x             REAL NOT NULL,
        y             REAL NOT NULL,
        mx            INTEGER NOT NULL,   -- 0–1000 model coordinates
        my            INTEGER NOT NULL,
        FOREIGN KEY (run_id, window_idx) REFERENCES analytics_windows (run_id, idx) ON DELETE CASCADE
      );
      CREATE INDEX analytics_points_window ON analytics_points (run_id, window_idx);
  `);
}

/** A finished count: instances with their sightings, and the matches that joined sightings across windows. */
function createCountResults(db: Database.Database): void {
  db.exec(`
      CREATE TABLE count_sightings (
        run_id        INTEGER NOT NULL REFERENCES analytics_runs (id) ON DELETE CASCADE,
        instance_id   INTEGER NOT NULL,
        seq           INTEGER NOT NULL,   -- 0 = the representative sighting
        window_idx    INTEGER NOT NULL,
        local_id      INTEGER NOT NULL,
        t             REAL NOT NULL,
        x             REAL NOT NULL,
        y             REAL NOT NULL,
        mx            INTEGER NOT NULL,
        my            INTEGER NOT NULL,
        PRIMARY KEY (run_id, instance_id, seq)
      ) WITHOUT ROWID;

      CREATE TABLE count_matches (
        run_id        INTEGER NOT NULL REFERENCES analytics_runs (id) ON DELETE CASCADE,
        window_a      INTEGER NOT NULL,
        local_a       INTEGER NOT NULL,
        window_b      INTEGER NOT NULL,
        local_b       INTEGER NOT NULL,
        instance_id   INTEGER NOT NULL,
        cost          REAL NOT NULL
      );
      CREATE INDEX count_matches_run ON count_matches (run_id);
  `);
}

/** A finished track run: tracks, their points, and the stitch decisions that made them. */
function createTrackResults(db: Database.Database): void {
  db.exec(`
      CREATE TABLE analytics_tracks (
        run_id        INTEGER NOT NULL REFERENCES analytics_runs (id) ON DELETE CASCADE,
        track_id      INTEGER NOT NULL,
        label         TEXT NOT NULL,
        first_s       REAL NOT NULL,
        last_s        REAL NOT NULL,
        PRIMARY KEY (run_id, track_id)
      ) WITHOUT ROWID;

      CREATE TABLE analytics_track_points (
        run_id        INTEGER NOT NULL,
        track_id      INTEGER NOT NULL,
        t             REAL NOT NULL,
        x             REAL NOT NULL,
        y             REAL NOT NULL,
        mx            INTEGER NOT NULL,
        my            INTEGER NOT NULL,
        window_idx    INTEGER NOT NULL,
        local_id      INTEGER NOT NULL,
        PRIMARY KEY (run_id, track_id, t),
        FOREIGN KEY (run_id, track_id) REFERENCES analytics_tracks (run_id, track_id) ON DELETE CASCADE
      ) WITHOUT ROWID;

      CREATE TABLE stitch_decisions (
        run_id        INTEGER NOT NULL REFERENCES analytics_runs (id) ON DELETE CASCADE,
        seq           INTEGER NOT NULL,
        window_a      INTEGER,
        local_a       INTEGER,
        window_b      INTEGER NOT NULL,
        local_b       INTEGER NOT NULL,
        global_id     INTEGER NOT NULL,
        cost          REAL NOT NULL,
        reason        TEXT NOT NULL CHECK (reason IN ('overlap', 'reid', 'new')),
        PRIMARY KEY (run_id, seq)
      ) WITHOUT ROWID;
  `);
}

/** Corrections: user edits replayed on top of a track run's model output. */
function createCorrections(db: Database.Database): void {
  db.exec(`
      -- User edits on top of a run's model output (future fine-tuning data); undo deletes the row.
      CREATE TABLE corrections (
        id            INTEGER PRIMARY KEY,
        run_id        INTEGER NOT NULL REFERENCES analytics_runs (id) ON DELETE CASCADE,
        kind          TEXT NOT NULL CHECK (kind IN ('rename', 'merge', 'split', 'delete', 'unstitch')),
        payload       TEXT NOT NULL,
        created_at    TEXT NOT NULL
      );
      CREATE INDEX corrections_run ON corrections (run_id);
  `);
}
