// Migration 3: tables the counting and tracking issues build on (sketched now so their data has a home).
// points: Molmo2 pointing output per window and frame; tracks + track_points: objects followed across windows.
import type { Migration } from './types.js';

export const m003AnalyticsSketch: Migration = {
  version: 3,
  name: 'analytics-sketch',
  up(db) {
    db.exec(`
      CREATE TABLE points (
        id            INTEGER PRIMARY KEY,
        window_id     INTEGER NOT NULL REFERENCES windows (id) ON DELETE CASCADE,
        job_id        INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
        query         TEXT NOT NULL,
        model_id      TEXT NOT NULL,
        time_s        REAL NOT NULL,
        object_index  INTEGER NOT NULL,
        x             REAL NOT NULL,   -- 0–1000 model coordinates of the frame
        y             REAL NOT NULL,
        label         TEXT
      );
      CREATE INDEX points_window ON points (window_id, query);

      CREATE TABLE tracks (
        id            INTEGER PRIMARY KEY,
        recording_id  INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        job_id        INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
        query         TEXT NOT NULL,
        label         TEXT,
        first_s       REAL NOT NULL,
        last_s        REAL NOT NULL,
        created_at    TEXT NOT NULL
      );
      CREATE INDEX tracks_recording ON tracks (recording_id, query);

      CREATE TABLE track_points (
        track_id      INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
        time_s        REAL NOT NULL,
        x             REAL NOT NULL,
        y             REAL NOT NULL,
        PRIMARY KEY (track_id, time_s)
      ) WITHOUT ROWID;
    `);
  },
};
