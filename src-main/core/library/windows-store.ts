// The `windows` table: the time windows of a recording that were captioned (index, span and sample times).
import type Database from 'better-sqlite3';

/** A stored window with one of its captions (null columns when it has none), as the Library page shows them. */
export interface WindowCaptionRow {
  wid: number;
  idx: number;
  start_s: number;
  end_s: number;
  sample_times: string;
  cid: number | null;
  model_id: string;
  prompt_kind: string;
  text: string;
  tokens: number;
  timings_json: string | null;
}

/** A window as indexing stores it. */
export interface WindowValues {
  recordingId: number;
  index: number;
  start: number;
  end: number;
  sampleTimes: number[];
}

/** Deletes a recording's windows (and, by cascade, their captions): its file now holds other footage. */
export function deleteWindowsOf(db: Database.Database, recordingId: number): void {
  db.prepare('DELETE FROM windows WHERE recording_id = ?').run(recordingId);
}

/** Prepares the window upsert once; the function stores a window (or updates its span) and returns its id. */
export function windowUpsert(db: Database.Database): (w: WindowValues) => number {
  const stmt = db
    .prepare(
      `INSERT INTO windows (recording_id, idx, start_s, end_s, sample_times) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (recording_id, idx) DO UPDATE SET start_s = excluded.start_s, end_s = excluded.end_s, sample_times = excluded.sample_times
      RETURNING id`,
    )
    .pluck();
  return (w) => stmt.get(w.recordingId, w.index, w.start, w.end, JSON.stringify(w.sampleTimes)) as number;
}

/** A recording's windows with their captions (every model and tier), in window then caption order. */
export function windowsWithCaptions(db: Database.Database, recordingId: number, limit: number): WindowCaptionRow[] {
  const sql = `SELECT w.id AS wid, w.idx, w.start_s, w.end_s, w.sample_times, c.id AS cid, c.model_id, c.prompt_kind, c.text, c.tokens, c.timings_json
    FROM windows w LEFT JOIN captions c ON c.window_id = w.id WHERE w.recording_id = ? ORDER BY w.idx, c.id LIMIT ?`;
  return db.prepare(sql).all(recordingId, limit) as WindowCaptionRow[];
}
