// Contract of the model operations: the catalogue and what fits this machine, installed models, downloads over the
// Hub protocol (start, pause, cancel; download again to resume; progress as `model.download` events), add a folder, choose, remove.
import { z } from 'zod';
import { ErrorCodeSchema } from '../errors.js';

const Id = z.string().min(1).max(200);

export const PrecisionSchema = z.enum(['fp32', 'fp16', 'int8', 'int4']);

/** Weight precisions of one checkpoint on this machine: the default and what fits (memory estimate from its config). */
export const PrecisionFitSchema = z.object({
  provider: z.string(),
  /** 70 % of the provider's memory (what a default may plan on); null when unknown (a GPU without nvidia-smi). */
  budgetBytes: z.number().nullable(),
  /** What a job uses when none is asked for: the host's --precision, else the widest precision that fits. */
  default: PrecisionSchema,
  configured: PrecisionSchema.nullable(),
  /** Prompt tokens the estimate assumes: a 128-frame video, capped at the model's context. */
  contextTokens: z.number(),
  options: z.array(
    z.object({
      precision: PrecisionSchema,
      totalBytes: z.number(),
      weightsBytes: z.number(),
      fits: z.boolean().nullable(),
      note: z.string().optional(),
    }),
  ),
});
export type PrecisionFitInfo = z.infer<typeof PrecisionFitSchema>;

export const InstalledModelSchema = z.object({
  id: z.string(),
  source: z.enum(['hub', 'folder']),
  dir: z.string(),
  state: z.enum(['downloading', 'ready']),
  repo: z.string().optional(),
  revision: z.string().optional(),
  commit: z.string().optional(),
  endpoint: z.string().optional(),
  catalogueId: z.string().optional(),
  bytes: z.number(),
  addedAt: z.string(),
  isDefault: z.boolean(),
  /** Precisions, default and fit on this machine (models.list); null when the checkpoint's config cannot be read. */
  precision: PrecisionFitSchema.nullable().optional(),
});
export type InstalledModelInfo = z.infer<typeof InstalledModelSchema>;

export const DownloadStateSchema = z.object({
  id: z.string(),
  repo: z.string(),
  status: z.enum(['running', 'paused', 'done', 'failed', 'cancelled']),
  phase: z.enum(['listing', 'fetching', 'verifying', 'done']),
  commit: z.string().nullable(),
  doneBytes: z.number(),
  totalBytes: z.number(),
  bytesPerSecond: z.number(),
  etaSeconds: z.number().nullable(),
  filesDone: z.number(),
  filesTotal: z.number(),
  errorCode: ErrorCodeSchema.optional(),
  message: z.string().optional(),
});
export type DownloadState = z.infer<typeof DownloadStateSchema>;

export const CatalogueItemSchema = z.object({
  id: z.string(),
  title: z.string(),
  repo: z.string(),
  license: z.string(),
  parameters: z.number(),
  parametersSource: z.enum(['release', 'derived']),
  llm: z.string(),
  weightsBytes: z.number(),
  weightsSource: z.enum(['release', 'derived']),
  diskBytes: z.number(),
  runnable: z.boolean(),
  unsupported: z.string().optional(),
  /** Estimated peak memory per precision for a 128-frame video (estimateMemory); null where the shapes are not known. */
  memoryBytes: z.object({
    fp32: z.number().nullable(),
    fp16: z.number().nullable(),
    int8: z.number().nullable(),
    int4: z.number().nullable(),
  }),
  /** Against this machine: disk for the download; whether the fp32 weights alone fit the GPU / RAM (null: no GPU). */
  fit: z.object({ disk: z.boolean(), weightsInGpu: z.boolean().nullable(), weightsInRam: z.boolean() }),
  installed: z.boolean(),
});

export const MachineSchema = z.object({
  modelsDir: z.string(),
  freeDiskBytes: z.number().nullable(),
  totalMemoryBytes: z.number(),
  gpus: z.array(z.object({ name: z.string(), memoryBytes: z.number().nullable() })),
});

export const modelsOps = {
  'models.catalogue': {
    summary: 'The models on offer with sizes, and what fits this machine (disk, memory, GPUs).',
    request: z.object({}).strict(),
    response: z.object({ entries: z.array(CatalogueItemSchema), machine: MachineSchema }),
  },
  'models.list': {
    summary: 'Usable installed models (the default marked) and downloads of this host or unfinished ones.',
    request: z.object({}).strict(),
    response: z.object({
      models: z.array(InstalledModelSchema),
      downloads: z.array(DownloadStateSchema),
      /** The checkpoint jobs of this host use: --model, MOLMOSCOPE_MODEL, or the default model; null when none. */
      active: z.object({ dir: z.string(), id: z.string().nullable(), via: z.enum(['host', 'default']) }).nullable(),
    }),
  },
  'models.download': {
    summary: 'Starts (or resumes) downloading a catalogue id or Hub repo id; progress comes as model.download events.',
    request: z.object({ source: Id, revision: z.string().min(1).max(200).optional() }).strict(),
    response: DownloadStateSchema,
  },
  'models.pause': {
    summary: 'Pauses a running download; verified files and the partial file stay for resume.',
    request: z.object({ id: Id }).strict(),
    response: DownloadStateSchema,
  },
  'models.cancel': {
    summary: 'Cancels a download and deletes what it fetched.',
    request: z.object({ id: Id }).strict(),
    response: z.object({ id: z.string(), cancelled: z.boolean() }),
  },
  'models.add': {
    summary: 'Adds a checkpoint folder (or Hugging Face cache snapshot) in place, after validating it.',
    request: z.object({ path: z.string().min(1).max(4096), id: z.string().min(1).max(128).optional() }).strict(),
    response: InstalledModelSchema,
  },
  'models.use': {
    summary: 'Makes an installed model the default (the active model of jobs).',
    request: z.object({ id: Id }).strict(),
    response: InstalledModelSchema,
  },
  'models.remove': {
    summary: 'Removes a model: a download is deleted, a folder added in place only forgotten; derived files go too.',
    request: z.object({ id: Id }).strict(),
    response: z.object({ id: z.string(), removed: z.boolean() }),
  },
} as const;
