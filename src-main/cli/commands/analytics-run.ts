// Shared body of `molmoscope count` and `molmoscope track`: queue the job in the library, run it in the foreground
// through the shared Molmo2 session (NDJSON progress with --json), then print each run's result.
import { resolve } from 'node:path';
import { adapterFlag } from './adapter-flag.js';
import { AppError } from '../../api/errors.js';
import { analyticsExecutor, queueAnalyticsJob } from '../../core/analytics/run-jobs.js';
import { runResult, type RunResult } from '../../core/analytics/run-result.js';
import { listRuns, type RunKind, type RunRow } from '../../core/analytics/run-store.js';
import { configureModel, closeModel, configuredModelDir, NO_MODEL_MESSAGE } from '../../core/molmo2/model-host.js';
import { assertNoRunningJob, getJob, recoverStaleJobs, resumeJob, runJob, type Job } from '../../core/library/jobs.js';
import { asLibraryError, type Library } from '../../core/library/store.js';
import { createCoreContext } from '../../core/platform/create-context.js';
import { numberFlag, parseFlags, printJson, type CliIO, type Command } from '../command.js';
import type { CoreContext } from '../../core/context.js';
import { precisionFlag } from './precision-flag.js';
import { openLibraryFlag } from './library-flag.js';
import { at } from '../../api/at.js';

const usageOf = (kind: RunKind) => `Usage:
  molmoscope ${kind} --library DB (--recording ID | --folder DIR) [--start S] [--end S] "query"
                  [--model DIR] [--ep cpu|webgpu|cuda] [--precision fp32|fp16|int8|int4] [--window S] [--overlap S] [--max-frames N]
                  [--max-new-tokens N] [--adapter DIR] [--json]
  molmoscope ${kind} --library DB --resume JOB [--model DIR] [--json]
      ${
        kind === 'count'
          ? "Counts \"query\" with Molmo2's video point-count prompt on every window, de-duplicates instances seen in two\n      windows' overlap, and prints the total, per-window counts and each instance's evidence (time, position)."
          : 'Tracks "query" with Molmo2\'s tracking prompt (frames sampled with its fps rule) on every window, stitches the\n      per-window tracks into recording-wide ids, and prints each track\'s span and the stitch decisions.'
      }
      Runs in the foreground as a persisted job; an interrupted, paused or killed one continues with --resume JOB
      (windows already stored are not asked again).
      Malformed model answers are recorded per window, not fatal. --json prints NDJSON: {"event":"progress",…}
      lines, then {"event":"result","job":…,"runs":[…]}. Model: --model DIR, $MOLMOSCOPE_MODEL, or the default model (molmoscope model use);
      --adapter DIR (a PEFT LoRA adapter, run as a branch in the graphs): runs record it (adapter sha256 and name).
      Window defaults: 63.5 s with 8 s overlap, ≤ 128 frames (2 fps); generation budget ${kind === 'count' ? 2048 : 4096} tokens.
`;

function summary(r: RunResult): string {
  const { run } = r;
  const head =
    `run #${run.id} ${run.kind} "${run.query}" ${run.path} ${run.start.toFixed(1)}–${run.end.toFixed(1)} s: ${run.status}, ` +
    `${run.windowsDone}/${run.windowsTotal} windows (${run.windowsMalformed} malformed, ${run.windowsFailed} failed)\n`;
  const bad = r.windows
    .filter((w) => w.status !== 'ok')
    .map((w) => `  window ${w.index} ${w.status}: ${w.errorCode ?? ''} ${w.errorMessage ?? ''}\n`)
    .join('');
  if (r.count) {
    return (
      head +
      `  total ${r.count.total}; per window ${r.count.perWindow.map((w) => w.count).join(' ')}\n` +
      r.count.instances
        .map((i) => {
          const e = at(i.evidence, 0, 'sighting'); // an instance is made of at least one sighting
          return `  #${i.id} at ${e.t.toFixed(1)} s (${Math.round(e.x)}, ${Math.round(e.y)}) seen ${i.evidence.length}×\n`;
        })
        .join('') +
      bad
    );
  }
  if (r.tracks) {
    return (
      head +
      `  ${r.tracks.tracks.length} tracks, ${r.tracks.decisions.length} stitch decisions\n` +
      r.tracks.tracks
        .map((t) => {
          const [first, last] = [at(t.points, 0, 'track point'), at(t.points, t.points.length - 1, 'track point')]; // tracks are never empty
          return `  id ${t.id} "${t.label}" ${first.t.toFixed(1)}–${last.t.toFixed(1)} s, ${t.points.length} points\n`;
        })
        .join('') +
      bad
    );
  }
  return head + bad;
}

