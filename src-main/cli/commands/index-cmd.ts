// `molmoscope index --library DB [--model DIR]`: captions every window of the library's ready recordings with Molmo2,
// in the foreground, as a persisted resumable job; --json prints NDJSON job.progress lines and a final summary line.
import { resolve } from 'node:path';
import { adapterFlag } from './adapter-flag.js';
import { AppError } from '../../api/errors.js';
import type { EventPayload } from '../../api/contract.js';
import { createCoreContext } from '../../core/platform/create-context.js';
import { closeModel, configureModel } from '../../core/molmo2/model-host.js';
import {
  indexJobKind,
  planIndex,
  configuredAdapterRef,
  configuredModelId,
  DEFAULT_TIER,
} from '../../core/library/index-host.js';
import { INDEX_JOB_KIND, queueIndexJob, type IndexJobParams } from '../../core/library/index-job.js';
import { assertNoRunningJob, listJobs, resumeJob, runJob, type Job } from '../../core/library/jobs.js';
import type { PromptKind } from '../../core/library/captioner.js';
import { asLibraryError, type Library } from '../../core/library/store.js';
import { countCaptions } from '../../core/library/captions-store.js';
import { countRecordings } from '../../core/library/recordings-store.js';
import { numberFlag, parseFlags, type CliIO, type Command } from '../command.js';
import type { CoreContext } from '../../core/context.js';
import { precisionFlag } from './precision-flag.js';
import { openLibraryFlag } from './library-flag.js';

const usage = `Usage:
  molmoscope index --library DB [--model DIR] [--ep cpu|webgpu|cuda] [--precision fp32|fp16|int8|int4] [--tier dense|short] [--recording ID,…]
                   [--window S] [--overlap S] [--adapter DIR] [--json]
      Caption every window of the ready recordings with Molmo2 (default tier: ${DEFAULT_TIER}; window 63.5 s, overlap 8 s)
      so they can be searched. The job is stored in the library: Ctrl-C or a crash leaves it resumable, and running
      the same command again continues an unfinished job of the same model and tier where it stopped.
      --model DIR   Molmo2 checkpoint (default: $MOLMOSCOPE_MODEL, else the default model: molmoscope model use)
      --adapter DIR a PEFT LoRA adapter for --model, run as a branch in the graphs (model id names both; captions record it)
      --json        one JSON line per progress event ({"event":"job.progress",…}), then {"event":"summary",…}
      Exit code: 0 done, 1 failed, 3 paused or cancelled (resumable: run it again).
`;

function parseIndexFlags(argv: string[]) {
  return parseFlags(
    argv,
    {
      library: { type: 'string' },
      model: { type: 'string' },
      ep: { type: 'string' },
      precision: { type: 'string' },
      tier: { type: 'string' },
      recording: { type: 'string' },
      window: { type: 'string' },
      overlap: { type: 'string' },
      adapter: { type: 'string' },
      json: { type: 'boolean' },
    },
    false,
  ).values;
}

type IndexFlags = ReturnType<typeof parseIndexFlags>;

/** A CLI core context that prints job.progress as NDJSON with --json, else keeps the running lines for the ticker. */
function progressContext(io: CliIO, json: boolean | undefined, lines: string[]): CoreContext {
  return createCoreContext({
    host: 'cli',
    env: io.env,
    emit: (name, payload) => {
      if (name !== 'job.progress') return;
      const p = payload as EventPayload<'job.progress'>;
      if (json) io.stdout.write(JSON.stringify({ event: name, ...p }) + '\n');
      else if (p.status === 'running')
        lines.push(
          `${p.done}/${p.total} windows${p.etaSeconds !== null ? `, about ${Math.ceil(p.etaSeconds)} s left` : ''}`,
        );
    },
  });
}

/** Loads --model (with --precision and --adapter), or passes --ep and --precision on to the configured model. */
async function configureIndexModel(ctx: CoreContext, values: IndexFlags, io: CliIO): Promise<void> {
  if (values.model)
    await configureModel(
      ctx,
      resolve(io.cwd, values.model),
      values.ep,
      precisionFlag(values.precision),
      adapterFlag(io, resolve(io.cwd, values.model), values.adapter),
    );
  else if (values.ep) ctx.env = { ...ctx.env, MOLMOSCOPE_EP: values.ep };
  if (!values.model && values.precision)
    ctx.env = { ...ctx.env, MOLMOSCOPE_PRECISION: precisionFlag(values.precision) };
}

