// The persisted 'count' and 'track' jobs: queueing (scope = a recording, a time range of it, or a folder) and the
// executors that run Molmo2 per window through the host's shared session and store each outcome with job progress.
import { AppError, toApiError, throwIfCancelled } from '../../api/errors.js';
import type { CoreContext } from '../context.js';
import { createJob, PAUSING_ERROR_CODES, type Job, type JobExecutor } from '../library/jobs.js';
import { isPoison, withEngineRetries, type CrashState } from '../library/engine-retries.js';
import type { Library } from '../library/store.js';
import { setJobParams } from '../library/jobs-store.js';
import { readyRecordingsUnder, recordingVideo, type RecordingVideoRow } from '../library/recordings-store.js';
import { modelSession } from '../molmo2/model-host.js';
import { probeVideo } from '../molmo2/prompt/frame-source.js';
import type { Molmo2Session } from '../molmo2/session.js';
import { JOB_STREAM_EVERY, partialStream } from '../molmo2/partial-stream.js';
import { molmoPointParser, molmoTrackParser } from './answer-adapters.js';
import { dedupCounts, type CountDedupOptions } from './count-dedup.js';
import {
  countPrompt,
  runCountJob,
  runTrackJob,
  trackPrompt,
  type WindowMeta,
  type WindowOutcome,
  type WindowRunner,
  type WindowStore,
} from './count-track-loop.js';
import {
  checkSettings,
  countWindows,
  DEFAULT_MAX_NEW_TOKENS,
  planWindowsSliced,
  type PlannedWindow,
  type RunSettings,
} from './run-plan.js';
import { MAX_JOB_WINDOWS } from '../../api/bounds.js';
import { cancelUnfinishedRuns, createRun, getRun, setRunStatus, type RunKind, type RunRow } from './run-store.js';
import { loadWindow, storedWindows, writeWindow, type CountParsed } from './run-windows-store.js';
import { storeCountResult } from './count-results-store.js';
import { storeTrackSet } from './track-results-store.js';
import { stitchTracks, type StitchOptions } from './stitch.js';
import type { LocalTrack } from './types.js';
import { setRunAdapter } from './analytics-runs-adapter-store.js';
import { usePinnedModel, type PinnedModel } from './run-model.js';
import { at } from '../../api/at.js';

/** What a user asks for: a query over one recording (optionally a range of it) or every ready recording of a folder. */
export interface AnalyticsScope {
  recordingId?: number;
  folder?: string;
  start?: number;
  end?: number;
}

export interface AnalyticsJobParams extends RunSettings {
  query: string;
  runIds: number[];
  dedup?: CountDedupOptions;
  stitch?: StitchOptions;
  /** The model the job runs on, when it is not the host's (a re-run with the base or an adapter). */
  model?: PinnedModel;
}

function scopeRecordings(lib: Library, scope: AnalyticsScope): RecordingVideoRow[] {
  if ((scope.recordingId === undefined) === (scope.folder === undefined))
    throw new AppError('INVALID_INPUT', 'give either a recording or a folder as the scope');
  if (scope.recordingId !== undefined) {
    const r = recordingVideo(lib.db, scope.recordingId);
    if (!r) throw new AppError('NOT_FOUND', `No recording ${scope.recordingId} in this library.`);
    if (r.status !== 'ready')
      throw new AppError('INVALID_INPUT', `Recording ${r.id} is ${r.status}; only ready recordings can be analysed.`);
    return [r];
  }
  if (scope.start !== undefined || scope.end !== undefined)
    throw new AppError('INVALID_INPUT', 'a time range applies to one recording, not a folder');
  const folder = scope.folder!.replace(/[\\/]+$/, '');
  const rows = readyRecordingsUnder(lib.db, folder);
  if (rows.length === 0) throw new AppError('NOT_FOUND', `No ready recordings under ${folder} in this library.`);
  return rows;
}

/**
 * Queues a count or track job and its runs (one per recording) in one transaction; the windows are planned now so
 * a bad range or setting is refused before anything is written.
 */
