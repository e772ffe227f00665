// Downloads of a long-lived host (serve, Electron): each runs in the background with its own AbortController,
// publishes `model.download` events, and can be paused (files kept for resume) or cancelled (files deleted).
import { AppError, toApiError } from '../../api/errors.js';
import type { DownloadState } from '../../api/ops/models.js';
import type { CoreContext } from '../context.js';
import { downloadModel, NOTHING_FETCHED, type DownloadProgress } from './download.js';
import { forgetModel, unfinishedDownloads } from './manage.js';
import { findModel, readRegistry } from './registry.js';
import { resolveSource } from './source.js';

const KEY = 'models.downloads';

interface Running {
  state: DownloadState;
  controller: AbortController;
  promise: Promise<void>;
  stopAs: 'paused' | 'cancelled' | null;
}

function table(ctx: CoreContext): Map<string, Running> {
  let t = ctx.state.get(KEY) as Map<string, Running> | undefined;
  if (!t) ctx.state.set(KEY, (t = new Map()));
  return t;
}

function publish(ctx: CoreContext, r: Running, patch: Partial<DownloadState>): void {
  r.state = { ...r.state, ...patch };
  ctx.emit('model.download', r.state);
}

function settle(ctx: CoreContext, r: Running, err: unknown): void {
  const e = toApiError(err);
  if (e.code === 'CANCELLED' && r.stopAs)
    return publish(ctx, r, { status: r.stopAs, bytesPerSecond: 0, etaSeconds: null });
  publish(ctx, r, { status: 'failed', errorCode: e.code, message: e.message, bytesPerSecond: 0, etaSeconds: null });
}

/** Starts (or resumes) a download in the background; a download already running is returned as it is. */
export function startDownload(ctx: CoreContext, source: string, revision?: string): DownloadState {
  const src = resolveSource(source);
  const t = table(ctx);
  const current = t.get(src.id);
  if (current?.state.status === 'running') return current.state;
  const controller = new AbortController();
  const r: Running = {
    state: {
      id: src.id,
      repo: src.repo,
      status: 'running',
      phase: 'listing',
      commit: null,
      ...NOTHING_FETCHED,
    },
    controller,
    stopAs: null,
    promise: Promise.resolve(),
  };
  t.set(src.id, r);
  const onProgress = (p: DownloadProgress) =>
    publish(ctx, r, { ...p, status: p.phase === 'done' ? 'done' : 'running' });
  r.promise = downloadModel(
    source,
    revision,
    { modelsDir: ctx.paths.models, env: ctx.env, onProgress, now: () => ctx.clock.now() },
    controller.signal,
  ).then(
    () => publish(ctx, r, { status: 'done', phase: 'done', etaSeconds: 0, bytesPerSecond: 0 }),
    (err: unknown) => settle(ctx, r, err),
  );
  ctx.emit('model.download', r.state);
  return r.state;
}

/** Pauses a running download; its verified files and partial file stay on disk for `startDownload` to resume. */
export async function pauseDownload(ctx: CoreContext, id: string): Promise<DownloadState> {
  const r = table(ctx).get(id.toLowerCase());
  if (!r || r.state.status !== 'running')
    throw new AppError('JOB_CONFLICT', `no running download of ${id.slice(0, 200)}`);
  r.stopAs = 'paused';
  r.controller.abort();
  await r.promise;
  return r.state;
}

/** Cancels a download (running or left unfinished) and deletes what it fetched; an installed model is kept. */
export async function cancelDownload(ctx: CoreContext, id: string): Promise<boolean> {
  const key = id.toLowerCase();
  const r = table(ctx).get(key);
  if (r?.state.status === 'running') {
    r.stopAs = 'cancelled';
    r.controller.abort();
    await r.promise;
  }
  const entry = findModel(readRegistry(ctx.paths.models), key);
  const unfinished = entry?.state === 'downloading';
  if (unfinished) forgetModel(ctx.paths.models, entry.id, true);
  if (r && r.state.status !== 'done') publish(ctx, r, { status: 'cancelled', bytesPerSecond: 0, etaSeconds: null });
  table(ctx).delete(key);
  return unfinished || r !== undefined;
}

/** This host's downloads, plus unfinished ones from earlier runs (shown as paused). */
export function downloadStates(ctx: CoreContext): DownloadState[] {
  const t = table(ctx);
  const out = [...t.values()].map((r) => r.state);
  for (const m of unfinishedDownloads(ctx.paths.models)) {
    if (t.has(m.id)) continue;
    out.push({
      id: m.id,
      repo: m.repo ?? m.id,
      status: 'paused',
      phase: 'fetching',
      commit: m.commit ?? null,
      ...NOTHING_FETCHED,
    });
  }
  return out;
}

/** Pauses every running download (host shutdown); a later start resumes them from disk. */
export async function stopDownloads(ctx: CoreContext): Promise<void> {
  for (const r of table(ctx).values()) {
    if (r.state.status !== 'running') continue;
    r.stopAs = 'paused';
    r.controller.abort();
    await r.promise;
  }
}
