// Rows of clip_answers (migration 7): clips the user marked with a typed answer, and captions the user rewrote.
import { AppError } from '../../api/errors.js';
import type { Library } from '../library/store.js';
import type { ClipAnswer } from './types.js';

interface Row {
  id: number;
  recording_id: number;
  start_s: number;
  end_s: number;
  task: 'qa' | 'caption';
  question: string;
  answer: string;
  caption_id: number | null;
  created_at: string;
}

const toAnswer = (r: Row): ClipAnswer => ({
  id: r.id,
  recordingId: r.recording_id,
  start: r.start_s,
  end: r.end_s,
  task: r.task,
  question: r.question,
  answer: r.answer,
  captionId: r.caption_id,
  createdAt: r.created_at,
});

/** Stores one answer; returns it. */
export function insertClipAnswer(lib: Library, a: Omit<ClipAnswer, 'id' | 'createdAt'>): ClipAnswer {
  const id = Number(
    lib.db
      .prepare(
        `INSERT INTO clip_answers (recording_id, start_s, end_s, task, question, answer, caption_id, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(a.recordingId, a.start, a.end, a.task, a.question, a.answer, a.captionId, new Date().toISOString())
      .lastInsertRowid,
  );
  return getClipAnswer(lib, id);
}

/** One answer; NOT_FOUND if absent. */
export function getClipAnswer(lib: Library, id: number): ClipAnswer {
  const r = lib.db.prepare('SELECT * FROM clip_answers WHERE id = ?').get(id) as Row | undefined;
  if (!r) throw new AppError('NOT_FOUND', `No clip answer ${id}.`);
  return toAnswer(r);
}

/** Every answer, oldest first (optionally of one recording). */
export function listClipAnswers(lib: Library, recordingId?: number): ClipAnswer[] {
  const rows = (
    recordingId === undefined
      ? lib.db.prepare('SELECT * FROM clip_answers ORDER BY id').all()
      : lib.db.prepare('SELECT * FROM clip_answers WHERE recording_id = ? ORDER BY id').all(recordingId)
  ) as Row[];
  return rows.map(toAnswer);
}

/** Deletes one answer; NOT_FOUND if absent. */
export function deleteClipAnswer(lib: Library, id: number): void {
  if (lib.db.prepare('DELETE FROM clip_answers WHERE id = ?').run(id).changes === 0)
    throw new AppError('NOT_FOUND', `No clip answer ${id}.`);
}
