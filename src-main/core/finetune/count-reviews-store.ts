// Rows of count_reviews (migration 7): the user's accept/reject verdict on counted instances of a count run.
import type { Library } from '../library/store.js';
import type { CountReview, Verdict } from './types.js';

interface Row {
  run_id: number;
  instance_id: number;
  verdict: Verdict;
  created_at: string;
}

/** Sets (or, with null, clears) the verdict on one instance. */
export function setCountReview(lib: Library, runId: number, instanceId: number, verdict: Verdict | null): void {
  if (verdict === null)
    lib.db.prepare('DELETE FROM count_reviews WHERE run_id = ? AND instance_id = ?').run(runId, instanceId);
  else
    lib.db
      .prepare(
        `INSERT INTO count_reviews (run_id, instance_id, verdict, created_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (run_id, instance_id) DO UPDATE SET verdict = excluded.verdict, created_at = excluded.created_at`,
      )
      .run(runId, instanceId, verdict, new Date().toISOString());
}

/** The verdicts of one run, by instance id. */
export function listCountReviews(lib: Library, runId: number): CountReview[] {
  const rows = lib.db.prepare('SELECT * FROM count_reviews WHERE run_id = ? ORDER BY instance_id').all(runId) as Row[];
  return rows.map((r) => ({ runId: r.run_id, instanceId: r.instance_id, verdict: r.verdict, createdAt: r.created_at }));
}

/** Ids of the runs that have at least one verdict. */
export function reviewedRunIds(lib: Library): number[] {
  return lib.db.prepare('SELECT DISTINCT run_id FROM count_reviews ORDER BY run_id').pluck().all() as number[];
}
