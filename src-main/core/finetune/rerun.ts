// Which model a count/track runs on when the library has adapters: the library's active adapter with its base (as
// serve runs it), or — to compare — the other model of an earlier run, queued as a new job pinned to that model.
import { resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import type { CoreContext } from '../context.js';
import type { Job } from '../library/jobs.js';
import type { Library } from '../library/store.js';
import { configuredModelDir, NO_MODEL_MESSAGE } from '../molmo2/model-host.js';
import { queueAnalyticsJob } from '../analytics/run-jobs.js';
import { baseOfModelId, checkPinnedModel, type PinnedModel } from '../analytics/run-model.js';
import type { RunSettings } from '../analytics/run-plan.js';
import { getRun, type RunRow } from '../analytics/run-store.js';
import { activeAdapter, adapterBySha, getAdapter, listAdapters } from './ft-adapters-store.js';
import type { FtAdapter } from './types.js';

/** Which of the two models: the base checkpoint alone, or the base with an adapter. */
export type ModelSide = 'base' | 'adapter';

const pinOf = (a: FtAdapter): PinnedModel => ({
  baseModel: a.baseModel,
  adapter: { dir: a.dir, sha256: a.sha256, name: a.name },
});

/** The library's model: its active adapter with that adapter's base, or null when none is active. */
export function libraryModel(lib: Library): PinnedModel | null {
  const a = activeAdapter(lib);
  return a ? pinOf(a) : null;
}

/** The base checkpoint a run ran on: from its model id, else its adapter's base, else the host's model. */
function runBase(ctx: CoreContext, lib: Library, run: RunRow): string {
  if (run.modelId) return baseOfModelId(run.modelId);
  const a = run.adapter ? adapterBySha(lib, run.adapter.sha256) : null;
  const dir = a?.baseModel ?? configuredModelDir(ctx);
  if (!dir) throw new AppError('MODEL_INVALID', NO_MODEL_MESSAGE);
  return dir;
}

/**
 * The model to run `run` again with: `side` (default: the other one — the base for a run with an adapter, an adapter
 * for a base run). The adapter is `adapterId`, else the active one, else the newest trained on the run's base.
 */
export function rerunModel(
  ctx: CoreContext,
  lib: Library,
  run: RunRow,
  side?: ModelSide,
  adapterId?: number,
): PinnedModel {
  const want = side ?? (run.adapter ? 'base' : 'adapter');
  const base = runBase(ctx, lib, run);
  if (want === 'base') {
    if (adapterId !== undefined) throw new AppError('INVALID_INPUT', 'an adapter id goes with "adapter", not "base"');
    return { baseModel: base, adapter: null };
  }
  const a =
    adapterId !== undefined
      ? getAdapter(lib, adapterId)
      : (activeAdapter(lib) ?? listAdapters(lib).find((x) => resolve(x.baseModel) === resolve(base)) ?? null);
  if (!a)
    throw new AppError(
      'INVALID_INPUT',
      'No adapter to run with: train one on the Fine-tune page first (or activate one).',
    );
  return pinOf(a);
}

/**
 * Queues `runId`'s query, recording, span and settings again as a new job pinned to the other model (or `side`),
 * after checking that model can run (its base and adapter files are there).
 */
export function rerunAnalytics(
  ctx: CoreContext,
  lib: Library,
  runId: number,
  opts: { side?: ModelSide; adapterId?: number } = {},
): { job: Job; runs: RunRow[]; model: PinnedModel } {
  const run = getRun(lib, runId);
  const model = rerunModel(ctx, lib, run, opts.side, opts.adapterId);
  checkPinnedModel(model);
  const r = queueAnalyticsJob(lib, run.kind, {
    query: run.query,
    scope: { recordingId: run.recordingId, start: run.start, end: run.end },
    settings: (run.params ?? {}) as RunSettings,
    model,
  });
  return { ...r, model };
}
