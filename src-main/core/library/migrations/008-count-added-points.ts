// Migration 8: points the user adds to a finished count run where the model missed an instance — training material
// beside the verdicts of migration 7, so a count example can teach the model to find what it missed.
import type { Migration } from './types.js';

export const m008CountAddedPoints: Migration = {
  version: 8,
  name: 'count-added-points',
  up(db) {
    db.exec(`
      -- One missed instance the user pointed at: t is recording seconds on a sampled frame of one of the run's
      -- answered windows; mx/my are Molmo2's 0–1000 coordinates (x by the frame's width, y by its height).
      -- AUTOINCREMENT: a removed point's id is never given to a new one, so an example's source ids stay true.
      CREATE TABLE count_added_points (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id        INTEGER NOT NULL REFERENCES analytics_runs (id) ON DELETE CASCADE,
        t             REAL NOT NULL,
        mx            REAL NOT NULL CHECK (mx >= 0 AND mx <= 1000),
        my            REAL NOT NULL CHECK (my >= 0 AND my <= 1000),
        created_at    TEXT NOT NULL
      );
      CREATE INDEX count_added_points_run ON count_added_points (run_id, t);
    `);
  },
};
