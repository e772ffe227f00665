// Contract of the count/track operations: queue a job over a recording, a range of it or a folder; list runs; read a
// run's result (count instances with evidence, or tracks with points and stitch decisions); edit tracks; export.
import { z } from 'zod';
import { ErrorCodeSchema } from '../errors.js';
import { JobStatusSchema } from '../events.js';
import { AdapterRefSchema, JobSchema } from './library.js';
import {
  IdNumber,
  MAX_FRAMES,
  MAX_NEW_TOKENS,
  MAX_SAMPLE_FPS,
  MediaSeconds,
  PathString,
  WindowLength,
  WindowOverlap,
  withOverlapCheck,
} from '../bounds.js';

const Num = z.number().finite();
const Id = IdNumber;
/** Track ids and window/local indices of an edit (ids are positive; window and local indices start at 0). */
const Index = z.number().int().nonnegative().max(1_000_000_000);

export const RunKindSchema = z.enum(['count', 'track']);

export const RunSettingsSchema = withOverlapCheck(
  z
    .object({
      windowLength: WindowLength.optional(),
      overlap: WindowOverlap.optional(),
      maxFrames: z.number().int().min(1).max(MAX_FRAMES).optional(),
      maxFps: Num.positive().max(MAX_SAMPLE_FPS).optional(),
      maxNewTokens: z.number().int().min(1).max(MAX_NEW_TOKENS).optional(),
    })
    .strict(),
);

export const ScopeSchema = z
  .object({
    recordingId: Id.optional(),
    folder: PathString.optional(),
    start: MediaSeconds.optional(),
    end: MediaSeconds.positive().optional(),
  })
  .strict()
  .refine((s) => (s.recordingId === undefined) !== (s.folder === undefined), {
    message: 'give either a recordingId or a folder',
  });

export const RunSchema = z.object({
  id: z.number(),
  kind: RunKindSchema,
  query: z.string(),
  recordingId: z.number(),
  path: z.string(),
  start: z.number(),
  end: z.number(),
  modelId: z.string().nullable(),
  /** The LoRA adapter the run's model used (null = the base model or not started). */
  adapter: AdapterRefSchema.nullable(),
  jobId: z.number().nullable(),
  jobStatus: JobStatusSchema.nullable(),
  params: z.unknown(),
  status: z.enum(['queued', 'running', 'done', 'failed', 'cancelled']),
  frame: z.object({ width: z.number(), height: z.number() }),
  videoFps: z.number().nullable(),
  windowsTotal: z.number(),
  windowsDone: z.number(),
  windowsMalformed: z.number(),
  windowsFailed: z.number(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type RunDto = z.infer<typeof RunSchema>;

export const RunWindowSchema = z.object({
  index: z.number(),
  start: z.number(),
  end: z.number(),
  sampleTimes: z.array(z.number()),
  status: z.enum(['ok', 'malformed', 'failed']),
  answer: z.string().nullable(),
  statedCount: z.number().nullable(),
  points: z.number(),
  errorCode: ErrorCodeSchema.nullable(),
  errorMessage: z.string().nullable(),
  dropped: z.array(z.object({ text: z.string(), reason: z.string() })),
  tokens: z.number().nullable(),
  timings: z.record(z.string(), z.number().nullable()).nullable(),
});
export type RunWindowDto = z.infer<typeof RunWindowSchema>;

const Sighting = z.object({
  window: z.number(),
  localId: z.number(),
  t: z.number(),
  x: z.number(),
  y: z.number(),
  mx: z.number(),
  my: z.number(),
});
export const CountResultSchema = z.object({
  total: z.number(),
  instances: z.array(z.object({ id: z.number(), evidence: z.array(Sighting) })),
  perWindow: z.array(z.object({ window: z.number(), start: z.number(), end: z.number(), count: z.number() })),
  matches: z.array(
    z.object({
      windowA: z.number(),
      localA: z.number(),
      windowB: z.number(),
      localB: z.number(),
      instanceId: z.number(),
      cost: z.number(),
    }),
  ),
});
export type CountResultDto = z.infer<typeof CountResultSchema>;

export const TrackDtoSchema = z.object({ id: z.number(), label: z.string(), points: z.array(Sighting) });
export type TrackDto = z.infer<typeof TrackDtoSchema>;

export const EditSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('rename'), trackId: Index, label: z.string().min(1).max(200) }).strict(),
  z.object({ kind: z.literal('merge'), keepId: Index, mergeId: Index }).strict(),
  z.object({ kind: z.literal('split'), trackId: Index, at: MediaSeconds }).strict(),
  z.object({ kind: z.literal('delete'), trackId: Index }).strict(),
  z.object({ kind: z.literal('unstitch'), windowA: Index, localA: Index, windowB: Index, localB: Index }).strict(),
]);
export type EditDto = z.infer<typeof EditSchema>;

export const CorrectionSchema = z.object({
  id: z.number(),
  kind: z.enum(['rename', 'merge', 'split', 'delete', 'unstitch']),
  payload: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});

