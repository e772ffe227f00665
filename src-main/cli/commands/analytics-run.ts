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
import { libraryModel } from '../../core/finetune/rerun.js';
import { checkPinnedModel } from '../../core/analytics/run-model.js';
import type { AdapterRecord } from '../../core/finetune/use-adapter.js';
import { at } from '../../api/at.js';

const usageOf = (kind: RunKind) => `Usage:
  molmoscope ${kind} --library DB (--recording ID | --folder DIR) [--start S] [--end S] "query"
                  [--model DIR] [--ep cpu|webgpu|cuda] [--precision fp32|fp16|int8|int4] [--window S] [--overlap S] [--max-frames N]
                  [--max-new-tokens N] [--adapter DIR | --no-adapter] [--json]
  molmoscope ${kind} --library DB --resume JOB [--model DIR] [--adapter DIR | --no-adapter] [--json]
      ${
        kind === 'count'
          ? "Counts \"query\" with Molmo2's video point-count prompt on every window, de-duplicates instances seen in two\n      windows' overlap, and prints the total, per-window counts and each instance's evidence (time, position)."
          : 'Tracks "query" with Molmo2\'s tracking prompt (frames sampled with its fps rule) on every window, stitches the\n      per-window tracks into recording-wide ids, and prints each track\'s span and the stitch decisions.'
      }
      Runs in the foreground as a persisted job; an interrupted, paused or killed one continues with --resume JOB
      (windows already stored are not asked again).
      Malformed model answers are recorded per window, not fatal. --json prints NDJSON: {"event":"progress",…}
      lines, then {"event":"result","job":…,"model":{"dir":…,"adapter":…},"runs":[…]}.
      Model: the library's active adapter (molmoscope finetune adapters activate) on its base model, as serve runs it;
      else --model DIR, $MOLMOSCOPE_MODEL, or the default model (molmoscope model use).
      --adapter DIR (a PEFT LoRA adapter for --model DIR, its base) runs that adapter instead;
      --no-adapter (or --base) runs the base model alone. Runs record the model id and the adapter (sha256 and name).
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

/** The flags that choose the model against the library's active adapter (see chooseModel). */
const MODEL_CHOICE_FLAGS = {
  adapter: { type: 'string' },
  'no-adapter': { type: 'boolean' },
  base: { type: 'boolean' },
} as const;

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
    json: { type: 'boolean' },
    ...MODEL_CHOICE_FLAGS,
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

/** The model a count/track runs on, and where its adapter came from (--adapter, the library's active one, or none). */
interface ChosenModel {
  dir: string | null;
  adapter: AdapterRecord | null;
  from: 'flag' | 'library' | null;
}

/**
 * --adapter DIR and --no-adapter (--base) override the library's active adapter; without them a library with an
 * active adapter runs it on its base model, as serve does (an explicit --model must be that base).
 */
function chooseModel(lib: Library, values: AnalyticsFlags, io: CliIO): ChosenModel {
  const noAdapter = values['no-adapter'] === true || values.base === true;
  if (values.adapter !== undefined && noAdapter)
    throw new AppError('INVALID_INPUT', '--adapter DIR and --no-adapter (--base) exclude each other');
  const active = libraryModel(lib);
  const model = values.model !== undefined ? resolve(io.cwd, values.model) : undefined;
  if (model !== undefined && values.adapter !== undefined)
    return { dir: model, adapter: adapterFlag(io, model, values.adapter) ?? null, from: 'flag' };
  if (!active) return { dir: model ?? null, adapter: null, from: null };
  if (noAdapter) {
    if (model === undefined) checkPinnedModel({ baseModel: active.baseModel, adapter: null });
    return { dir: model ?? resolve(active.baseModel), adapter: null, from: null };
  }
  if (model !== undefined && model !== resolve(active.baseModel))
    throw new AppError(
      'INVALID_INPUT',
      `The library's active adapter "${active.adapter?.name}" was trained on ${active.baseModel}, not ${model}: ` +
        'pass --no-adapter to run --model alone, or --adapter DIR.',
    );
  return { dir: resolve(active.baseModel), adapter: checkPinnedModel(active), from: 'library' };
}

/** Loads the chosen model (with --ep and --precision) or checks that a model is configured otherwise. */
async function configureAnalyticsModel(ctx: CoreContext, chosen: ChosenModel, values: AnalyticsFlags): Promise<void> {
  if (chosen.dir)
    await configureModel(ctx, chosen.dir, values.ep, precisionFlag(values.precision), chosen.adapter ?? undefined);
  else if (values.precision) ctx.env = { ...ctx.env, MOLMOSCOPE_PRECISION: precisionFlag(values.precision) };
  if (!chosen.dir && !configuredModelDir(ctx)) throw new AppError('MODEL_INVALID', NO_MODEL_MESSAGE);
}

/** What the result line says of the model: its folder and the adapter (with where it came from), or none. */
function modelLine(ctx: CoreContext, chosen: ChosenModel) {
  const a = chosen.adapter;
  return {
    dir: chosen.dir ?? configuredModelDir(ctx),
    adapter: a ? { name: a.name, sha256: a.sha256, dir: a.dir, from: chosen.from } : null,
  };
}

/** Prints the finished job and its runs (one JSON line with --json, summaries otherwise); returns the exit code. */
function printOutcome(
  io: CliIO,
  json: boolean | undefined,
  final: Job,
  results: RunResult[],
  model: ReturnType<typeof modelLine>,
): number {
  if (json) io.stdout.write(JSON.stringify({ event: 'result', job: final, model, runs: results }) + '\n');
  else {
    io.stdout.write(
      `job #${final.id} ${final.status}${final.errorCode ? ` (${final.errorCode}: ${final.errorMessage})` : ''}\n` +
        `model ${model.dir ?? '?'}${model.adapter ? ` + adapter "${model.adapter.name}" (${model.adapter.from === 'library' ? "the library's active adapter" : '--adapter'})` : ''}\n`,
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
      if (values.adapter !== undefined && !values.model)
        throw new AppError('INVALID_INPUT', '--adapter needs --model DIR (the base checkpoint)');
      const scope = scopeOf(values, io);
      const settings = settingsOf(values);
      const ctx = progressContext(io, values.json);
      const lib = openLibraryFlag(values.library, io, { create: false, integrity: 'background' });
      try {
        const chosen = chooseModel(lib, values, io);
        await configureAnalyticsModel(ctx, chosen, values);
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
          modelLine(ctx, chosen),
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
