// What the fine-tune operations answer beyond single rows: dataset summaries, the estimate shown before training,
// and which model and adapter produced each count/track run.
import { totalmem } from 'node:os';
import { AppError } from '../../api/errors.js';
import { listRuns, type RunRow } from '../analytics/run-store.js';
import { loadCountResult } from '../analytics/count-results-store.js';
import { correctedTracks } from '../analytics/run-corrections.js';
import type { Library } from '../library/store.js';
import { DEFAULT_BUDGET_SHARE } from '../molmo2/compile/memory-estimate.js';
import { openCheckpoint } from '../molmo2/weights.js';
import { insertClipAnswer } from './clip-answers-store.js';
import { adapterBySha } from './ft-adapters-store.js';
import { exampleCounts, getDataset } from './ft-datasets-store.js';
import { recentTokensPerSecond } from './ft-train-steps-store.js';
import { captionWindow } from './captions-finetune-store.js';
import { recordingBrief } from './recordings-finetune-store.js';
import { DEFAULT_TRAIN_SETTINGS, estimateForDataset } from './train-job.js';
import type { TrainMemoryEstimate } from './train-memory.js';
import { FT_TASKS, type ClipAnswer, type FtDataset, type FtTask, type TrainSettings } from './types.js';

export interface DatasetSummary extends FtDataset {
  perTask: Record<FtTask, { train: number; heldout: number }>;
  included: number;
  examples: number;
}

/** A dataset version with its included examples per task and split. */
export function datasetSummary(lib: Library, ds: FtDataset | number): DatasetSummary {
  const d = typeof ds === 'number' ? getDataset(lib, ds) : ds;
  const perTask = Object.fromEntries(FT_TASKS.map((t) => [t, { train: 0, heldout: 0 }])) as DatasetSummary['perTask'];
  let included = 0;
  let examples = 0;
  for (const c of exampleCounts(lib, d.id)) {
    perTask[c.task][c.split] += c.included;
    included += c.included;
    examples += c.n;
  }
  return { ...d, perTask, included, examples };
}

export interface TrainEstimate {
  settings: TrainSettings;
  memory: TrainMemoryEstimate;
  budgetBytes: number;
  fits: boolean;
  examples: number;
  /** steps × accumulate × tokens at the median rate of recent steps on this library; null before any was measured. */
  seconds: number | null;
  baseModel: string;
}

/** Defaults, the memory estimate against the budget (70 % of RAM) and a time estimate, for training on a dataset. */
export function trainEstimate(
  lib: Library,
  datasetId: number,
  baseModel: string,
  partial: Partial<TrainSettings> = {},
): TrainEstimate {
  const settings = { ...DEFAULT_TRAIN_SETTINGS, ...partial };
  const ck = openCheckpoint(baseModel);
  const e = estimateForDataset(lib, datasetId, ck, settings.rank);
  const { examples, ...memory } = e;
  const budgetBytes = Math.floor(DEFAULT_BUDGET_SHARE * totalmem());
  const rate = recentTokensPerSecond(lib);
  const seconds = rate ? (settings.steps * settings.accumulate * memory.tokens) / rate : null;
  return { settings, memory, budgetBytes, fits: memory.total <= budgetBytes, examples, seconds, baseModel: ck.dir };
}

/** A finished run's headline number: the count's total, or the number of (corrected) tracks; null otherwise. */
function headline(lib: Library, r: RunRow): number | null {
  if (r.status !== 'done') return null;
  return r.kind === 'count' ? loadCountResult(lib, r.id).total : correctedTracks(lib, r.id).set.tracks.length;
}

/**
 * Recent count/track runs with what they found, the model id they recorded and the adapter that model id names (if
 * any), and what it takes to run the same again (scope and settings), so base and adapter runs sit side by side.
 */
export function runModels(lib: Library, limit = 50) {
  return listRuns(lib, { limit }).map((r) => {
    const a = r.adapter ? adapterBySha(lib, r.adapter.sha256) : null;
    return {
      runId: r.id,
      kind: r.kind,
      query: r.query,
      status: r.status,
      modelId: r.modelId,
      adapterId: a?.id ?? null,
      adapterName: a?.name ?? r.adapter?.name ?? null,
      recordingId: r.recordingId,
      start: r.start,
      end: r.end,
      settings: (r.params ?? {}) as Record<string, unknown>,
      found: headline(lib, r),
    };
  });
}

/**
 * Stores a typed answer on a clip after checking it against the library: the recording exists and the clip lies inside
 * it; a caption id names a caption of that recording and comes only with task 'caption'.
 */
export function addClipAnswer(lib: Library, a: Omit<ClipAnswer, 'id' | 'createdAt'>): ClipAnswer {
  const rec = recordingBrief(lib, a.recordingId);
  if (rec.duration !== null && a.end > rec.duration + 1e-6)
    throw new AppError(
      'INVALID_INPUT',
      `the clip ${a.start}–${a.end} s is not inside recording ${rec.id} (0–${rec.duration.toFixed(2)} s)`,
    );
  if (!(a.end - a.start >= 1)) throw new AppError('INVALID_INPUT', 'a clip is at least 1 s long');
  if (a.captionId !== null) {
    if (a.task !== 'caption') throw new AppError('INVALID_INPUT', 'a caption id comes with task "caption"');
    if (captionWindow(lib, a.captionId).recordingId !== a.recordingId)
      throw new AppError('INVALID_INPUT', `caption ${a.captionId} is not of recording ${a.recordingId}`);
  }
  return insertClipAnswer(lib, a);
}
