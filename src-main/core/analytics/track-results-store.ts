// The `analytics_tracks`, `analytics_track_points` and `stitch_decisions` tables (migration 004): a finished track
// run's tracks with their points, and how the windows' local tracks were stitched into them.
import type { Library } from '../library/store.js';
import { getRun } from './run-store.js';
import { pointFromRow, type StoredPointRow } from './stored-point.js';
import type { Track, TrackSet } from './types.js';

/** Stores a finished track set (tracks, points, stitch decisions) in one transaction, replacing an earlier result. */
export function storeTrackSet(lib: Library, runId: number, set: TrackSet): void {
  const db = lib.db;
  db.transaction(() => {
    for (const t of ['analytics_track_points', 'analytics_tracks', 'stitch_decisions'])
      db.prepare(`DELETE FROM ${t} WHERE run_id = ?`).run(runId);
    const tr = db.prepare(
      'INSERT INTO analytics_tracks (run_id, track_id, label, first_s, last_s) VALUES (?, ?, ?, ?, ?)',
    );
    const pt = db.prepare(
      'INSERT INTO analytics_track_points (run_id, track_id, t, x, y, mx, my, window_idx, local_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const t of set.tracks) {
      const first = t.points[0];
      const last = t.points.at(-1);
      if (!first || !last) continue;
      tr.run(runId, t.id, t.label, first.t, last.t);
      for (const p of t.points) pt.run(runId, t.id, p.t, p.x, p.y, p.mx, p.my, p.window, p.localId);
    }
    const d = db.prepare(
      'INSERT INTO stitch_decisions (run_id, seq, window_a, local_a, window_b, local_b, global_id, cost, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    set.decisions.forEach((x, i) =>
      d.run(runId, i, x.windowA, x.localA, x.windowB, x.localB, x.globalId, x.cost, x.reason),
    );
  })();
}

/** The model's track set of a run as stored (before corrections). */
export function loadTrackSet(lib: Library, runId: number): TrackSet {
  const run = getRun(lib, runId);
  const db = lib.db;
  const tracks: Track[] = (
    db.prepare('SELECT track_id, label FROM analytics_tracks WHERE run_id = ? ORDER BY track_id').all(runId) as Array<{
      track_id: number;
      label: string;
    }>
  ).map((t) => ({ id: t.track_id, label: t.label, points: [] }));
  const byId = new Map(tracks.map((t) => [t.id, t]));
  const pts = db
    .prepare('SELECT * FROM analytics_track_points WHERE run_id = ? ORDER BY track_id, t')
    .all(runId) as Array<StoredPointRow & { track_id: number }>;
  for (const p of pts) byId.get(p.track_id)?.points.push(pointFromRow(p));
  const decisions = (
    db.prepare('SELECT * FROM stitch_decisions WHERE run_id = ? ORDER BY seq').all(runId) as Array<{
      window_a: number | null;
      local_a: number | null;
      window_b: number;
      local_b: number;
      global_id: number;
      cost: number;
      reason: 'overlap' | 'reid' | 'new';
    }>
  ).map((d) => ({
    windowA: d.window_a,
    localA: d.local_a,
    windowB: d.window_b,
    localB: d.local_b,
    globalId: d.global_id,
    cost: d.cost,
    reason: d.reason,
  }));
  return { frame: run.frame, label: run.query, tracks, decisions };
}
