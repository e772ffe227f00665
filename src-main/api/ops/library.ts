// Contract of the library operations: open a library file, import footage, list recordings, search captions, queue
// an index job (its windows captioned by the host's Molmo2 engine), read a recording's windows, and list/pause/resume/
// cancel persisted jobs.
import { z } from 'zod';
import { ErrorCodeSchema } from '../errors.js';
import { JobStatusSchema } from '../events.js';
import {
  IdNumber,
  MAX_IDS,
  MAX_IMPORT_PATHS,
  MediaSeconds,
  PathString,
  WindowLength,
  WindowOverlap,
  withOverlapCheck,
} from '../bounds.js';

export const LibraryInfoSchema = z.object({
  path: z.string(),
  schemaVersion: z.number(),
  created: z.boolean(),
  recordings: z.number(),
});
export type LibraryInfo = z.infer<typeof LibraryInfoSchema>;

export const ImportOutcomeSchema = z.object({
  path: z.string(),
  action: z.enum(['added', 'unchanged', 'updated', 'moved', 'duplicate', 'rejected']),
  recordingId: z.number().nullable(),
  duplicateOf: z.number().optional(),
  movedFrom: z.string().optional(),
  code: ErrorCodeSchema.optional(),
  reason: z.string().optional(),
});

export const ImportReportSchema = z.object({
  results: z.array(ImportOutcomeSchema),
  skipped: z.number(),
  counts: z.record(z.string(), z.number()),
  /** Ready recordings of the library whose file was gone when the import ended, now marked 'missing'. */
  missing: z.number(),
});

export const RecordingSchema = z.object({
  id: z.number(),
  path: z.string(),
  status: z.enum(['ready', 'rejected', 'missing']),
  reasonCode: z.string().nullable(),
  reason: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  recordedAt: z.string().nullable(),
  windows: z.number(),
  captions: z.number(),
});
export type Recording = z.infer<typeof RecordingSchema>;

export const SearchFiltersSchema = z.object({
  recordingIds: z.array(IdNumber).max(MAX_IDS).optional(),
  folder: z.string().max(4096).optional(),
  dateFrom: z.string().max(64).optional(),
  dateTo: z.string().max(64).optional(),
  minDuration: MediaSeconds.optional(),
  maxDuration: MediaSeconds.optional(),
});

export const MomentSchema = z.object({
  recordingId: z.number(),
  path: z.string(),
  start: z.number(),
  end: z.number(),
  score: z.number(),
  snippet: z.string(),
  captionIds: z.array(z.number()),
  /** Present on moments re-checked by the optional verify stage. */
  evidence: z
    .object({
      question: z.string(),
      answer: z.string(),
      verdict: z.enum(['yes', 'no', 'unclear']),
      ms: z.number(),
      tokens: z.number(),
      windowStart: z.number(),
      windowEnd: z.number(),
    })
    .optional(),
});
export type MomentDto = z.infer<typeof MomentSchema>;

export const JobSchema = z.object({
  id: z.number(),
  kind: z.string(),
  status: JobStatusSchema,
  params: z.unknown(),
  done: z.number(),
  total: z.number(),
  checkpoint: z.unknown(),
  attempts: z.number(),
  errorCode: ErrorCodeSchema.nullable(),
  errorMessage: z.string().nullable(),
  control: z.enum(['pause', 'cancel']).nullable(),
  owner: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type JobDto = z.infer<typeof JobSchema>;

/** The LoRA adapter that produced a result (null = the base model): its content hash and display name. */
export const AdapterRefSchema = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), name: z.string() });
export type AdapterRefDto = z.infer<typeof AdapterRefSchema>;

export const WindowSchema = z.object({
  index: z.number(),
  start: z.number(),
  end: z.number(),
  sampleTimes: z.array(z.number()),
  captions: z.array(
    z.object({
      id: z.number(),
      modelId: z.string(),
      adapter: AdapterRefSchema.nullable(),
      promptKind: z.string(),
      text: z.string(),
      tokens: z.number(),
      timings: z.record(z.string(), z.number()),
    }),
  ),
});
export type WindowDto = z.infer<typeof WindowSchema>;

const jobId = z.object({ id: IdNumber }).strict();

export const libraryOps = {
  'library.open': {
    summary:
      'Open (or create) a library file and migrate it; its full integrity check runs in the background and writing operations wait for it.',
    request: z.object({ path: PathString, create: z.boolean().default(true) }).strict(),
    response: LibraryInfoSchema,
  },
  'library.import': {
    summary: 'Import files and folders (recursive, extension filter); duplicates, moves and bad files are reported.',
    request: z
      .object({
        paths: z.array(PathString).min(1).max(MAX_IMPORT_PATHS),
        extensions: z.array(z.string().min(1).max(32)).max(256).optional(),
      })
      .strict(),
    response: ImportReportSchema,
  },
  'library.recordings': {
    summary: 'Recordings of the open library with status, reason and indexing counts.',
    request: z.object({ status: z.enum(['ready', 'rejected', 'missing']).optional() }).strict(),
    response: z.object({ recordings: z.array(RecordingSchema) }),
  },
  'library.search': {
    summary: 'Full-text search over captions; results are moments (overlapping windows merged).',
    request: z
      .object({
        query: z.string().max(1000),
        limit: z.number().int().min(1).max(1000).default(20),
        filters: SearchFiltersSchema.default({}),
        /** Second stage (off by default): re-check the top K moments with a Molmo2 yes/no question on their window. */
        verify: z
          .object({ topK: z.number().int().min(1).max(50).default(5) })
          .strict()
          .optional(),
      })
      .strict(),
    response: z.object({
      results: z.array(MomentSchema),
      verification: z
        .object({ checked: z.number(), ms: z.number(), tokens: z.number(), modelId: z.string() })
        .optional(),
    }),
  },
  'library.index': {
    summary:
      'Queue an indexing job (Molmo2 captions per window) for the configured checkpoint; it runs in the background.',
    request: withOverlapCheck(
      z
        .object({
          recordingIds: z.array(IdNumber).max(MAX_IDS).optional(),
          tier: z.enum(['dense', 'short']).optional(),
          windowLength: WindowLength.optional(),
          overlap: WindowOverlap.optional(),
        })
        .strict(),
    ),
    response: JobSchema,
  },
  'library.windows': {
    summary: 'The indexed windows of one recording with their captions, in time order.',
    request: z.object({ recordingId: IdNumber, limit: z.number().int().min(1).max(100000).default(10000) }).strict(),
    response: z.object({ windows: z.array(WindowSchema) }),
  },
  'jobs.list': {
    summary: 'Persisted jobs, newest first.',
    request: z
      .object({
        status: z.array(JobStatusSchema).max(6).optional(),
        kind: z.string().max(64).optional(),
        limit: z.number().int().min(1).max(10000).optional(),
      })
      .strict(),
    response: z.object({ jobs: z.array(JobSchema) }),
  },
  'jobs.get': { summary: 'One job by id.', request: jobId, response: JobSchema },
  'jobs.pause': { summary: 'Pause a queued or running job (resumable).', request: jobId, response: JobSchema },
  'jobs.resume': { summary: 'Put a paused or failed job back in the queue.', request: jobId, response: JobSchema },
  'jobs.cancel': { summary: 'Cancel a job (final; not a failure).', request: jobId, response: JobSchema },
} as const;