/** An existing job of this kind made ready to run again (a killed process's 'running' row is recovered first). */
function resumable(lib: Library, kind: RunKind, id: number): { job: Job; runs: RunRow[] } {
  recoverStaleJobs(lib);
  let job = getJob(lib, id);
  if (job.kind !== kind) throw new AppError('INVALID_INPUT', `job ${id} is a ${job.kind} job, not ${kind}`);
  if (job.status === 'paused' || job.status === 'failed') job = resumeJob(lib, id);
  if (job.status !== 'queued')
    throw new AppError('JOB_CONFLICT', `job ${id} is ${job.status}; only queued, paused or failed jobs resume`);
  return { job, runs: listRuns(lib, { jobId: id }).reverse() };
}

function parseAnalyticsFlags(argv: string[]) {
  return parseFlags(argv, {
    library: { type: 'string' },
    recording: { type: 'string' },
    folder: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    model: { type: 'string' },
    ep: { type: 'string' },
    precision: { type: 'string' },
    window: { type: 'string' },
    overlap: { type: 'string' },
    'max-frames': { type: 'string' },
    'max-new-tokens': { type: 'string' },
    resume: { type: 'string' },
    adapter: { type: 'string' },
    json: { type: 'boolean' },
  });
}

type AnalyticsFlags = ReturnType<typeof parseAnalyticsFlags>['values'];

/** The job's scope from --recording, --folder, --start and --end. */
function scopeOf(values: AnalyticsFlags, io: CliIO) {
  return {
    ...(values.recording !== undefined
      ? { recordingId: numberFlag('recording', values.recording, { integer: true, min: 1 })! }
      : {}),
    ...(values.folder !== undefined ? { folder: resolve(io.cwd, values.folder) } : {}),
    ...(values.start !== undefined ? { start: numberFlag('start', values.start, { min: 0 })! } : {}),
    ...(values.end !== undefined ? { end: numberFlag('end', values.end, { min: 0 })! } : {}),
  };
}

/** The job's window and generation settings from --window, --overlap, --max-frames and --max-new-tokens. */
function settingsOf(values: AnalyticsFlags) {
  return {
    ...(values.window !== undefined ? { windowLength: numberFlag('window', values.window, { min: 0 })! } : {}),
    ...(values.overlap !== undefined ? { overlap: numberFlag('overlap', values.overlap, { min: 0 })! } : {}),
    ...(values['max-frames'] !== undefined
      ? { maxFrames: numberFlag('max-frames', values['max-frames'], { integer: true, min: 1 })! }
      : {}),
    ...(values['max-new-tokens'] !== undefined
      ? { maxNewTokens: numberFlag('max-new-tokens', values['max-new-tokens'], { integer: true, min: 1 })! }
      : {}),
  };
}

/** A CLI core context that prints job progress: NDJSON on stdout with --json, a status line on stderr otherwise. */
function progressContext(io: CliIO, json: boolean | undefined): CoreContext {
  return createCoreContext({
    host: 'cli',
    env: io.env,
    emit: (name, p) => {
      if (name !== 'job.progress') return;
      const e = p as { done: number; total: number; etaSeconds: number | null; message?: string; status: string };
      if (json) io.stdout.write(JSON.stringify({ event: 'progress', ...e }) + '\n');
      else
        io.stderr.write(
          `${e.status} ${e.done}/${e.total}${e.etaSeconds !== null ? ` eta ${Math.round(e.etaSeconds)} s` : ''}${e.message ? `  ${e.message}` : ''}\n`,
        );
    },
  });
}

