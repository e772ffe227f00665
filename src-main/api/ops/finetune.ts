// Contract of the fine-tune operations: training material (clip answers, count verdicts), dataset versions and their
// examples, the memory/time estimate, training jobs and their loss curve, before/after evals, adapters.
import { z } from 'zod';
import { IdNumber, MAX_NEW_TOKENS, MediaSeconds, ModelCoordinate, PathString } from '../bounds.js';
import { JobSchema } from './library.js';

const Id = IdNumber;
const Name = z.string().trim().min(1).max(200);
const Text = z.string().min(1).max(20_000);
const Metrics = z.record(z.string(), z.number().nullable());
const TaskSchema = z.enum(['count', 'track', 'qa', 'caption']);
const Frame = z.object({ width: z.number(), height: z.number() });
const Pt = z.object({ t: z.number(), x: z.number(), y: z.number() });

export const ClipAnswerSchema = z.object({
  id: z.number(),
  recordingId: z.number(),
  start: z.number(),
  end: z.number(),
  task: z.enum(['qa', 'caption']),
  question: z.string(),
  answer: z.string(),
  captionId: z.number().nullable(),
  createdAt: z.string(),
});

export const CountReviewSchema = z.object({
  runId: z.number(),
  instanceId: z.number(),
  verdict: z.enum(['accept', 'reject']),
  createdAt: z.string(),
});

/** A point the user added to a count run where the model missed an instance (t on a sampled frame; 0–1000 mx/my). */
export const AddedPointSchema = z.object({
  id: z.number(),
  runId: z.number(),
  t: z.number(),
  mx: z.number(),
  my: z.number(),
  createdAt: z.string(),
});
export type AddedPointDto = z.infer<typeof AddedPointSchema>;
const AddedPoints = z.object({ points: z.array(AddedPointSchema) });

export const DatasetSchema = z.object({
  id: z.number(),
  name: z.string(),
  version: z.number(),
  heldoutShare: z.number(),
  seed: z.number(),
  frozen: z.boolean(),
  createdAt: z.string(),
});
const PerTask = z.record(TaskSchema, z.object({ train: z.number(), heldout: z.number() }));

export const DatasetSummarySchema = DatasetSchema.extend({
  perTask: PerTask,
  included: z.number(),
  examples: z.number(),
});
export type DatasetSummaryDto = z.infer<typeof DatasetSummarySchema>;

export const ExampleSchema = z.object({
  id: z.number(),
  datasetId: z.number(),
  seq: z.number(),
  task: TaskSchema,
  split: z.enum(['train', 'heldout']),
  included: z.boolean(),
  recordingId: z.number(),
  path: z.string(),
  start: z.number(),
  end: z.number(),
  times: z.array(z.number()),
  question: z.string(),
  style: z.string().nullable(),
  answer: z.string(),
  truth: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('count'), count: z.number(), points: z.array(Pt), frame: Frame }),
    z.object({
      kind: z.literal('track'),
      tracks: z.array(z.object({ id: z.number(), points: z.array(Pt) })),
      frame: Frame,
    }),
    z.object({ kind: z.literal('text'), text: z.string() }),
  ]),
  source: z.object({
    kind: z.enum(['count_run', 'track_run', 'clip_answer']),
    id: z.number(),
    corrections: z.array(z.number()).optional(),
    accepted: z.array(z.number()).optional(),
    rejected: z.array(z.number()).optional(),
    added: z.array(z.number()).optional(),
    window: z.number().optional(),
  }),
});
export type ExampleDto = z.infer<typeof ExampleSchema>;

/** Training settings; every field optional in a request (the defaults are in the estimate's answer). */
export const TrainSettingsSchema = z.object({
  steps: z.number().int().min(1).max(100_000),
  lr: z.number().positive().max(1),
  rank: z.number().int().min(1).max(256),
  alpha: z.number().positive().max(1e6),
  accumulate: z.number().int().min(1).max(4096),
  warmup: z.number().int().min(0).max(100_000),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  checkpointEvery: z.number().int().min(1).max(100_000),
});
export type TrainSettingsDto = z.infer<typeof TrainSettingsSchema>;

export const MemoryEstimateSchema = z.object({
  weights: z.number(),
  features: z.number(),
  lora: z.number(),
  activations: z.number(),
  overhead: z.number(),
  total: z.number(),
  tokens: z.number(),
});

export const AdapterSchema = z.object({
  id: z.number(),
  name: z.string(),
  dir: z.string(),
  sha256: z.string(),
  datasetId: z.number().nullable(),
  datasetLabel: z.string(),
  baseModel: z.string(),
  jobId: z.number().nullable(),
  settings: TrainSettingsSchema,
  mergedModel: z.string().nullable(),
  active: z.boolean(),
  createdAt: z.string(),
});
export type AdapterDto = z.infer<typeof AdapterSchema>;

