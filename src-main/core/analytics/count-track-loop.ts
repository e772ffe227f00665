// Count and track runs over a recording's windows, written against small interfaces (model runner, parser, store).
// The host wires the real engine and library; each window is checkpointed so an interrupted job resumes.
import { AppError, toApiError, type ApiError, cancelledError, throwIfCancelled } from '../../api/errors.js';
import { PAUSING_ERROR_CODES } from '../library/jobs.js';
import { isPoison } from '../library/engine-retries.js';
import { dedupCounts, type CountDedupOptions } from './count-dedup.js';
import { stitchTracks, type StitchOptions } from './stitch.js';
import type { AnalyticsWindow, CountResult, FrameSize, LocalTrack, TrackSet, WindowPoint } from './types.js';

/** A model answer with what the run cost (tokens, timings), kept with the window's outcome. */
export interface RunnerAnswer {
  text: string;
  meta?: WindowMeta;
}

/** Cost and provenance of one window's model call. */
export interface WindowMeta {
  tokens?: number;
  timings?: Record<string, number | null>;
  sampleTimes?: number[];
}

/** Runs the model on one window of the recording with a prompt and returns the answer text (optionally with its cost). */
export interface WindowRunner {
  ask(window: AnalyticsWindow, prompt: string, signal: AbortSignal): Promise<string | RunnerAnswer>;
}

/** Parses a counting/pointing answer into pixel points (throw AppError PARSE_ERROR when malformed). */
export type PointParser = (
  answer: string,
  window: AnalyticsWindow,
  frame: FrameSize,
) => { points: WindowPoint[]; statedCount?: number | null };

/** Parses a tracking answer into local tracks in pixels (throw AppError PARSE_ERROR when malformed). */
export type TrackParser = (answer: string, window: AnalyticsWindow, frame: FrameSize) => LocalTrack[];

/** What happened in one window: ok, a malformed answer (kept, not fatal) or a failed model run. */
export interface WindowOutcome<T> {
  window: AnalyticsWindow;
  status: 'ok' | 'malformed' | 'failed';
  answer: string | null;
  parsed: T | null;
  error?: ApiError;
  meta?: WindowMeta;
}

/** Per-window checkpoints: the library implements this with rows keyed by (job, window index). */
export interface WindowStore<T> {
  load(index: number): Promise<WindowOutcome<T> | undefined> | WindowOutcome<T> | undefined;
  save(outcome: WindowOutcome<T>): Promise<void> | void;
}

export interface JobProgress {
  done: number;
  total: number;
  window: number;
  status: WindowOutcome<unknown>['status'];
  resumed: boolean;
}

export interface JobDeps<T, P> {
  runner: WindowRunner;
  parse: P;
  store: WindowStore<T>;
  onProgress?: (p: JobProgress) => void;
}

/** Prompt used for counting: the one Molmo2's video-counting eval uses (it answers with points, then the total). */
export const countPrompt = (query: string) => `How many "${query}" are there in the video?`;
/** Prompt used for tracking (the default-fps tracking template). */
export const trackPrompt = (query: string) => `Track ${query}.`;

