// A stored caption with its indexing window, as the fine-tune area reads it (captions and windows, read only).
import { AppError } from '../../api/errors.js';
import type { Library } from '../library/store.js';

export interface CaptionWindow {
  captionId: number;
  recordingId: number;
  start: number;
  end: number;
  times: number[];
  promptKind: string;
  text: string;
}

/** A stored caption with its indexing window (range and sample times); NOT_FOUND if absent. */
export function captionWindow(lib: Library, captionId: number): CaptionWindow {
  const r = lib.db
    .prepare(
      `SELECT c.id, w.recording_id, w.start_s, w.end_s, w.sample_times, c.prompt_kind, c.text
    FROM captions c JOIN windows w ON w.id = c.window_id WHERE c.id = ?`,
    )
    .get(captionId) as
    | {
        id: number;
        recording_id: number;
        start_s: number;
        end_s: number;
        sample_times: string;
        prompt_kind: string;
        text: string;
      }
    | undefined;
  if (!r) throw new AppError('NOT_FOUND', `No caption ${captionId} in this library.`);
  return {
    captionId: r.id,
    recordingId: r.recording_id,
    start: r.start_s,
    end: r.end_s,
    times: JSON.parse(r.sample_times) as number[],
    promptKind: r.prompt_kind,
    text: r.text,
  };
}