export const StepSchema = z.object({
  step: z.number(),
  loss: z.number(),
  lr: z.number(),
  gradNorm: z.number(),
  tokensPerSecond: z.number(),
});
export type StepDto = z.infer<typeof StepSchema>;

export const EvalSchema = z.object({
  id: z.number(),
  datasetId: z.number(),
  adapterId: z.number().nullable(),
  modelId: z.string(),
  task: TaskSchema,
  examples: z.number(),
  metrics: Metrics,
  jobId: z.number().nullable(),
  createdAt: z.string(),
});
export type EvalDto = z.infer<typeof EvalSchema>;

const none = z.object({}).strict();
const adapterId = z.object({ adapterId: Id }).strict();

export const finetuneOps = {
  'finetune.answer.add': {
    summary: 'Mark a clip of a recording with a typed answer (qa), or rewrite a caption (caption, with its captionId).',
    request: z
      .object({
        recordingId: Id,
        start: MediaSeconds,
        end: MediaSeconds,
        task: z.enum(['qa', 'caption']),
        question: z.string().max(2000).optional(),
        answer: Text,
        captionId: Id.optional(),
      })
      .strict()
      .refine((r) => r.end - r.start >= 1, { message: 'a clip is at least 1 s long', path: ['end'] })
      .refine((r) => r.task === 'caption' || (r.question ?? '').trim().length > 0, {
        message: 'a qa answer needs its question',
        path: ['question'],
      }),
    response: ClipAnswerSchema,
  },
  'finetune.caption': {
    summary: 'A stored caption with its indexing window (to correct it as an answer of task caption).',
    request: z.object({ captionId: Id }).strict(),
    response: z.object({
      captionId: z.number(),
      recordingId: z.number(),
      start: z.number(),
      end: z.number(),
      text: z.string(),
      promptKind: z.string(),
    }),
  },
  'finetune.answer.list': {
    summary: 'Clip answers, oldest first (optionally of one recording).',
    request: z.object({ recordingId: Id.optional() }).strict(),
    response: z.object({ answers: z.array(ClipAnswerSchema) }),
  },
  'finetune.answer.delete': {
    summary: 'Delete a clip answer.',
    request: z.object({ id: Id }).strict(),
    response: z.object({ ok: z.literal(true) }),
  },
  'finetune.review': {
    summary: 'Accept or reject one counted instance of a finished count run (null clears the verdict).',
    request: z.object({ runId: Id, instanceId: Id, verdict: z.enum(['accept', 'reject']).nullable() }).strict(),
    response: z.object({ reviews: z.array(CountReviewSchema) }),
  },
  'finetune.reviews': {
    summary: "A count run's verdicts.",
    request: z.object({ runId: Id }).strict(),
    response: z.object({ reviews: z.array(CountReviewSchema) }),
  },
  'finetune.missed.add': {
    summary:
      'Add an instance a finished count run missed: a point (0–1000 mx/my, x by width) at recording time t, stored on the nearest sampled frame of an answered window.',
    request: z.object({ runId: Id, t: MediaSeconds, mx: ModelCoordinate, my: ModelCoordinate }).strict(),
    response: AddedPoints.extend({ point: AddedPointSchema, requestedT: z.number() }),
  },
  'finetune.missed.remove': {
    summary: 'Remove a point added to a count run.',
    request: z.object({ runId: Id, pointId: Id }).strict(),
    response: AddedPoints,
  },
  'finetune.missed': {
    summary: 'The points added to a count run (instances the model missed), in time order.',
    request: z.object({ runId: Id }).strict(),
    response: AddedPoints,
  },
  'finetune.dataset.build': {
    summary:
      'Build the next version of a dataset from reviewed counts, corrected tracks and clip answers, held out by recording.',
    request: z
      .object({
        name: Name,
        heldoutShare: z.number().min(0).max(0.9).optional(),
        seed: z
          .number()
          .int()
          .min(0)
          .max(2 ** 32 - 1)
          .optional(),
      })
      .strict(),
    response: z.object({
      dataset: DatasetSummarySchema,
      heldoutRecordings: z.array(z.number()),
      skipped: z.array(z.object({ source: z.string(), reason: z.string() })),
    }),
  },
  'finetune.datasets': {
    summary: 'Dataset versions, newest first, with counts per task and split.',
    request: none,
    response: z.object({ datasets: z.array(DatasetSummarySchema) }),
  },
  'finetune.dataset.examples': {
    summary: "A dataset's examples in order (optionally one split), a page at a time.",
    request: z
      .object({
        datasetId: Id,
        split: z.enum(['train', 'heldout']).optional(),
        offset: z.number().int().min(0).max(1_000_000).optional(),
        limit: z.number().int().min(1).max(500).optional(),
      })
      .strict(),
    response: z.object({ examples: z.array(ExampleSchema), total: z.number() }),
  },
  'finetune.dataset.include': {
    summary: 'Include or exclude one example (refused once a training job used the dataset version).',
    request: z.object({ exampleId: Id, included: z.boolean() }).strict(),
    response: ExampleSchema,
  },
  'finetune.dataset.delete': {
    summary: 'Delete a dataset version (adapters keep its name and version).',
    request: z.object({ datasetId: Id }).strict(),
    response: z.object({ ok: z.literal(true) }),
  },
  'finetune.dataset.export': {
    summary: 'Write the included examples as the training JSONL (docs/finetune.md).',
    request: z
      .object({
        datasetId: Id,
        path: PathString,
        split: z.enum(['train', 'heldout']).optional(),
        overwrite: z.boolean().optional(),
      })
      .strict(),
    response: z.object({ path: z.string(), examples: z.number() }),
  },
  'finetune.estimate': {
    summary:
      'Defaults, memory estimate against the budget, and a time estimate of training on a dataset, before starting.',
    request: z.object({ datasetId: Id, settings: TrainSettingsSchema.partial().strict().optional() }).strict(),
    response: z.object({
      settings: TrainSettingsSchema,
      memory: MemoryEstimateSchema,
      budgetBytes: z.number(),
      fits: z.boolean(),
      examples: z.number(),
      seconds: z.number().nullable(),
      baseModel: z.string(),
    }),
  },
  'finetune.train': {
    summary:
      "Queue a training job on a dataset version with the host's model as the base (refused when the memory estimate does not fit).",
    request: z
      .object({
        datasetId: Id,
        name: Name.optional(),
        settings: TrainSettingsSchema.partial().strict().optional(),
        evalMaxNewTokens: z.number().int().min(1).max(MAX_NEW_TOKENS).optional(),
      })
      .strict(),
    response: z.object({ job: JobSchema, memory: MemoryEstimateSchema }),
  },
  'finetune.steps': {
    summary: "A training job's loss curve.",
    request: z.object({ jobId: Id }).strict(),
    response: z.object({ steps: z.array(StepSchema) }),
  },
  'finetune.eval': {
    summary: 'Queue the held-out evaluation of the base (adapterId null) or of an adapter on a dataset.',
    request: z
      .object({
        datasetId: Id,
        adapterId: Id.nullable(),
        maxNewTokens: z.number().int().min(1).max(MAX_NEW_TOKENS).optional(),
      })
      .strict(),
    response: z.object({ job: JobSchema }),
  },
  'finetune.evals': {
    summary: 'Before/after: the metrics of the base and of each adapter on a dataset, per task.',
    request: z.object({ datasetId: Id }).strict(),
    response: z.object({ evals: z.array(EvalSchema) }),
  },
  'finetune.adapters': {
    summary: 'Adapters (newest first) with provenance; which one is active.',
    request: none,
    response: z.object({ adapters: z.array(AdapterSchema), activeId: z.number().nullable() }),
  },
  'finetune.adapter.activate': {
    summary: "Make an adapter the library's active one (null: the base model alone); the host's model switches to it.",
    request: z.object({ adapterId: Id.nullable() }).strict(),
    response: z.object({ active: AdapterSchema.nullable() }),
  },
  'finetune.adapter.rename': {
    summary: 'Rename an adapter.',
    request: z.object({ adapterId: Id, name: Name }).strict(),
    response: AdapterSchema,
  },
  'finetune.adapter.delete': {
    summary: 'Delete an adapter that is not active.',
    request: adapterId,
    response: z.object({ ok: z.literal(true) }),
  },
  'finetune.adapter.export': {
    summary: 'Copy an adapter as a PEFT folder (adapter_model.safetensors, adapter_config.json) with its provenance.',
    request: z.object({ adapterId: Id, path: PathString }).strict(),
    response: z.object({ dir: z.string(), files: z.array(z.string()) }),
  },
  'finetune.runModels': {
    summary:
      'Recent count/track runs: what each found, the model and adapter that produced it, and its scope and settings (to run it again).',
    request: z.object({ limit: z.number().int().min(1).max(500).optional() }).strict(),
    response: z.object({
      runs: z.array(
        z.object({
          runId: z.number(),
          kind: z.enum(['count', 'track']),
          query: z.string(),
          status: z.string(),
          modelId: z.string().nullable(),
          adapterId: z.number().nullable(),
          adapterName: z.string().nullable(),
          recordingId: z.number(),
          start: z.number(),
          end: z.number(),
          settings: z.record(z.string(), z.unknown()),
          found: z.number().nullable(),
        }),
      ),
    }),
  },
} as const;
