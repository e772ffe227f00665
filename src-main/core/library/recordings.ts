// Read-side queries over recordings for the Library page and the CLI (status, reason, window/caption counts).
import { AppError } from '../../api/errors.js';
import type { Recording, WindowDto } from '../../api/ops/library.js';
import type { Library } from './store.js';
import { countRecordings as countRecordingRows, listRecordingRows, recordingExists } from './recordings-store.js';
import { windowsWithCaptions } from './windows-store.js';
import { recordingCaptionAdapters } from './captions-adapter-store.js';

/** Recordings with their status, reason and how many windows/captions are stored. */
export function listRecordings(lib: Library, filter: { status?: Recording['status'] } = {}): Recording[] {
  return listRecordingRows(lib.db, filter.status).map((r) => ({
    id: r.id,
    path: r.path,
    status: r.status,
    reasonCode: r.reason_code,
    reason: r.reason,
    durationSeconds: r.duration_s,
    width: r.width,
    height: r.height,
    recordedAt: r.recorded_at,
    windows: r.windows,
    captions: r.captions,
  }));
}

/** Number of recordings in the library. */
export function countRecordings(lib: Library): number {
  return countRecordingRows(lib.db);
}

/** The stored windows of a recording with their captions (every model and tier), in time order. */
export function listWindows(lib: Library, recordingId: number, limit = 10000): WindowDto[] {
  if (!recordingExists(lib.db, recordingId))
    throw new AppError('NOT_FOUND', `No recording ${recordingId} in this library.`);
  const rows = windowsWithCaptions(lib.db, recordingId, limit);
  const adapters = recordingCaptionAdapters(lib.db, recordingId);
  const out: WindowDto[] = [];
  for (const r of rows) {
    let w = out[out.length - 1];
    if (!w || w.index !== r.idx) {
      w = {
        index: r.idx,
        start: r.start_s,
        end: r.end_s,
        sampleTimes: JSON.parse(r.sample_times) as number[],
        captions: [],
      };
      out.push(w);
    }
    if (r.cid !== null) {
      const timings = Object.fromEntries(
        Object.entries(r.timings_json ? (JSON.parse(r.timings_json) as Record<string, unknown>) : {}).filter(
          ([, v]) => typeof v === 'number',
        ),
      ) as Record<string, number>;
      w.captions.push({
        id: r.cid,
        modelId: r.model_id,
        adapter: adapters.get(r.cid) ?? null,
        promptKind: r.prompt_kind,
        text: r.text,
        tokens: r.tokens,
        timings,
      });
    }
  }
  return out;
}