export const TrackResultSchema = z.object({
  /** Tracks after the corrections (the model's own output is kept unchanged underneath). */
  tracks: z.array(TrackDtoSchema),
  originalTrackCount: z.number(),
  decisions: z.array(
    z.object({
      windowA: z.number().nullable(),
      localA: z.number().nullable(),
      windowB: z.number(),
      localB: z.number(),
      globalId: z.number(),
      cost: z.number(),
      reason: z.enum(['overlap', 'reid', 'new']),
    }),
  ),
  corrections: z.array(CorrectionSchema),
  skipped: z.array(z.object({ id: z.number(), code: z.string(), reason: z.string() })),
});
export type TrackResultDto = z.infer<typeof TrackResultSchema>;

export const RunResultSchema = z.object({
  run: RunSchema,
  windows: z.array(RunWindowSchema),
  count: CountResultSchema.nullable(),
  tracks: TrackResultSchema.nullable(),
});
export type RunResultDto = z.infer<typeof RunResultSchema>;

const runId = z.object({ runId: Id }).strict();

const ComparedItemSchema = z.object({ id: z.number(), t: z.number(), x: z.number(), y: z.number() });
const CompareSideSchema = z.object({ run: RunSchema, total: z.number() });

export const RunComparisonSchema = z.object({
  kind: RunKindSchema,
  a: CompareSideSchema,
  b: CompareSideSchema,
  /** Per window of either run (matched by start and end): its count in each, null where that run has no such window. */
  perWindow: z.array(
    z.object({ start: z.number(), end: z.number(), a: z.number().nullable(), b: z.number().nullable() }),
  ),
  /** Per sampled time (0.1 s): instances sighted (count) or tracks present (track) in each run. */
  perFrame: z.array(z.object({ t: z.number(), a: z.number(), b: z.number() })),
  /** Instances (tracks) of run A matched with run B's; `frames`: the frames they agree on (1 for counts). */
  matched: z.array(z.object({ a: ComparedItemSchema, b: ComparedItemSchema, frames: z.number() })),
  onlyA: z.array(ComparedItemSchema),
  onlyB: z.array(ComparedItemSchema),
  /** B scored against A: point precision/recall/f1 (count) or hota/detA/assA (track). */
  agreement: z.record(z.string(), z.number()),
  tracks: z.object({ a: z.array(TrackDtoSchema), b: z.array(TrackDtoSchema) }).nullable(),
});
export type RunComparisonDto = z.infer<typeof RunComparisonSchema>;

/** The model a re-run is pinned to: its base checkpoint's model id and the adapter (null: the base alone). */
export const RerunModelSchema = z.object({ modelId: z.string(), adapter: AdapterRefSchema.nullable() });

export const analyticsOps = {
  'analytics.queue': {
    summary:
      'Queue a count or track job over a recording (optionally a time range) or a folder; one run per recording.',
    request: z
      .object({
        kind: RunKindSchema,
        query: z.string().min(1).max(200),
        scope: ScopeSchema,
        settings: RunSettingsSchema.optional(),
      })
      .strict(),
    response: z.object({ job: JobSchema, runs: z.array(RunSchema) }),
  },
  'analytics.runs': {
    summary: 'Count/track runs, newest first, with their window counts.',
    request: z
      .object({
        kind: RunKindSchema.optional(),
        recordingId: Id.optional(),
        jobId: Id.optional(),
        limit: z.number().int().min(1).max(5000).optional(),
      })
      .strict(),
    response: z.object({ runs: z.array(RunSchema) }),
  },
  'analytics.result': {
    summary:
      "A run's result: windows (answers verbatim), and the count (total, instances, per-window) or the corrected tracks.",
    request: runId,
    response: RunResultSchema,
  },
  'analytics.correct': {
    summary:
      'Store an edit of a track run (rename, merge, split, delete, unstitch) as a correction; the model output is kept.',
    request: z.object({ runId: Id, edit: EditSchema }).strict(),
    response: z.object({ correction: CorrectionSchema, tracks: TrackResultSchema }),
  },
  'analytics.undo': {
    summary: 'Undo one correction (the rest are replayed on the model output).',
    request: z.object({ runId: Id, correctionId: Id }).strict(),
    response: z.object({ tracks: TrackResultSchema }),
  },
  'analytics.compare': {
    summary:
      "Two finished count runs (or two track runs) of the same recording span side by side: totals, per-window and per-frame tallies, matched and unmatched instances, both runs' tracks.",
    request: z.object({ a: Id, b: Id }).strict(),
    response: RunComparisonSchema,
  },
  'analytics.rerun': {
    summary:
      "Queue a run's query, recording, span and settings again as a new job on the other model (base ↔ adapter), or the one named.",
    request: z
      .object({
        runId: Id,
        model: z.enum(['base', 'adapter']).optional(),
        adapterId: Id.optional(),
      })
      .strict(),
    response: z.object({ job: JobSchema, runs: z.array(RunSchema), model: RerunModelSchema }),
  },
  'analytics.export': {
    summary: 'Export a run to an absolute path: csv/json (count or tracks), mot (tracks), case (tracks bundle folder).',
    request: z
      .object({
        runId: Id,
        format: z.enum(['csv', 'json', 'mot', 'case']),
        path: PathString,
        overwrite: z.boolean().optional(),
      })
      .strict(),
    response: z.object({ files: z.array(z.string()), rows: z.number() }),
  },
} as const;
