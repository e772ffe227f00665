// Plain-data shapes of the fine-tune area: training material (clip answers, count verdicts), datasets and their
// examples, adapters with provenance, loss steps and held-out evaluations. JSON-serialisable, mapped onto SQLite rows.

/** Tasks a dataset example can teach. */
export type FtTask = 'count' | 'track' | 'qa' | 'caption';
export const FT_TASKS: readonly FtTask[] = ['count', 'track', 'qa', 'caption'];

/** A clip the user marked with a typed answer (qa), or a caption the user rewrote (caption). */
export interface ClipAnswer {
  id: number;
  recordingId: number;
  start: number;
  end: number;
  task: 'qa' | 'caption';
  question: string;
  answer: string;
  captionId: number | null;
  createdAt: string;
}

export type Verdict = 'accept' | 'reject';

/** The user's verdict on one counted instance of a count run. */
export interface CountReview {
  runId: number;
  instanceId: number;
  verdict: Verdict;
  createdAt: string;
}

/**
 * An instance of a count run the model missed, added by the user (migration 8): `t` is recording seconds on a sampled
 * frame of the run, `mx`/`my` Molmo2's 0–1000 coordinates (x by the frame's width, y by its height).
 */
export interface AddedPoint {
  id: number;
  runId: number;
  t: number;
  mx: number;
  my: number;
  createdAt: string;
}

/** A dataset version. `frozen` once a training job used it (include/exclude then needs a new version). */
export interface FtDataset {
  id: number;
  name: string;
  version: number;
  heldoutShare: number;
  seed: number;
  frozen: boolean;
  createdAt: string;
}

/** What an example's answer is checked against by the metrics (model coordinates are not used: pixels). */
export type FtTruth =
  | {
      kind: 'count';
      count: number;
      points: Array<{ t: number; x: number; y: number }>;
      frame: { width: number; height: number };
    }
  | {
      kind: 'track';
      tracks: Array<{ id: number; points: Array<{ t: number; x: number; y: number }> }>;
      frame: { width: number; height: number };
    }
  | { kind: 'text'; text: string };

/** Where an example came from: a run (with the corrections or reviews applied) or a clip answer. */
export interface FtSource {
  kind: 'count_run' | 'track_run' | 'clip_answer';
  id: number;
  /** Correction ids (track runs) or reviewed instance ids (count runs) that shaped this example. */
  corrections?: number[];
  accepted?: number[];
  rejected?: number[];
  /** Ids of the points the user added (count runs) that are in this example's answer. */
  added?: number[];
  window?: number;
}

/** One example of a dataset: the window, frame times (recording seconds), prompt, target answer, truth, source. */
export interface FtExample {
  id: number;
  datasetId: number;
  seq: number;
  task: FtTask;
  split: 'train' | 'heldout';
  included: boolean;
  recordingId: number;
  path: string;
  start: number;
  end: number;
  times: number[];
  question: string;
  style: string | null;
  answer: string;
  truth: FtTruth;
  source: FtSource;
}

export type NewFtExample = Omit<FtExample, 'id' | 'datasetId' | 'included'>;

/** Training settings (the trainer's config in user terms). */
export interface TrainSettings {
  steps: number;
  lr: number;
  rank: number;
  alpha: number;
  accumulate: number;
  warmup: number;
  seed: number;
  checkpointEvery: number;
}

/** An adapter kept beside its base model, with its provenance. */
export interface FtAdapter {
  id: number;
  name: string;
  dir: string;
  sha256: string;
  datasetId: number | null;
  /** "name vN" of the dataset, kept when the dataset row is deleted. */
  datasetLabel: string;
  baseModel: string;
  jobId: number | null;
  settings: TrainSettings;
  /** The model id runs record while the adapter is active (base + lora@sha16; the column kept its first name). */
  mergedModel: string | null;
  active: boolean;
  createdAt: string;
}

export interface FtStep {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSecond: number;
}

/** Metrics of one model on one task of a dataset's held-out split. */
export interface FtEval {
  id: number;
  datasetId: number;
  adapterId: number | null;
  modelId: string;
  task: FtTask;
  examples: number;
  metrics: Record<string, number | null>;
  jobId: number | null;
  createdAt: string;
}
