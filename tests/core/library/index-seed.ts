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