export function queueAnalyticsJob(
  lib: Library,
  kind: RunKind,
  req: {
    query: string;
    scope: AnalyticsScope;
    settings?: RunSettings;
    dedup?: CountDedupOptions;
    stitch?: StitchOptions;
    model?: PinnedModel;
  },
): { job: Job; runs: RunRow[] } {
  const query = req.query.trim();
  if (!query) throw new AppError('INVALID_INPUT', 'the query is empty');
  if (query.length > 200) throw new AppError('INVALID_INPUT', 'the query is longer than 200 characters');
  const settings = req.settings ?? {};
  checkSettings(settings);
  const recs = scopeRecordings(lib, req.scope);
  const plans = recs.map((r) => {
    if (!r.duration_s || !r.width || !r.height)
      throw new AppError('INVALID_INPUT', `Recording ${r.id} has no duration or frame size (probe it again).`);
    const start = req.scope.start ?? 0;
    const end = req.scope.end ?? r.duration_s;
    if (start < 0 || end > r.duration_s + 1e-6 || !(end > start)) {
      throw new AppError(
        'INVALID_INPUT',
        `the range ${start}–${end} s is not inside recording ${r.id} (0–${r.duration_s.toFixed(2)} s)`,
      );
    }
    return { r, start, end, windows: countWindows(kind, { start, end }, r.fps, settings) };
  });
  const total = plans.reduce((n, p) => n + p.windows, 0);
  if (total > MAX_JOB_WINDOWS)
    throw new AppError(
      'INVALID_INPUT',
      `this job would look at ${total} windows, more than ${MAX_JOB_WINDOWS}; use longer windows or a smaller scope`,
    );
  return lib.db
    .transaction(() => {
      const job = createJob(lib, kind, {}, total);
      const runIds = plans.map((p) =>
        createRun(lib, {
          kind,
          query,
          recordingId: p.r.id,
          start: p.start,
          end: p.end,
          jobId: job.id,
          params: settings,
          frame: { width: p.r.width!, height: p.r.height! },
          videoFps: p.r.fps,
          windowsTotal: p.windows,
        }),
      );
      const params: AnalyticsJobParams = {
        ...settings,
        query,
        runIds,
        ...(req.dedup ? { dedup: req.dedup } : {}),
        ...(req.stitch ? { stitch: req.stitch } : {}),
        ...(req.model ? { model: req.model } : {}),
      };
      setJobParams(lib.db, job.id, params);
      return { job: { ...job, params }, runs: runIds.map((id) => getRun(lib, id)) };
    })
    .immediate();
}

/**
 * Stores one window's answer of a run exactly as the job does (parsed by the Molmo2 adapters; a malformed answer is
 * kept verbatim with PARSE_ERROR). Used by the job's store and to load answers obtained elsewhere.
 */
export function recordWindowAnswer(
  lib: Library,
  runId: number,
  w: PlannedWindow,
  answer: string,
  meta: WindowMeta = {},
): WindowOutcome<CountParsed | LocalTrack[]>['status'] {
  const run = getRun(lib, runId);
  const window = { index: w.index, start: w.start, end: w.end };
  let o: WindowOutcome<CountParsed | LocalTrack[]>;
  try {
    const parsed =
      run.kind === 'count'
        ? molmoPointParser()(answer, window, run.frame)
        : molmoTrackParser()(answer, window, run.frame);
    o = { window, status: 'ok', answer, parsed };
  } catch (err) {
    o = { window, status: 'malformed', answer, parsed: null, error: toApiError(err) };
  }
  lib.db.transaction(() =>
    writeWindow(lib, runId, run.kind, run.frame, { ...o, meta: { ...meta, sampleTimes: w.times } }),
  )();
  return o.status;
}

/**
 * Computes a run's result from its stored windows (so a resumed run gives what an uninterrupted one would) with the
 * existing de-duplication / stitching, stores it and marks the run done, in one transaction.
 */
