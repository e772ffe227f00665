// The `corrections` table: a user's edits of a finished track run, one row each, replayed in id order on top of the
// model's track set (which is never rewritten). The payload is validated when it is read (corrections.ts).
import type Database from 'better-sqlite3';

/** A stored correction as its row holds it (payload: JSON text). */
export interface CorrectionRow {
  id: number;
  kind: string;
  payload: string;
  created_at: string;
}

/** The corrections of a run, in id (replay) order. */
export function correctionRows(db: Database.Database, runId: number): CorrectionRow[] {
  const sql = 'SELECT id, kind, payload, created_at FROM corrections WHERE run_id = ? ORDER BY id';
  return db.prepare(sql).all(runId) as CorrectionRow[];
}

/** Adds a correction row with an empty payload and returns its id (which becomes the correction's id). */
export function insertCorrection(db: Database.Database, runId: number, kind: string, createdAt: string): number {
  const sql = "INSERT INTO corrections (run_id, kind, payload, created_at) VALUES (?, ?, '{}', ?)";
  return Number(db.prepare(sql).run(runId, kind, createdAt).lastInsertRowid);
}

/** Writes a correction's payload. */
export function setCorrectionPayload(db: Database.Database, id: number, payload: unknown): void {
  db.prepare('UPDATE corrections SET payload = ? WHERE id = ?').run(JSON.stringify(payload), id);
}

/** Deletes one correction of a run; false when the run has no such correction. */
export function deleteCorrection(db: Database.Database, runId: number, id: number): boolean {
  return db.prepare('DELETE FROM corrections WHERE id = ? AND run_id = ?').run(id, runId).changes > 0;
}
