// Read-side queries over recordings for the Library page and the CLI (status, reason, window/caption counts).
import { AppError } from '../../api/errors.js';
import type { Recording, WindowDto } from '../../api/ops/library.js';
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

/** The stored windows of a recording with their captions (every model and tier), in time order. */
export function listWindows(lib: Library, recordingId: number, limit = 10000): WindowDto[] {
  if (!lib.db.prepare('SELECT 1 FROM recordings WHERE id = ?').get(recordingId)) throw new AppError('NOT_FOUND', `No recording ${recordingId} in this library.`);
  const rows = lib.db.prepare(`SELECT w.id AS wid, w.idx, w.start_s, w.end_s, w.sample_times, c.id AS cid, c.model_id, c.prompt_kind, c.text, c.tokens, c.timings_json
    FROM windows w LEFT JOIN captions c ON c.window_id = w.id WHERE w.recording_id = ? ORDER BY w.idx, c.id LIMIT ?`).all(recordingId, limit) as Array<{
      wid: number; idx: number; start_s: number; end_s: number; sample_times: string; cid: number | null; model_id: string; prompt_kind: string; text: string; tokens: number; timings_json: string | null }>;
  const out: WindowDto[] = [];
  for (const r of rows) {
    let w = out[out.length - 1];
    if (!w || w.index !== r.idx) {
      w = { index: r.idx, start: r.start_s, end: r.end_s, sampleTimes: JSON.parse(r.sample_times) as number[], captions: [] };
      out.push(w);
    }
    if (r.cid !== null) {
      const timings = Object.fromEntries(Object.entries(r.timings_json ? (JSON.parse(r.timings_json) as Record<string, unknown>) : {}).filter(([, v]) => typeof v === 'number')) as Record<string, number>;
      w.captions.push({ id: r.cid, modelId: r.model_id, promptKind: r.prompt_kind, text: r.text, tokens: r.tokens, timings });
    }
  }
  return out;
}
