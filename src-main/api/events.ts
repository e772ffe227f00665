// Events pushed from the core to every UI (IPC subscription or the bridge's WebSocket).
// Each is a zod schema; subscribers get typed payloads and an unsubscribe function.
import { z } from 'zod';
import { ErrorCodeSchema } from './errors.js';
import { DownloadStateSchema } from './ops/models.js';

export const JobStatusSchema = z.enum(['queued', 'running', 'paused', 'done', 'failed', 'cancelled']);

export const events = {
  'job.progress': z.object({
    jobId: z.number(),
    kind: z.string(),
    status: JobStatusSchema,
    done: z.number(),
    total: z.number(),
    etaSeconds: z.number().nullable(),
    message: z.string().optional(),
    errorCode: ErrorCodeSchema.optional(),
  }),
  /** A model download's progress and status (throttled; the last one of a download says done/failed/paused/cancelled). */
  'model.download': DownloadStateSchema,
  'library.import.progress': z.object({ done: z.number(), total: z.number(), path: z.string() }),
  'engine.status': z.object({
    state: z.enum(['idle', 'loading', 'ready', 'busy', 'crashed', 'restarting']),
    provider: z.string().nullable(),
    message: z.string().optional(),
    progress: z.number().optional(),
  }),
  /** One optimiser step of a fine-tune job (the loss curve is drawn from these; also stored, see finetune.steps). */
  'finetune.step': z.object({
    jobId: z.number(),
    step: z.number(),
    steps: z.number(),
    loss: z.number(),
    lr: z.number(),
    gradNorm: z.number(),
    tokens: z.number(),
    tokensPerSecond: z.number(),
    etaSeconds: z.number(),
  }),
  /** Molmo2's answer to a job window as it is written: `text` replaces the shown text from `offset` on (usually an append). */
  'engine.partial': z.object({
    jobId: z.number().optional(),
    kind: z.string(),
    runId: z.number().optional(),
    recordingId: z.number().optional(),
    windowIndex: z.number(),
    offset: z.number().int().nonnegative(),
    text: z.string(),
    /** The window's answer is complete: the text shown now equals the stored answer. */
    final: z.boolean(),
  }),
} as const;
