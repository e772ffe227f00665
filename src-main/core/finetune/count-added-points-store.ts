// Rows of count_added_points (migration 8): instances of a count run the model missed, as points the user added.
import type { Library } from '../library/store.js';
import type { AddedPoint } from './types.js';

interface Row {
  id: number;
  run_id: number;
  t: number;
  mx: number;
  my: number;
  created_at: string;
}

const toPoint = (r: Row): AddedPoint => ({
  id: r.id,
  runId: r.run_id,
  t: r.t,
  mx: r.mx,
  my: r.my,
  createdAt: r.created_at,
});

/**
 * Stores one added point unless its run already has `cap` of them (null then): the count and the insert are one
 * statement, so two hosts adding at once cannot pass the cap. The caller has checked the run and snapped `t`.
 */
export function insertAddedPoint(
  lib: Library,
  p: Omit<AddedPoint, 'id' | 'createdAt'>,
  cap: number,
): AddedPoint | null {
  const row = lib.db
    .prepare(
      `INSERT INTO count_added_points (run_id, t, mx, my, created_at)
       SELECT ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM count_added_points WHERE run_id = ?) < ? RETURNING *`,
    )
    .get(p.runId, p.t, p.mx, p.my, new Date().toISOString(), p.runId, cap) as Row | undefined;
  return row ? toPoint(row) : null;
}

/** Removes one added point of a run; false when the run has no such point. */
export function deleteAddedPoint(lib: Library, runId: number, pointId: number): boolean {
  return lib.db.prepare('DELETE FROM count_added_points WHERE run_id = ? AND id = ?').run(runId, pointId).changes > 0;
}

/** The points added to one run, in time order (then in the order they were added). */
export function listAddedPoints(lib: Library, runId: number): AddedPoint[] {
  const rows = lib.db.prepare('SELECT * FROM count_added_points WHERE run_id = ? ORDER BY t, id').all(runId) as Row[];
  return rows.map(toPoint);
}

/** Ids of the runs that have at least one added point. */
export function addedPointRunIds(lib: Library): number[] {
  return lib.db.prepare('SELECT DISTINCT run_id FROM count_added_points ORDER BY run_id').pluck().all() as number[];
}
