// Read-side queries over recordings for the Library page and the CLI (status, reason, window/caption counts).
import type { Recording } from '../../api/ops/library.js';
import type { Library } from './store.js';

/** Recordings with their status, reason and how many windows/captions are stored. */
export function listRecordings(lib: Library, filter: { status?: Recording['status'] } = {}): Recording[] {
  const rows = lib.db.prepare(`SELECT r.id, r.path, r.status, r.reason_code, r.reason, r.duration_s, r.width, r.height, r.recorded_at,
      (SELECT count(*) FROM windows w WHERE w.recording_id = r.id) AS windows,
      (SELECT count(*) FROM captions c JOIN windows w ON w.id = c.window_id WHERE w.recording_id = r.id) AS captions
    FROM recordings r ${filter.status ? 'WHERE r.status = ?' : ''} ORDER BY r.path`).all(...(filter.status ? [filter.status] : [])) as Array<{
      id: number; path: string; status: Recording['status']; reason_code: string | null; reason: string | null; duration_s: number | null;
      width: number | null; height: number | null; recorded_at: string | null; windows: number; captions: number }>;
  return rows.map((r) => ({
    id: r.id, path: r.path, status: r.status, reasonCode: r.reason_code, reason: r.reason, durationSeconds: r.duration_s,
    width: r.width, height: r.height, recordedAt: r.recorded_at, windows: r.windows, captions: r.captions,
  }));
}

/** Number of recordings in the library. */
export function countRecordings(lib: Library): number {
  return lib.db.prepare('SELECT count(*) FROM recordings').pluck().get() as number;
}
