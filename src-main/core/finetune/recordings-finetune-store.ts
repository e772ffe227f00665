// Recording facts the fine-tune area needs (the recordings table, read only).
import { AppError } from '../../api/errors.js';
import type { Library } from '../library/store.js';

export interface RecordingBrief {
  id: number;
  path: string;
  duration: number | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  status: string;
}

/** One recording's path, duration, frame size and status; NOT_FOUND if absent. */
export function recordingBrief(lib: Library, id: number): RecordingBrief {
  const r = lib.db
    .prepare('SELECT id, path, duration_s AS duration, width, height, fps, status FROM recordings WHERE id = ?')
    .get(id) as RecordingBrief | undefined;
  if (!r) throw new AppError('NOT_FOUND', `No recording ${id} in this library.`);
  return r;
}
