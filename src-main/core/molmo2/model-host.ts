// The one Molmo2 model of a host: which checkpoint is configured, and a lazily opened, shared Molmo2Session.
// Index, count and track jobs all ask here, so a host runs one engine process and every job takes the real path.
import { resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import type { CoreContext } from '../context.js';
import { modelCacheDir } from '../platform/model-cache.js';
import { defaultModelDir } from '../models/registry.js';
import { Molmo2Session } from './session.js';
import { nodeEngineLauncher } from './engine/engine-launcher.js';
import { parsePrecision, type Precision } from './compile/precision.js';
import type { AdapterRecord } from '../finetune/use-adapter.js';

const DIR_KEY = 'molmo2.modelDir';
/** What to tell a user who has no model yet. */
export const NO_MODEL_MESSAGE =
  'No Molmo2 model is chosen: run `molmoscope model download molmo2-4b` (or `model add <dir>`, then `model use <id>`), or pass --model DIR (or set MOLMOSCOPE_MODEL).';
const PROVIDER_KEY = 'molmo2.provider';
const SESSION_KEY = 'molmo2.session';
const PRECISION_KEY = 'molmo2.precision';
const ADAPTER_KEY = 'molmo2.adapter';

/**
 * Sets the checkpoint (and optionally the provider, weight precision and a LoRA adapter already validated against
 * it — see adapterRecord) this host uses; closes a session opened on another one.
 */
export async function configureModel(
  ctx: CoreContext,
  modelDir: string,
  provider?: string,
  precision?: Precision,
  adapter?: AdapterRecord,
): Promise<void> {
  const dir = resolve(modelDir);
  const changed =
    ctx.state.get(DIR_KEY) !== dir ||
    ctx.state.get(PROVIDER_KEY) !== provider ||
    ctx.state.get(PRECISION_KEY) !== precision ||
    configuredAdapter(ctx)?.sha256 !== adapter?.sha256;
  ctx.state.set(DIR_KEY, dir);
  if (adapter !== undefined) ctx.state.set(ADAPTER_KEY, adapter);
  else ctx.state.delete(ADAPTER_KEY);
  if (precision !== undefined) ctx.state.set(PRECISION_KEY, precision);
  else ctx.state.delete(PRECISION_KEY);
  if (provider !== undefined) ctx.state.set(PROVIDER_KEY, provider);
  else ctx.state.delete(PROVIDER_KEY);
  if (changed) await closeModel(ctx);
}

/** The LoRA adapter the host runs with (set by configureModel), or null. */
export function configuredAdapter(ctx: CoreContext): AdapterRecord | null {
  return (ctx.state.get(ADAPTER_KEY) as AdapterRecord | undefined) ?? null;
}

/** Points the host at a checkpoint and adapter (or none), keeping its provider and precision. */
export async function switchModel(ctx: CoreContext, modelDir: string, adapter?: AdapterRecord): Promise<void> {
  await configureModel(
    ctx,
    modelDir,
    ctx.state.get(PROVIDER_KEY) as string | undefined,
    ctx.state.get(PRECISION_KEY) as Precision | undefined,
    adapter,
  );
}

/**
 * The host's model settings as they are now, and a function that puts them back (closing a session opened on other
 * settings meanwhile): a job that runs on a model of its own leaves the host as it found it.
 */
export function modelSnapshot(ctx: CoreContext): () => Promise<void> {
  const keys = [DIR_KEY, PROVIDER_KEY, PRECISION_KEY, ADAPTER_KEY];
  const saved = keys.map((k) => ctx.state.get(k));
  return async () => {
    if (keys.every((k, i) => ctx.state.get(k) === saved[i])) return;
    keys.forEach((k, i) => (saved[i] === undefined ? ctx.state.delete(k) : ctx.state.set(k, saved[i])));
    await closeModel(ctx);
  };
}

/** The configured checkpoint: set by the host (`--model`), else $MOLMOSCOPE_MODEL, else the default model, else null. */
export function configuredModelDir(ctx: CoreContext): string | null {
  const d = (ctx.state.get(DIR_KEY) as string | undefined) ?? (ctx.env.MOLMOSCOPE_MODEL || undefined);
  return d ? resolve(d) : defaultModelDir(ctx.paths.models);
}

/** The provider and weight precision this host was given (serve --ep/--precision, MOLMOSCOPE_EP/_PRECISION), if any. */
export function configuredEngine(ctx: CoreContext): { provider?: string; precision?: Precision } {
  const provider = (ctx.state.get(PROVIDER_KEY) as string | undefined) ?? ctx.env.MOLMOSCOPE_EP;
  const precision =
    (ctx.state.get(PRECISION_KEY) as Precision | undefined) ??
    (ctx.env.MOLMOSCOPE_PRECISION ? parsePrecision(ctx.env.MOLMOSCOPE_PRECISION) : undefined);
  return { ...(provider ? { provider } : {}), ...(precision ? { precision } : {}) };
}

/** The shared session, opened on first use (engine status events go to the UI). MODEL_INVALID without a model. */
export function modelSession(ctx: CoreContext): Promise<Molmo2Session> {
  const existing = ctx.state.get(SESSION_KEY) as Promise<Molmo2Session> | undefined;
  if (existing) return existing;
  const dir = configuredModelDir(ctx);
  if (!dir) {
    return Promise.reject(new AppError('MODEL_INVALID', NO_MODEL_MESSAGE));
  }
  const { provider, precision } = configuredEngine(ctx);
  const adapter = configuredAdapter(ctx);
  ctx.emit('engine.status', { state: 'loading', provider: provider ?? null, message: dir });
  const launcher = ctx.engine ?? nodeEngineLauncher(ctx.env);
  const p = Molmo2Session.open({
    modelDir: dir,
    cacheDir: modelCacheDir(ctx.env, dir),
    launcher,
    media: ctx.media,
    ...(provider ? { provider } : {}),
    ...(precision ? { precision } : {}),
    ...(adapter ? { adapter } : {}),
  }).then(
    (s) => {
      // Graphs compile and load lazily (first vision/generate call): each stage reports loading, and its end ready.
      s.engine.onProgress = (stage, done, total) =>
        ctx.emit(
          'engine.status',
          done >= total
            ? { state: 'ready', provider: s.provider }
            : { state: 'loading', provider: s.provider, message: stage, progress: total > 0 ? done / total : 0 },
        );
      ctx.emit('engine.status', { state: 'ready', provider: s.provider });
      return s;
    },
    (err: unknown) => {
      ctx.state.delete(SESSION_KEY);
      ctx.emit('engine.status', {
        state: 'crashed',
        provider: provider ?? null,
        message: String((err as Error)?.message ?? err),
      });
      throw err;
    },
  );
  ctx.state.set(SESSION_KEY, p);
  return p;
}

/** Stops the shared engine process, if one was started. */
export async function closeModel(ctx: CoreContext): Promise<void> {
  const p = ctx.state.get(SESSION_KEY) as Promise<Molmo2Session> | undefined;
  if (!p) return;
  ctx.state.delete(SESSION_KEY);
  const s = await p.catch(() => null);
  await s?.close();
  ctx.emit('engine.status', { state: 'idle', provider: s?.provider ?? null });
}
