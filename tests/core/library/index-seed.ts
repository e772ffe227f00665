// Test input: a library with synthetic ready recordings (rows only — the deterministic captioner reads no file).
import type { Library } from '../../../src-main/core/library/store.js';

/** Inserts ready recordings with the given durations (seconds); returns their ids. */
export function seedRecordings(lib: Library, durations: number[], folder = '/footage'): number[] {
  const ins = lib.db
    .prepare(`INSERT INTO recordings (path, folder, name, size_bytes, mtime_ms, content_hash, status, duration_s, width, height,
    recorded_at, imported_at, updated_at) VALUES (?, ?, ?, 1000, 0, ?, 'ready', ?, 640, 360, ?, 't', 't')`);
  return durations.map((d, i) =>
    Number(
      ins.run(`${folder}/cam${i}.mp4`, folder, `cam${i}.mp4`, `p1:${i}`, d, `2026-01-0${(i % 9) + 1}T10:00:00Z`)
        .lastInsertRowid,
    ),
  );
}

/** Adds one window of a recording with one dense caption of model 'm'; returns the caption id. */
export type AddCaption = (recordingId: number, idx: number, startS: number, endS: number, text: string) => number;

/** Returns an AddCaption whose captions record `tokens` tokens (search never reads it; it is kept per test). */
export function captionAdder(lib: Library, tokens: number): AddCaption {
  const win = lib.db
    .prepare(
      "INSERT INTO windows (recording_id, idx, start_s, end_s, sample_times) VALUES (?, ?, ?, ?, '[]') RETURNING id",
    )
    .pluck();
  const cap = lib.db.prepare(
    "INSERT INTO captions (window_id, model_id, prompt_kind, text, tokens, created_at) VALUES (?, 'm', 'dense', ?, ?, 't')",
  );
  return (recordingId, idx, startS, endS, text) =>
    Number(cap.run(win.get(recordingId, idx, startS, endS), text, tokens).lastInsertRowid);
}
