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

type ExecutorArgs = Parameters<JobExecutor>[0];

/** The job's progress counters, shared by its recordings. */
interface Tally {
  done: number;
  total: number;
}

/** One recording's windows and the indexes of those this model and prompt already captioned. */
interface RecordingPlan {
  rec: ReturnType<typeof readyRecordings>[number];
  windows: ReturnType<MediaSource['windowsFor']>;
  have: Set<number>;
}

function planRecordings(db: Library['db'], media: MediaSource, p: IndexJobParams): RecordingPlan[] {
  const recs = readyRecordings(db, p.recordingIds);
  const opts = {
    length: seconds(p.windowLength ?? DEFAULT_WINDOW_LENGTH),
    overlap: seconds(p.overlap ?? DEFAULT_WINDOW_OVERLAP),
  };
  const captioned = captionedWindowIndexes(db);
  return recs.map((r) => {
    const windows = media.windowsFor(seconds(r.duration_s ?? 0), opts);
    const have = new Set(captioned(r.id, p.modelId, p.promptKind));
    return { rec: r, windows, have };
  });
}

/** Stores a window, its caption (with the adapter) and the job's progress in one transaction. */
function windowStorer(db: Library['db'], p: IndexJobParams, tally: Tally, progress: ExecutorArgs['progress']) {
  const upsertWindow = windowUpsert(db);
  const insertCaption = captionInsert(db);
  return db.transaction(
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
      progress(tally.done + 1, tally.total, cp);
    },
  );
}

/**
 * Captions one recording's missing windows. A recording that cannot be decoded (or crashes the engine every time) is
 * rejected with its reason and its remaining windows leave the total; any other error ends the job.
 */
async function indexRecording(
  { rec, windows, have }: RecordingPlan,
  deps: { media: MediaSource; captioner: Captioner },
  { job, lib, signal, progress }: ExecutorArgs,
  storeWindow: ReturnType<typeof windowStorer>,
  tally: Tally,
  crash: { poisoned: boolean },
): Promise<void> {
  const p = job.params as IndexJobParams;
  const db = lib.db;
  let i = 0;
  try {
    for (; i < windows.length; i++) {
      const w = windows[i]!;
      if (have.has(w.index)) continue;
      throwIfCancelled(signal, 'Indexing');
      const times = deps.media.windowSampleTimes(w, { fps: p.fps, maxFrames: p.maxFrames });
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
        () => deps.captioner.caption(req, signal),
        signal,
        crash,
        `Window ${w.index} (${w.start.toFixed(1)}–${w.end.toFixed(1)} s)`,
      );
      throwIfCancelled(signal, 'Indexing');
      storeWindow(rec.id, w, times, r.text, r.tokens, JSON.stringify(r.timings ?? {}), {
        recordingId: rec.id,
        windowIndex: w.index,
      });
      tally.done++;
    }
  } catch (err) {
    if (signal.aborted || !(err instanceof AppError) || !(RECORDING_ERROR_CODES.has(err.code) || isPoison(err)))
      throw err;
    // This recording cannot be decoded: record why, drop its remaining windows from the total, go on.
    const left = windows.slice(i).filter((w) => !have.has(w.index)).length;
    db.transaction(() => {
      rejectRecording(db, rec.id, err.code, err.message, new Date().toISOString());
      tally.total -= left;
      progress(tally.done, tally.total, undefined, `recording ${rec.id} rejected: ${err.code}`);
    })();
  }
}

/** The executor for 'index' jobs, bound to a media source and a captioner. */
export function indexJobExecutor(deps: { media: MediaSource; captioner: Captioner }): JobExecutor {
  return async (args) => {
    const { job, lib, progress } = args;
    const p = job.params as IndexJobParams;
    const { captioner, media } = deps;
    if (captioner.modelId !== p.modelId || captioner.promptKind !== p.promptKind) {
      throw new AppError(
        'INVALID_INPUT',
        `Job ${job.id} is for ${p.modelId}/${p.promptKind}, the captioner is ${captioner.modelId}/${captioner.promptKind}.`,
      );
    }
    const plan = planRecordings(lib.db, media, p);
    const tally: Tally = {
      total: plan.reduce((n, x) => n + x.windows.length, 0),
      done: plan.reduce((n, x) => n + x.windows.filter((w) => x.have.has(w.index)).length, 0),
    };
    const storeWindow = windowStorer(lib.db, p, tally, progress);
    progress(tally.done, tally.total);
    const crash = { poisoned: false };
    for (const rp of plan) await indexRecording(rp, deps, args, storeWindow, tally, crash);
  };
}
