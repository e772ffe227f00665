// Handlers of the model operations: catalogue with what fits this machine, installed models, background downloads,
// add a folder, choose the default (the engine restarts on it at next use), remove.
import { statfsSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { totalmem } from 'node:os';
import { CATALOGUE } from '../../../models/catalogue.js';
import { listGpus } from '../doctor.js';
import { addFolder, listModels, removeModel, useModel, type ListedModel } from '../models/manage.js';
import { cancelDownload, downloadStates, pauseDownload, startDownload } from '../models/download-host.js';
import { closeModel, configuredEngine, configuredModelDir } from '../molmo2/model-host.js';
import { selectProvider } from '../molmo2/engine/providers.js';
import { PRECISIONS, type Precision } from '../molmo2/compile/precision.js';
import { estimateMemory, type MemoryConfig } from '../molmo2/compile/memory-estimate.js';
import { RELEASED_SHAPES } from '../molmo2/compile/released-shapes.js';
import { precisionFit, type PrecisionFit } from '../models/precision-fit.js';
import type { CoreContext } from '../context.js';
import type { HandlerMap } from './types.js';

function freeDisk(path: string): number | null {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    const st = statfsSync(dir);
    return st.bavail * st.bsize;
  } catch {
    return null;
  }
}

/**
 * Adds each model's precisions, default and fit on this host's provider (its --ep, else the first available). A bad
 * MOLMOSCOPE_PRECISION or an unavailable --ep does not fail the listing: the fit is then computed as if unset / CPU.
 */
async function withPrecision(
  ctx: CoreContext,
  models: ListedModel[],
  signal: AbortSignal,
): Promise<(ListedModel & { precision: PrecisionFit | null })[]> {
  let engine: { provider?: string; precision?: Precision } = {};
  try {
    engine = configuredEngine(ctx);
  } catch {
    engine = { ...(ctx.env.MOLMOSCOPE_EP ? { provider: ctx.env.MOLMOSCOPE_EP } : {}) };
  }
  let provider: string;
  try {
    provider = selectProvider(engine.provider);
  } catch {
    provider = 'cpu';
  }
  const gpus = provider === 'cpu' || models.length === 0 ? [] : await listGpus(signal);
  const gpuBytes = gpus.reduce<number | null>(
    (a, g) => (g.memoryBytes === null ? a : Math.max(a ?? 0, g.memoryBytes)),
    null,
  );
  const mem = { ramBytes: totalmem(), gpuBytes };
  return models.map((m) => ({
    ...m,
    precision: m.state === 'ready' ? precisionFit(m.dir, provider, engine.precision ?? null, mem) : null,
  }));
}

/** The catalogue's memory per precision, estimated from the released shapes where they are known. */
function catalogueMemory(id: string, known: Record<Precision, number | null>): Record<Precision, number | null> {
  const cfg = (RELEASED_SHAPES as Record<string, MemoryConfig | undefined>)[id];
  if (!cfg) return known;
  return Object.fromEntries(PRECISIONS.map((p) => [p, estimateMemory(cfg, p).total])) as Record<Precision, number>;
}

async function catalogue(ctx: CoreContext, signal: AbortSignal) {
  const gpus = await listGpus(signal);
  const machine = {
    modelsDir: ctx.paths.models,
    freeDiskBytes: freeDisk(ctx.paths.models),
    totalMemoryBytes: totalmem(),
    gpus,
  };
  const installed = new Set(listModels(ctx.paths.models).flatMap((m) => [m.catalogueId, m.id]));
  const gpuMax = gpus.reduce<number | null>(
    (a, g) => (g.memoryBytes === null ? a : Math.max(a ?? 0, g.memoryBytes)),
    null,
  );
  const entries = CATALOGUE.map((e) => ({
    id: e.id,
    title: e.title,
    repo: e.repo,
    license: e.license,
    parameters: e.parameters,
    parametersSource: e.parametersSource,
    llm: e.llm,
    weightsBytes: e.weightsBytes,
    weightsSource: e.weightsSource,
    diskBytes: e.diskBytes,
    runnable: e.runnable,
    ...(e.unsupported ? { unsupported: e.unsupported } : {}),
    memoryBytes: catalogueMemory(e.id, e.memoryBytes),
    fit: {
      disk: machine.freeDiskBytes === null || machine.freeDiskBytes >= e.diskBytes,
      weightsInGpu: gpuMax === null ? null : gpuMax >= e.weightsBytes,
      weightsInRam: machine.totalMemoryBytes >= e.weightsBytes,
    },
    installed: installed.has(e.id),
  }));
  return { entries, machine };
}

export const modelsHandlers = {
  'models.catalogue': async (_req, ctx, signal) => catalogue(ctx, signal),
  'models.list': async (_req, ctx, signal) => {
    const models = await withPrecision(ctx, listModels(ctx.paths.models), signal);
    const dir = configuredModelDir(ctx);
    const def = models.find((m) => m.isDefault);
    const active = dir
      ? {
          dir,
          id: models.find((m) => m.dir === dir)?.id ?? null,
          via: def?.dir === dir ? ('default' as const) : ('host' as const),
        }
      : null;
    return { models, downloads: downloadStates(ctx), active };
  },
  'models.download': async (req, ctx) => startDownload(ctx, req.source, req.revision),
  'models.pause': async (req, ctx) => pauseDownload(ctx, req.id),
  'models.cancel': async (req, ctx) => ({ id: req.id, cancelled: await cancelDownload(ctx, req.id) }),
  'models.add': async (req, ctx) => {
    const m = await addFolder(ctx.paths.models, req.path, req.id);
    return listModels(ctx.paths.models).find((x) => x.id === m.id) ?? { ...m, isDefault: false };
  },
  'models.use': async (req, ctx) => {
    const before = configuredModelDir(ctx);
    const m = useModel(ctx.paths.models, req.id);
    // An engine opened on the old default is stopped, so the next job opens the chosen model.
    if (configuredModelDir(ctx) !== before) await closeModel(ctx);
    return listModels(ctx.paths.models).find((x) => x.id === m.id) ?? { ...m, isDefault: true };
  },
  'models.remove': async (req, ctx) => {
    const before = configuredModelDir(ctx);
    const m = removeModel(ctx.paths.models, req.id, ctx.env);
    if (configuredModelDir(ctx) !== before) await closeModel(ctx);
    return { id: m.id, removed: true };
  },
} satisfies HandlerMap;