export function finishRun(
  lib: Library,
  runId: number,
  opts: { dedup?: CountDedupOptions; stitch?: StitchOptions } = {},
): void {
  const run = getRun(lib, runId);
  const stored = storedWindows(lib, runId).filter((w) => w.status === 'ok');
  const outs = stored.map((w) => loadWindow(lib, runId, run.kind, w.index)!);
  lib.db.transaction(() => {
    if (run.kind === 'count') {
      const input = outs.map((o) => ({ ...o.window, points: (o.parsed as CountParsed).points }));
      storeCountResult(lib, runId, dedupCounts(input, run.frame, opts.dedup));
    } else {
      const input = outs.map((o) => ({ ...o.window, tracks: o.parsed as LocalTrack[] }));
      storeTrackSet(lib, runId, stitchTracks(input, run.frame, { label: run.query, ...opts.stitch }));
    }
    setRunStatus(lib, runId, 'done');
  })();
}

type Partials = ReturnType<typeof partialStream>;

function engineRunner(
  session: Molmo2Session,
  run: RunRow,
  kind: RunKind,
  plan: Map<number, PlannedWindow>,
  maxNewTokens: number,
  probe: Promise<Awaited<ReturnType<typeof probeVideo>>>,
  partials: Partials,
  crash: CrashState,
): WindowRunner {
  const once: WindowRunner['ask'] = async (w, _prompt, signal) => {
    const pw = plan.get(w.index)!;
    const task =
      kind === 'count'
        ? { kind: 'count' as const, label: run.query }
        : { kind: 'track' as const, label: run.query, fps: pw.fps ?? 2 };
    const live = partials.window(w.index, { runId: run.id, recordingId: run.recordingId });
    // Each window is shown as a clip starting at 0 (offset), as Molmo2 saw clips in training; the adapters add the start back.
    const a = await session.askVideo(
      { file: run.path, times: pw.times, offset: pw.start, task, probe: (await probe).probe },
      { maxNewTokens, streamEvery: JOB_STREAM_EVERY, onPartialText: live.partial },
      signal,
    );
    live.final(a.text);
    return { text: a.text, meta: { tokens: a.tokens, timings: { ...a.timings }, sampleTimes: pw.times } };
  };
  // A window that crashes the engine every time fails its run with ENGINE_CRASHED (see engine-retries.ts).
  return {
    ask: (w, prompt, signal) =>
      withEngineRetries(() => once(w, prompt, signal), signal, crash, `${run.path}: window ${w.index}`),
  };
}

type ExecutorArgs = Parameters<JobExecutor>[0];

/** The job's progress counters, shared by its runs. */
interface Tally {
  done: number;
  total: number;
}

/** The window store of one run: each window stored (with its sample times) moves the job's progress. */
function runWindowStore(
  lib: Library,
  run: RunRow,
  kind: RunKind,
  plan: Map<number, PlannedWindow>,
  windowCount: number,
  tally: Tally,
  progress: ExecutorArgs['progress'],
): WindowStore<CountParsed | LocalTrack[]> {
  return {
    load: (index) => loadWindow(lib, run.id, kind, index),
    save: (o) =>
      lib.db.transaction(() => {
        const meta = { ...o.meta, sampleTimes: plan.get(o.window.index)?.times ?? [] };
        writeWindow(lib, run.id, kind, run.frame, { ...o, meta });
        if (o.status !== 'failed') tally.done++;
        progress(
          tally.done,
          tally.total,
          { runId: run.id, window: o.window.index },
          `${run.path}: window ${o.window.index + 1}/${windowCount} ${o.status}`,
        );
      })(),
  };
}

/** Runs one run's windows through the count or the track pipeline. */
async function runWindows(
  kind: RunKind,
  run: RunRow,
  planned: PlannedWindow[],
  runner: WindowRunner,
  store: WindowStore<CountParsed | LocalTrack[]>,
  signal: AbortSignal,
): Promise<void> {
  const windows = planned.map((w) => ({ index: w.index, start: w.start, end: w.end }));
  if (kind === 'count') {
    await runCountJob(
      { query: run.query, windows, frame: run.frame, prompt: countPrompt(run.query) },
      { runner, parse: molmoPointParser(), store: store as WindowStore<CountParsed> },
      signal,
    );
  } else {
    await runTrackJob(
      { query: run.query, windows, frame: run.frame, prompt: trackPrompt(run.query) },
      { runner, parse: molmoTrackParser(), store: store as WindowStore<LocalTrack[]> },
      signal,
    );
  }
}

