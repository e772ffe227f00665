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
import { readyRecordings, rejectRecording } from './recordings-store.js';
import { captionedWindowIndexes, captionInsert } from './captions-store.js';
import { windowUpsert } from './windows-store.js';
import { setCaptionAdapter } from './captions-adapter-store.js';
import type { AdapterRefDto } from '../../api/ops/library.js';

export const INDEX_JOB_KIND = 'index';

export interface IndexJobParams {
  /** Recordings to index; absent = every ready recording at the time the job runs. */
  recordingIds?: number[];
  modelId: string;
  /** The LoRA adapter the model id includes (recorded on every caption, migration 006); absent = the base model. */
  adapter?: AdapterRefDto;
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
const RECORDING_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'NOT_A_VIDEO',
  'NO_VIDEO_STREAM',
  'TRUNCATED',
  'UNREADABLE',
  'UNSUPPORTED_CODEC',
  'FFMPEG_FAILED',
  'NOT_FOUND',
]);

/** Queues an indexing job for the given captioner's model and prompt (`total`: planned windows, for the UI). */
export function queueIndexJob(lib: Library, params: IndexJobParams, total = 0): Job {
  return createJob(lib, INDEX_JOB_KIND, params, total);
}

/** The executor for 'index' jobs, bound to a media source and a captioner. */
// eslint-disable-next-line max-lines-per-function -- over 80 only since Prettier's line breaks (2026-12-07); to be split along its steps
export function indexJobExecutor(deps: { media: MediaSource; captioner: Captioner }): JobExecutor {
  // eslint-disable-next-line max-lines-per-function -- over 80 only since Prettier's line breaks (2026-12-07); to be split along its steps
  return async ({ job, lib, signal, progress }) => {
    const p = job.params as IndexJobParams;
    const { captioner, media } = deps;
    if (captioner.modelId !== p.modelId || captioner.promptKind !== p.promptKind) {
      throw new AppError(
        'INVALID_INPUT',
        `Job ${job.id} is for ${p.modelId}/${p.promptKind}, the captioner is ${captioner.modelId}/${captioner.promptKind}.`,
      );
    }
    const db = lib.db;
    const recs = readyRecordings(db, p.recordingIds);
    const opts = {
      length: seconds(p.windowLength ?? DEFAULT_WINDOW_LENGTH),
      overlap: seconds(p.overlap ?? DEFAULT_WINDOW_OVERLAP),
    };
    const captioned = captionedWindowIndexes(db);
    const plan = recs.map((r) => {
      const windows = media.windowsFor(seconds(r.duration_s ?? 0), opts);
      const have = new Set(captioned(r.id, p.modelId, p.promptKind));
      return { rec: r, windows, have };
    });
    let total = plan.reduce((n, x) => n + x.windows.length, 0);
    let done = plan.reduce((n, x) => n + x.windows.filter((w) => x.have.has(w.index)).length, 0);

    const upsertWindow = windowUpsert(db);
    const insertCaption = captionInsert(db);
    const storeWindow = db.transaction(
      (
        recId: number,
        w: { index: number; start: number; end: number },
        times: number[],
        text: string,
        tokens: number,
        timings: string,
        cp: IndexCheckpoint,
      ) => {
        const windowId = upsertWindow({
          recordingId: recId,
          index: w.index,
          start: w.start,
          end: w.end,
          sampleTimes: times,
        });
        const captionId = insertCaption({
          windowId,
          modelId: p.modelId,
          promptKind: p.promptKind,
          text,
          tokens,
          timingsJson: timings,
          createdAt: new Date().toISOString(),
        });
        if (p.adapter) setCaptionAdapter(db, captionId, p.adapter);
        progress(done + 1, total, cp);
      },
    );
    progress(done, total);
    const crash = { poisoned: false };
    for (const { rec, windows, have } of plan) {
      let i = 0;
      try {
        for (; i < windows.length; i++) {
          const w = windows[i]!;
          if (have.has(w.index)) continue;
          throwIfCancelled(signal, 'Indexing');
          const times = media.windowSampleTimes(w, { fps: p.fps, maxFrames: p.maxFrames });
          const req = {
            recordingId: rec.id,
            path: rec.path,
            index: w.index,
            start: w.start,
            end: w.end,
            sampleTimes: times,
          };
          // A window that crashes the engine every time rejects its recording (a poison file); see engine-retries.ts.
          const r = await withEngineRetries(
            () => captioner.caption(req, signal),
            signal,
            crash,
            `Window ${w.index} (${w.start.toFixed(1)}–${w.end.toFixed(1)} s)`,
          );
          throwIfCancelled(signal, 'Indexing');
          storeWindow(rec.id, w, times, r.text, r.tokens, JSON.stringify(r.timings ?? {}), {
            recordingId: rec.id,
            windowIndex: w.index,
          });
          done++;
        }
      } catch (err) {
        if (signal.aborted || !(err instanceof AppError) || !(RECORDING_ERROR_CODES.has(err.code) || isPoison(err)))
          throw err;
        // This recording cannot be decoded: record why, drop its remaining windows from the total, go on.
        const left = windows.slice(i).filter((w) => !have.has(w.index)).length;
        db.transaction(() => {
          rejectRecording(db, rec.id, err.code, err.message, new Date().toISOString());
          total -= left;
          progress(done, total, undefined, `recording ${rec.id} rejected: ${err.code}`);
        })();
      }
    }
  };
}