/** Loads --model (with --precision and --adapter) or checks that a model is configured otherwise. */
async function configureAnalyticsModel(ctx: CoreContext, values: AnalyticsFlags, io: CliIO): Promise<void> {
  if (values.adapter !== undefined && !values.model)
    throw new AppError('INVALID_INPUT', '--adapter needs --model DIR (the base checkpoint)');
  if (values.model)
    await configureModel(
      ctx,
      resolve(io.cwd, values.model),
      values.ep,
      precisionFlag(values.precision),
      adapterFlag(io, resolve(io.cwd, values.model), values.adapter),
    );
  else if (values.precision) ctx.env = { ...ctx.env, MOLMOSCOPE_PRECISION: precisionFlag(values.precision) };
  if (!values.model && !configuredModelDir(ctx)) throw new AppError('MODEL_INVALID', NO_MODEL_MESSAGE);
}

/** Prints the finished job and its runs (one JSON line with --json, summaries otherwise); returns the exit code. */
function printOutcome(io: CliIO, json: boolean | undefined, final: Job, results: RunResult[]): number {
  if (json) io.stdout.write(JSON.stringify({ event: 'result', job: final, runs: results }) + '\n');
  else {
    io.stdout.write(
      `job #${final.id} ${final.status}${final.errorCode ? ` (${final.errorCode}: ${final.errorMessage})` : ''}\n`,
    );
    for (const r of results) io.stdout.write(summary(r));
  }
  if (final.status !== 'done' && !json)
    printJson(io.stderr, {
      error: { code: final.errorCode ?? 'CANCELLED', message: final.errorMessage ?? `job ${final.status}` },
    });
  return final.status === 'done' ? 0 : 1;
}

/** The `count` or `track` command. */
export function analyticsCommand(kind: RunKind): Command {
  const usage = usageOf(kind);
  return {
    name: kind,
    summary:
      kind === 'count'
        ? 'Count a query over a recording, range or folder with Molmo2 (de-duplicated instances with evidence).'
        : 'Track a query over a recording, range or folder with Molmo2 (stitched ids, decisions stored).',
    usage,
    async run(argv, io, signal) {
      const { values, positionals } = parseAnalyticsFlags(argv);
      const resume = numberFlag('resume', values.resume, { integer: true, min: 1 });
      if (resume === undefined && positionals.length !== 1)
        throw new AppError('INVALID_INPUT', `${kind} needs exactly one "query" (quote it)\n${usage}`);
      if (resume !== undefined && (positionals.length || values.recording || values.folder))
        throw new AppError('INVALID_INPUT', '--resume JOB takes no query or scope (the job has them)');
      const scope = scopeOf(values, io);
      const settings = settingsOf(values);
      const ctx = progressContext(io, values.json);
      await configureAnalyticsModel(ctx, values, io);
      const lib = openLibraryFlag(values.library, io, { create: false, integrity: 'background' });
      try {
        await lib.writable();
        assertNoRunningJob(lib);
        const { job, runs } =
          resume !== undefined
            ? resumable(lib, kind, resume)
            : queueAnalyticsJob(lib, kind, { query: positionals[0]!, scope, settings });
        const final = await runJob(lib, job.id, { [kind]: analyticsExecutor(ctx, kind) }, { signal, emit: ctx.emit });
        return printOutcome(
          io,
          values.json,
          final,
          runs.map((r) => runResult(lib, r.id)),
        );
      } catch (err) {
        throw asLibraryError(err, lib.path);
      } finally {
        lib.close();
        await closeModel(ctx);
        ctx.dispose();
      }
    },
  };
}
