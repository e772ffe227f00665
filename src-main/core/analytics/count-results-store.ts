// The `count_sightings` and `count_matches` tables (migration 004): a finished count's instances with the sightings
// that are their evidence, and the cross-window matches that joined them; per-window counts come from the points.
import { seconds } from '../../api/units.js';
import type { Library } from '../library/store.js';
import { pointFromRow, type StoredPointRow } from './stored-point.js';
import type { CountInstance, CountResult } from './types.js';

/** Stores a finished count (instances, sightings, matches) in one transaction, replacing an earlier result. */
export function storeCountResult(lib: Library, runId: number, r: CountResult): void {
  const db = lib.db;
  db.transaction(() => {
    db.prepare('DELETE FROM count_sightings WHERE run_id = ?').run(runId);
    db.prepare('DELETE FROM count_matches WHERE run_id = ?').run(runId);
    const s = db.prepare(
      'INSERT INTO count_sightings (run_id, instance_id, seq, window_idx, local_id, t, x, y, mx, my) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const inst of r.instances)
      inst.evidence.forEach((e, i) => s.run(runId, inst.id, i, e.window, e.localId, e.t, e.x, e.y, e.mx, e.my));
    const m = db.prepare(
      'INSERT INTO count_matches (run_id, window_a, local_a, window_b, local_b, instance_id, cost) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    for (const x of r.matches) m.run(runId, x.windowA, x.localA, x.windowB, x.localB, x.instanceId, x.cost);
  })();
}

/** A finished count read back: total, instances with evidence, per-window counts (from the stored points) and matches. */
export function loadCountResult(lib: Library, runId: number): CountResult {
  const db = lib.db;
  const rows = db
    .prepare('SELECT * FROM count_sightings WHERE run_id = ? ORDER BY instance_id, seq')
    .all(runId) as Array<StoredPointRow & { instance_id: number }>;
  const instances: CountInstance[] = [];
  for (const r of rows) {
    let inst = instances[instances.length - 1];
    if (!inst || inst.id !== r.instance_id) instances.push((inst = { id: r.instance_id, evidence: [] }));
    inst.evidence.push(pointFromRow(r));
  }
  const perWindow = (
    db
      .prepare(
        `SELECT w.idx, w.start_s, w.end_s, (SELECT count(*) FROM analytics_points p WHERE p.run_id = w.run_id AND p.window_idx = w.idx) AS n
    FROM analytics_windows w WHERE w.run_id = ? AND w.status = 'ok' ORDER BY w.idx`,
      )
      .all(runId) as Array<{ idx: number; start_s: number; end_s: number; n: number }>
  ).map((w) => ({ window: w.idx, start: seconds(w.start_s), end: seconds(w.end_s), count: w.n }));
  const matches = (
    db.prepare('SELECT * FROM count_matches WHERE run_id = ? ORDER BY rowid').all(runId) as Array<{
      window_a: number;
      local_a: number;
      window_b: number;
      local_b: number;
      instance_id: number;
      cost: number;
    }>
  ).map((m) => ({
    windowA: m.window_a,
    localA: m.local_a,
    windowB: m.window_b,
    localB: m.local_b,
    instanceId: m.instance_id,
    cost: m.cost,
  }));
  return { total: instances.length, instances, perWindow, matches };
}
