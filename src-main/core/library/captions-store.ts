// The `captions` table: what a model wrote for a window, under a prompt kind (triggers of migration 5 keep the search
// index, captions_terms, in step). Search's own statements are in caption-search-store.ts.
import type Database from 'better-sqlite3';

/** A caption as indexing stores it. */
export interface CaptionValues {
  windowId: number;
  modelId: string;
  promptKind: string;
  text: string;
  tokens: number;
  timingsJson: string;
  createdAt: string;
}

/** Where a caption was seen: its recording, file and window. */
export interface CaptionPlace {
  id: number;
  recording_id: number;
  path: string;
  start_s: number;
  end_s: number;
  sample_times: string;
}

/** Prepares the caption insert once; the function stores one caption and returns its id. */
export function captionInsert(db: Database.Database): (c: CaptionValues) => number {
  const stmt =
    db.prepare(`INSERT INTO captions (window_id, model_id, prompt_kind, text, tokens, timings_json, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
  return (c) =>
    Number(stmt.run(c.windowId, c.modelId, c.promptKind, c.text, c.tokens, c.timingsJson, c.createdAt).lastInsertRowid);
}

/** Prepares once: the window indexes of a recording already captioned by this model and prompt kind. */
export function captionedWindowIndexes(
  db: Database.Database,
): (recordingId: number, modelId: string, promptKind: string) => number[] {
  const stmt = db
    .prepare(
      `SELECT w.idx FROM windows w JOIN captions c ON c.window_id = w.id
      WHERE w.recording_id = ? AND c.model_id = ? AND c.prompt_kind = ?`,
    )
    .pluck();
  return (recordingId, modelId, promptKind) => stmt.all(recordingId, modelId, promptKind) as number[];
}

/** Prepares once: where a caption was seen, or undefined when it is gone. */
export function captionPlaces(db: Database.Database): (captionId: number) => CaptionPlace | undefined {
  const stmt = db.prepare(`SELECT c.id, w.recording_id, r.path, w.start_s, w.end_s, w.sample_times FROM captions c
    JOIN windows w ON w.id = c.window_id JOIN recordings r ON r.id = w.recording_id WHERE c.id = ?`);
  return (captionId) => stmt.get(captionId) as CaptionPlace | undefined;
}

/** Prepares once: a caption's text, or undefined when it is gone. */
export function captionTexts(db: Database.Database): (captionId: number) => string | undefined {
  const stmt = db.prepare('SELECT text FROM captions WHERE id = ?').pluck();
  return (captionId) => stmt.get(captionId) as string | undefined;
}

/** The newest caption id; null when there is none. */
export function maxCaptionId(db: Database.Database): number | null {
  return db.prepare('SELECT max(id) FROM captions').pluck().get() as number | null;
}

/** How many captions this model wrote under this prompt kind. */
export function countCaptions(db: Database.Database, modelId: string, promptKind: string): number {
  return db
    .prepare('SELECT count(*) FROM captions WHERE model_id = ? AND prompt_kind = ?')
    .pluck()
    .get(modelId, promptKind) as number;
}

/** The captions of a recording's windows that overlap [start, end), in time order. */
export function captionsOverlapping(
  db: Database.Database,
  recordingId: number,
  start: number,
  end: number,
): Array<{ start: number; end: number; text: string }> {
  const sql = `SELECT w.start_s AS start, w.end_s AS end, c.text FROM captions c JOIN windows w ON w.id = c.window_id
      WHERE w.recording_id = ? AND w.end_s > ? AND w.start_s < ? ORDER BY w.start_s, c.id`;
  return db.prepare(sql).all(recordingId, start, end) as Array<{ start: number; end: number; text: string }>;
}