async function runWindows<T>(
  query: string,
  windows: readonly AnalyticsWindow[],
  prompt: string,
  parse: (answer: string, w: AnalyticsWindow) => T,
  deps: Omit<JobDeps<T, unknown>, 'parse'>,
  signal: AbortSignal,
): Promise<WindowOutcome<T>[]> {
  if (!query.trim()) throw new AppError('INVALID_INPUT', 'the query is empty');
  if (windows.length === 0) throw new AppError('INVALID_INPUT', 'no windows to run');
  const out: WindowOutcome<T>[] = [];
  for (const w of windows) {
    throwIfCancelled(signal);
    let outcome = await deps.store.load(w.index);
    const resumed = outcome !== undefined && outcome.status !== 'failed';
    if (!resumed) {
      let answer: string | null = null;
      let meta: WindowMeta | undefined;
      try {
        const r = await deps.runner.ask(w, prompt, signal);
        answer = typeof r === 'string' ? r : r.text;
        meta = typeof r === 'string' ? undefined : r.meta;
        outcome = { window: w, status: 'ok', answer, parsed: parse(answer, w), ...(meta ? { meta } : {}) };
      } catch (err) {
        const e = toApiError(err);
        if (e.code === 'CANCELLED' || signal.aborted) throw cancelledError();
        // GPU/engine trouble pauses the whole job (resumable once fixed) instead of marking every window failed.
        // A poison window (it crashed the engine every time it was asked) is recorded as failed, and ends its run.
        if (answer === null && isPoison(err)) {
          await deps.store.save({ window: w, status: 'failed', answer: null, parsed: null, error: e });
          throw err;
        }
        if (answer === null && PAUSING_ERROR_CODES.has(e.code)) throw err;
        // A bad answer is recorded and the job goes on; another model failure is recorded too (retried on resume).
        outcome =
          answer !== null
            ? { window: w, status: 'malformed', answer, parsed: null, error: e, ...(meta ? { meta } : {}) }
            : { window: w, status: 'failed', answer: null, parsed: null, error: e };
      }
      await deps.store.save(outcome);
    }
    out.push(outcome!);
    deps.onProgress?.({ done: out.length, total: windows.length, window: w.index, status: outcome!.status, resumed });
  }
  return out;
}

/** What a count or track job is given: the query, its windows, the frame size and an optional prompt override. */
export interface WindowJobInput {
  query: string;
  windows: readonly AnalyticsWindow[];
  frame: FrameSize;
  prompt?: string;
}

/** A window whose answer parsed, with what it parsed to. */
type ParsedWindow<T> = { window: AnalyticsWindow; parsed: T };

/** Runs the input's prompt (or `defaultPrompt` of its query) on every window: every outcome, and those that parsed. */
async function runParsedWindows<T>(
  input: WindowJobInput,
  defaultPrompt: (query: string) => string,
  deps: JobDeps<T, (answer: string, window: AnalyticsWindow, frame: FrameSize) => T>,
  signal: AbortSignal,
): Promise<{ outcomes: WindowOutcome<T>[]; parsed: ParsedWindow<T>[] }> {
  const outcomes = await runWindows(
    input.query,
    input.windows,
    input.prompt ?? defaultPrompt(input.query),
    (a, w) => deps.parse(a, w, input.frame),
    deps,
    signal,
  );
  const parsed = outcomes.filter((o): o is WindowOutcome<T> & ParsedWindow<T> => o.status === 'ok' && !!o.parsed);
  return { outcomes, parsed };
}

export interface CountJobInput extends WindowJobInput {
  dedup?: CountDedupOptions;
}

export interface CountJobResult {
  result: CountResult;
  windows: WindowOutcome<{ points: WindowPoint[]; statedCount?: number | null }>[];
}

/** Runs the counting prompt on every window, then de-duplicates instances across overlaps. */
export async function runCountJob(
  input: CountJobInput,
  deps: JobDeps<{ points: WindowPoint[]; statedCount?: number | null }, PointParser>,
  signal: AbortSignal,
): Promise<CountJobResult> {
  const { outcomes, parsed } = await runParsedWindows(input, countPrompt, deps, signal);
  const result = dedupCounts(
    parsed.map((o) => ({ ...o.window, points: o.parsed.points })),
    input.frame,
    input.dedup,
  );
  return { result, windows: outcomes };
}

export interface TrackJobInput extends WindowJobInput {
  stitch?: StitchOptions;
}

export interface TrackJobResult {
  set: TrackSet;
  windows: WindowOutcome<LocalTrack[]>[];
}

/** Runs the tracking prompt on every window, then stitches local tracks into recording-wide ids. */
export async function runTrackJob(
  input: TrackJobInput,
  deps: JobDeps<LocalTrack[], TrackParser>,
  signal: AbortSignal,
): Promise<TrackJobResult> {
  const { outcomes, parsed } = await runParsedWindows(input, trackPrompt, deps, signal);
  const set = stitchTracks(
    parsed.map((o) => ({ ...o.window, tracks: o.parsed })),
    input.frame,
    { label: input.query, ...input.stitch },
  );
  return { set, windows: outcomes };
}
