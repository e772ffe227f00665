// Indexing in a host: turns a library.index request into a queued 'index' job for the configured checkpoint, and
// builds the job's executor over the host's shared Molmo2Session (registered in core/job-host.ts JOB_KINDS).
import { AppError, throwIfCancelled } from '../../api/errors.js';
import { seconds } from '../../api/units.js';
import type { CoreContext } from '../context.js';
import { configuredAdapter, configuredModelDir, modelSession, NO_MODEL_MESSAGE } from '../molmo2/model-host.js';
import { adapterIdSuffix } from '../finetune/use-adapter.js';
import type { PromptKind } from './captioner.js';
import { indexJobExecutor, queueIndexJob, type IndexJobParams } from './index-job.js';
import type { Job, JobExecutor } from './jobs.js';
import { DEFAULT_WINDOW_LENGTH, DEFAULT_WINDOW_OVERLAP, mediaSourceOver } from './media-adapter.js';
import type { MediaSource } from './media-source.js';
import { checkpointContentId, molmo2Captioner } from './molmo2-captioner.js';
import { partialStream } from '../molmo2/partial-stream.js';
import type { Library } from './store.js';
import { readyRecordings, recordingStatuses } from './recordings-store.js';
import { windowCount } from '../media/windows.js';
import { MAX_JOB_WINDOWS, MAX_WINDOW_SECONDS } from '../../api/bounds.js';

/** The tier indexing uses unless asked otherwise; chosen by measured cost (bench/index/tiers.ts, README). */
export const DEFAULT_TIER: PromptKind = 'dense';

export interface IndexRequest {
  recordingIds?: number[];
  tier?: PromptKind;
  windowLength?: number;
  overlap?: number;
}

/**
 * The model id the configured checkpoint captions under (with a LoRA adapter: the checkpoint's id + the adapter's,
 * see adapterIdSuffix); MODEL_INVALID when none is configured.
 */
export function configuredModelId(ctx: CoreContext): string {
  const dir = configuredModelDir(ctx);
  if (!dir) throw new AppError('MODEL_INVALID', NO_MODEL_MESSAGE);
  const adapter = configuredAdapter(ctx);
  return checkpointContentIdOf(ctx, dir) + (adapter ? adapterIdSuffix(adapter) : '');
}

/** checkpointContentId remembered per context and folder (it reads part of every shard); a host restart sees replaced weights. */
function checkpointContentIdOf(ctx: CoreContext, dir: string): string {
  let ids = ctx.state.get(MODEL_IDS_KEY) as Map<string, string> | undefined;
  if (!ids) ctx.state.set(MODEL_IDS_KEY, (ids = new Map()));
  let id = ids.get(dir);
  if (id === undefined) ids.set(dir, (id = checkpointContentId(dir)));
  return id;
}

/** The adapter the configured model runs with, as index jobs record it (absent = the base model). */
export function configuredAdapterRef(ctx: CoreContext): { adapter?: { sha256: string; name: string } } {
  const a = configuredAdapter(ctx);
  return a ? { adapter: { sha256: a.sha256, name: a.name } } : {};
}

/** ctx.state key of the content ids computed so far (folder → id). */
const MODEL_IDS_KEY = 'library.modelIds';

/** Checks the request against the library and computes the job's parameters and window total. */
export function planIndex(
  lib: Library,
  modelId: string,
  req: IndexRequest,
  adapter: Pick<IndexJobParams, 'adapter'> = {},
): { params: IndexJobParams; total: number } {
  const windowLength = req.windowLength ?? DEFAULT_WINDOW_LENGTH;
  const overlap = req.overlap ?? DEFAULT_WINDOW_OVERLAP;
  if (!(windowLength >= 1))
    throw new AppError('INVALID_INPUT', `windowLength must be at least 1 s, got ${windowLength}`);
  if (!(windowLength <= MAX_WINDOW_SECONDS))
    throw new AppError('INVALID_INPUT', `windowLength must be at most ${MAX_WINDOW_SECONDS} s, got ${windowLength}`);
  if (!(overlap >= 0 && overlap <= windowLength / 2))
    throw new AppError(
      'INVALID_INPUT',
      `overlap must be ≥ 0 and at most half the window (${windowLength / 2} s), got ${overlap}`,
    );
  const ids = req.recordingIds?.length ? [...new Set(req.recordingIds)] : undefined;
  if (ids) {
    const found = recordingStatuses(lib.db, ids);
    const missing = ids.filter((id) => !found.some((r) => r.id === id));
    if (missing.length) throw new AppError('NOT_FOUND', `No recording ${missing.join(', ')} in this library.`);
    const notReady = found.filter((r) => r.status !== 'ready');
    if (notReady.length)
      throw new AppError(
        'INVALID_INPUT',
        `Recording ${notReady.map((r) => `${r.id} (${r.status})`).join(', ')} cannot be indexed; only ready recordings can.`,
      );
  }
  // The recordings the job will caption, chosen as the job itself chooses them when it runs.
  const rows = readyRecordings(lib.db, ids);
  const opts = { length: seconds(windowLength), overlap: seconds(overlap) };
  // Counted, not planned: planning every window's sample times here would hold the event loop.
  const total = rows.reduce((n, r) => n + (r.duration_s ? windowCount(r.duration_s, opts) : 0), 0);
  if (total > MAX_JOB_WINDOWS)
    throw new AppError(
      'INVALID_INPUT',
      `this job would caption ${total} windows, more than ${MAX_JOB_WINDOWS}; index fewer recordings at a time or use longer windows`,
    );
  const params: IndexJobParams = {
    modelId,
    ...adapter,
    promptKind: req.tier ?? DEFAULT_TIER,
    windowLength,
    overlap,
    ...(ids ? { recordingIds: ids } : {}),
  };
  return { params, total };
}

/** Queues an index job for the configured checkpoint (it runs when the host's job loop gets to it). */
export function queueIndex(ctx: CoreContext, lib: Library, req: IndexRequest): Job {
  const { params, total } = planIndex(lib, configuredModelId(ctx), req, configuredAdapterRef(ctx));
  return queueIndexJob(lib, params, total);
}

/** The 'index' executor of a host: opens (or reuses) the shared session, then captions window by window. */
export function indexJobKind(ctx: CoreContext, media: MediaSource = mediaSourceOver(ctx.media)): JobExecutor {
  return async (rc) => {
    const p = rc.job.params as IndexJobParams;
    const modelId = configuredModelId(ctx);
    if (modelId !== p.modelId) {
      throw new AppError(
        'MODEL_INVALID',
        `Job ${rc.job.id} indexes with ${p.modelId}, but this host is configured with ${modelId}; start it with that checkpoint or queue a new job.`,
      );
    }
    const session = await modelSession(ctx);
    throwIfCancelled(rc.signal);
    const partials = partialStream(ctx.emit, { jobId: rc.job.id, kind: 'index' });
    return indexJobExecutor({ media, captioner: molmo2Captioner(session, { tier: p.promptKind, modelId, partials }) })(
      rc,
    );
  };
}
