// The indexing job: for each recording, caption every window not yet captioned by this model and prompt,
// storing window + caption + job progress in ONE transaction so a kill -9 leaves a window whole or absent.
import { AppError, throwIfCancelled, type ErrorCode } from '../../api/errors.js';
import { seconds } from '../../api/units.js';
import type { Captioner, PromptKind } from './captioner.js';
import { isPoison, withEngineRetries } from './engine-retries.js';
import { createJob, type Job, type JobExecutor } from './jobs.js';
import type { MediaSource } from './media-source.js';
import { DEFAULT_WINDOW_LENGTH, DEFAULT_WINDOW_OVERLAP } from './media-adapter.js';
import type { Library } from './store.js';

export const INDEX_JOB_KIND = 'index';

export interface IndexJobParams {
  /** Recordings to index; absent = every ready recording at the time the job runs. */
  recordingIds?: number[];
  modelId: string;
  promptKind: PromptKind;
  /** Window length and overlap in seconds (defaults: the media layer's 63.5 s and 8 s). */
  windowLength?: number;
  overlap?: number;
  fps?: number;
  maxFrames?: number;
}

export interface IndexCheckpoint {
  recordingId: number;
  windowIndex: number;
}

/** Media failures of one recording mark that recording rejected and the job goes on with the others. */
const RECORDING_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['NOT_A_VIDEO', 'NO_VIDEO_STREAM', 'TRUNCATED', 'UNREADABLE', 'UNSUPPORTED_CODEC', 'FFMPEG_FAILED', 'NOT_FOUND']);

/** Queues an indexing job for the given captioner's model and prompt (`total`: planned windows, for the UI). */
export function queueIndexJob(lib: Library, params: IndexJobParams, total = 0): Job {
  return createJob(lib, INDEX_JOB_KIND, params, total);
}

/** The executor for 'index' jobs, bound to a media source and a captioner. */
export function indexJobExecutor(deps: { media: MediaSource; captioner: Captioner }): JobExecutor {
  return async ({ job, lib, signal, progress }) => {
    const p = job.params as IndexJobParams;
    const { captioner, media } = deps;
    if (captioner.modelId !== p.modelId || captioner.promptKind !== p.promptKind) {
      throw new AppError('INVALID_INPUT', `Job ${job.id} is for ${p.modelId}/${p.promptKind}, the captioner is ${captioner.modelId}/${captioner.promptKind}.`);
    }
    const db = lib.db;
    const recs = (p.recordingIds?.length
      ? db.prepare(`SELECT id, path, duration_s FROM recordings WHERE status = 'ready' AND id IN (${p.recordingIds.map(() => '?').join(',')}) ORDER BY id`).all(...p.recordingIds)
      : db.prepare("SELECT id, path, duration_s FROM recordings WHERE status = 'ready' AND duration_s > 0 ORDER BY id").all()) as Array<{ id: number; path: string; duration_s: number }>;
    const opts = { length: seconds(p.windowLength ?? DEFAULT_WINDOW_LENGTH), overlap: seconds(p.overlap ?? DEFAULT_WINDOW_OVERLAP) };
    const captioned = db.prepare(`SELECT w.idx FROM windows w JOIN captions c ON c.window_id = w.id
      WHERE w.recording_id = ? AND c.model_id = ? AND c.prompt_kind = ?`).pluck();
    const plan = recs.map((r) => {
      const windows = media.windowsFor(seconds(r.duration_s), opts);
      const have = new Set(captioned.all(r.id, p.modelId, p.promptKind) as number[]);
      return { rec: r, windows, have };
    });
    let total = plan.reduce((n, x) => n + x.windows.length, 0);
    let done = plan.reduce((n, x) => n + x.windows.filter((w) => x.have.has(w.index)).length, 0);

    const upsertWindow = db.prepare(`INSERT INTO windows (recording_id, idx, start_s, end_s, sample_times) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (recording_id, idx) DO UPDATE SET start_s = excluded.start_s, end_s = excluded.end_s, sample_times = excluded.sample_times
      RETURNING id`).pluck();
    const insertCaption = db.prepare(`INSERT INTO captions (window_id, model_id, prompt_kind, text, tokens, timings_json, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
    const storeWindow = db.transaction((recId: number, w: { index: number; start: number; end: number }, times: number[], text: string, tokens: number, timings: string, cp: IndexCheckpoint) => {
      const windowId = upsertWindow.get(recId, w.index, w.start, w.end, JSON.stringify(times)) as number;
      insertCaption.run(windowId, p.modelId, p.promptKind, text, tokens, timings, new Date().toISOString());
      progress(done + 1, total, cp);
    });
    const reject = db.prepare("UPDATE recordings SET status = 'rejected', reason_code = ?, reason = ?, updated_at = ? WHERE id = ?");

    progress(done, total);
    const crash = { poisoned: false };
    for (const { rec, windows, have } of plan) {
      let i = 0;
      try {
        for (; i < windows.length; i++) {
          const w = windows[i];
          if (have.has(w.index)) continue;
          throwIfCancelled(signal, 'Indexing');
          const times = media.sampleTimes(w, { fps: p.fps, maxFrames: p.maxFrames });
          const req = { recordingId: rec.id, path: rec.path, index: w.index, start: w.start, end: w.end, sampleTimes: times };
          // A window that crashes the engine every time rejects its recording (a poison file); see engine-retries.ts.
          const r = await withEngineRetries(() => captioner.caption(req, signal), signal, crash, `Window ${w.index} (${w.start.toFixed(1)}–${w.end.toFixed(1)} s)`);
          throwIfCancelled(signal, 'Indexing');
          storeWindow(rec.id, w, times, r.text, r.tokens, JSON.stringify(r.timings ?? {}), { recordingId: rec.id, windowIndex: w.index });
          done++;
        }
      } catch (err) {
        if (signal.aborted || !(err instanceof AppError) || !(RECORDING_ERROR_CODES.has(err.code) || isPoison(err))) throw err;
        // This recording cannot be decoded: record why, drop its remaining windows from the total, go on.
        const left = windows.slice(i).filter((w) => !have.has(w.index)).length;
        db.transaction(() => {
          reject.run(err.code, err.message, new Date().toISOString(), rec.id);
          total -= left;
          progress(done, total, undefined, `recording ${rec.id} rejected: ${err.code}`);
        })();
      }
    }
  };
}