/** An unfinished job with the same parameters continues (its stored windows are skipped anyway); else a new one. */
function jobFor(lib: Library, params: IndexJobParams, total: number): Job {
  const same = listJobs(lib, { kind: INDEX_JOB_KIND, status: ['queued', 'paused', 'failed'] }).find(
    (j) => JSON.stringify(j.params) === JSON.stringify(params),
  );
  return same ? (same.status === 'queued' ? same : resumeJob(lib, same.id)) : queueIndexJob(lib, params, total);
}

/** Runs the job in the foreground; without --json the latest progress line goes to stderr every 2 s. */
async function runWithTicker(
  lib: Library,
  job: Job,
  ctx: CoreContext,
  signal: AbortSignal,
  io: CliIO,
  lines: string[],
): Promise<Job> {
  const progress = setInterval(() => {
    const l = lines.pop();
    lines.length = 0;
    if (l) io.stderr.write(`index: ${l}\n`);
  }, 2000);
  try {
    return await runJob(
      lib,
      job.id,
      { [INDEX_JOB_KIND]: indexJobKind(ctx) },
      { signal, emit: ctx.emit, throttleMs: 500 },
    );
  } finally {
    clearInterval(progress);
  }
}

/** Prints the summary (one JSON line with --json); returns the exit code (0 done, 1 failed, 3 paused or cancelled). */
function printSummary(
  io: CliIO,
  json: boolean | undefined,
  lib: Library,
  final: Job,
  modelId: string,
  params: IndexJobParams,
  t0: number,
): number {
  const captions = countCaptions(lib.db, modelId, params.promptKind);
  const rejected = countRecordings(lib.db, 'rejected');
  const summary = {
    event: 'summary',
    jobId: final.id,
    status: final.status,
    done: final.done,
    total: final.total,
    modelId,
    adapter: params.adapter ?? null,
    tier: params.promptKind,
    captions,
    rejectedRecordings: rejected,
    seconds: (Date.now() - t0) / 1000,
    errorCode: final.errorCode,
    errorMessage: final.errorMessage,
  };
  if (json) io.stdout.write(JSON.stringify(summary) + '\n');
  else
    io.stdout.write(
      `job #${final.id} ${final.status}: ${final.done}/${final.total} windows captioned (${params.promptKind}, ${modelId}) in ${summary.seconds.toFixed(1)} s` +
        `${final.errorCode ? `\n  ${final.errorCode}: ${final.errorMessage}` : ''}\n`,
    );
  return final.status === 'done' ? 0 : final.status === 'failed' ? 1 : 3;
}

export const indexCommand: Command = {
  name: 'index',
  summary: 'Caption the windows of a library with Molmo2 (resumable job; NDJSON progress with --json).',
  usage,
  async run(argv, io, signal) {
    const values = parseIndexFlags(argv);
    if (values.adapter !== undefined && !values.model)
      throw new AppError('INVALID_INPUT', '--adapter needs --model DIR (the base checkpoint)');
    if (values.tier !== undefined && values.tier !== 'dense' && values.tier !== 'short')
      throw new AppError('INVALID_INPUT', `--tier must be dense or short, got "${values.tier}"`);
    const recordingIds = values.recording
      ?.split(',')
      .map((x) => numberFlag('recording', x.trim(), { integer: true, min: 1 })!);
    const lines: string[] = [];
    const ctx = progressContext(io, values.json, lines);
    // The full integrity check runs on a worker while the model loads; nothing is written before it passes.
    const lib = openLibraryFlag(values.library, io, { create: false, integrity: 'background' });
    const intact = lib.writable();
    intact.catch(() => {}); // awaited below, before the first write
    const t0 = Date.now();
    try {
      await configureIndexModel(ctx, values, io);
      const modelId = configuredModelId(ctx);
      const { params, total } = planIndex(
        lib,
        modelId,
        {
          tier: values.tier as PromptKind | undefined,
          recordingIds,
          windowLength: numberFlag('window', values.window, { min: 1 }),
          overlap: numberFlag('overlap', values.overlap, { min: 0 }),
        },
        configuredAdapterRef(ctx),
      );
      await intact;
      assertNoRunningJob(lib);
      const job = jobFor(lib, params, total);
      const final = await runWithTicker(lib, job, ctx, signal, io, lines);
      return printSummary(io, values.json, lib, final, modelId, params, t0);
    } catch (err) {
      throw asLibraryError(err, lib.path);
    } finally {
      await closeModel(ctx);
      ctx.dispose();
      lib.close();
    }
  },
};