/**
 * Records why a run stopped. A poison file fails only this run and returns true (the job goes on with the other
 * recordings); otherwise the run is cancelled, requeued or failed and false is returned (the caller rethrows).
 */
function settleStoppedRun(
  err: unknown,
  { job, lib, signal, progress }: ExecutorArgs,
  run: RunRow,
  windowCount: number,
  tally: Tally,
): boolean {
  const reason = signal.aborted ? signal.reason : null;
  if (reason === null && isPoison(err)) {
    // A poison file: this run failed (its window says why), the job goes on with the other recordings.
    const left = windowCount - storedWindows(lib, run.id).filter((w) => w.status !== 'failed').length;
    tally.total -= left;
    lib.db.transaction(() => {
      setRunStatus(lib, run.id, 'failed');
      progress(tally.done, tally.total, undefined, `${run.path}: ${(err as Error).message}`);
    })();
    return true;
  }
  if (reason === 'cancel') {
    cancelUnfinishedRuns(lib, job.id);
  } else {
    // Paused or interrupted jobs (and GPU trouble, which pauses) resume this run later; anything else failed it.
    const resumable = reason !== null || (err instanceof AppError && PAUSING_ERROR_CODES.has(err.code));
    setRunStatus(lib, run.id, resumable ? 'queued' : 'failed');
  }
  return false;
}

/**
 * The executor of one analytics kind, bound to a host context: the model is the host's shared session, pointed at the
 * job's pinned model for the job's length when it has one.
 */
export function analyticsExecutor(ctx: CoreContext, kind: RunKind): JobExecutor {
  return async (args) => {
    const restore = await usePinnedModel(ctx, (args.job.params as AnalyticsJobParams).model);
    try {
      await runAnalyticsJob(ctx, kind, args);
    } finally {
      await restore();
    }
  };
}

/** Runs a job's runs in order (runs already done are skipped, so a resumed job asks only what is left). */
async function runAnalyticsJob(ctx: CoreContext, kind: RunKind, args: ExecutorArgs): Promise<void> {
  const { job, lib, signal, progress } = args;
  const p = job.params as AnalyticsJobParams;
  const runs = p.runIds.map((id) => getRun(lib, id));
  // Planned in slices: a week-long run is ~11,000 windows, too many to plan in one turn of a host's event loop.
  const plans: PlannedWindow[][] = [];
  for (const r of runs) plans.push(await planWindowsSliced(kind, r, r.videoFps, p, signal));
  const tally: Tally = {
    total: plans.reduce((n, x) => n + x.length, 0),
    done: runs.reduce((n, r) => n + r.windowsDone, 0),
  };
  progress(tally.done, tally.total);
  if (runs.every((r) => r.status === 'done')) return;
  const session = await modelSession(ctx);
  const partials = partialStream(ctx.emit, { jobId: job.id, kind });
  const crash: CrashState = { poisoned: false };
  for (const [i, run] of runs.entries()) {
    const planned = at(plans, i, 'window plan');
    if (run.status === 'done') continue;
    throwIfCancelled(signal);
    setRunStatus(lib, run.id, 'running', session.modelId);
    setRunAdapter(lib.db, run.id, session.adapter);
    const plan = new Map(planned.map((w) => [w.index, w]));
    const store = runWindowStore(lib, run, kind, plan, planned.length, tally, progress);
    const runner = engineRunner(
      session,
      run,
      kind,
      plan,
      p.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS[kind],
      probeVideo(ctx.media, run.path, signal),
      partials,
      crash,
    );
    try {
      await runWindows(kind, run, planned, runner, store, signal);
      finishRun(lib, run.id, p);
    } catch (err) {
      if (settleStoppedRun(err, args, run, planned.length, tally)) continue;
      throw err;
    }
  }
}

/** The job kinds this area adds to the host registry (job-host.ts JOB_KINDS). */
export const ANALYTICS_JOB_KINDS: Record<RunKind, (ctx: CoreContext) => JobExecutor> = {
  count: (ctx) => analyticsExecutor(ctx, 'count'),
  track: (ctx) => analyticsExecutor(ctx, 'track'),
};
