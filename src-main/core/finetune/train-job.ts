// The persisted 'finetune.train' job: queue (settings checked, memory estimated against the machine before anything
// is written), then prepare the dataset's training split, train with resumable state, register the adapter.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../api/errors.js';
import type { CoreContext } from '../context.js';
import { createJob, type Job, type JobExecutor, type JobRunContext } from '../library/jobs.js';
import type { Library } from '../library/store.js';
import type { MediaService } from '../media/index.js';
import { readSafetensorsHeader } from '../molmo2/checkpoint/safetensors.js';
import { DEFAULT_BUDGET_SHARE } from '../molmo2/compile/memory-estimate.js';
import { openCheckpoint, type Checkpoint } from '../molmo2/weights.js';
import { modelCacheDir } from '../platform/model-cache.js';
import { loadAdapter, saveAdapter } from './adapter.js';
import { parseDataset } from './dataset.js';
import { datasetJsonl } from './dataset-export.js';
import { adapterOfJob, insertAdapter } from './ft-adapters-store.js';
import { freezeDataset, getDataset, listExamples } from './ft-datasets-store.js';
import { dropStepsAfter, putStep } from './ft-train-steps-store.js';
import { prepareExamples } from './prepare.js';
import { EVAL_JOB_KIND, evalExecutor, queueBeforeAfter } from './eval-job.js';
import { TrainSession, type TrainExample } from './train-session.js';
import { estimateTrainMemory, estimateTreeTokens, featureBytesOf, type TrainMemoryEstimate } from './train-memory.js';
import { clipTrees } from './dataset-build.js';
import { checkConfig, train, writeJsonAtomic, type TrainConfig } from './trainer.js';
import type { FtAdapter, FtExample, TrainSettings } from './types.js';

export const TRAIN_JOB_KIND = 'finetune.train';

/** The page's and CLI's defaults (a short run: the user's own corrections are a few dozen examples). */
export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  steps: 50,
  lr: 1e-4,
  rank: 16,
  alpha: 32,
  accumulate: 1,
  warmup: 5,
  seed: 0,
  checkpointEvery: 5,
};

export interface TrainJobParams {
  datasetId: number;
  baseModel: string;
  outDir: string;
  name: string;
  settings: TrainSettings;
  /** Bytes the estimate must fit (default: 70 % of RAM). */
  budgetBytes: number;
  /** Cap on generated tokens of the before/after evaluation queued when training ends. */
  evalMaxNewTokens?: number;
}

export const toTrainConfig = (s: TrainSettings): TrainConfig => ({
  spec: { rank: s.rank, alpha: s.alpha },
  steps: s.steps,
  lr: s.lr,
  accumulate: s.accumulate,
  warmupSteps: s.warmup,
  seed: s.seed,
  clip: 1,
  checkpointEvery: s.checkpointEvery,
});

const GiB = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GiB`;

/** NOT_ENOUGH_MEMORY with the figures when the estimate does not fit the budget. */
export function checkFits(e: TrainMemoryEstimate, budget: number): void {
  if (e.total <= budget) return;
  throw new AppError(
    'NOT_ENOUGH_MEMORY',
    `training needs about ${GiB(e.total)} (weights ${GiB(e.weights)}, LoRA and optimiser ${GiB(e.lora)}, activations ${GiB(e.activations)} at ${e.tokens} tokens, visual features ${GiB(e.features)}) but ${GiB(budget)} is available; use shorter windows (fewer frames), fewer examples or a lower rank`,
    { estimate: e, budgetBytes: budget },
  );
}

/** The estimate for a dataset's training split before anything is tokenised (frames and answer length per example). */
export function estimateForDataset(
  lib: Library,
  datasetId: number,
  ck: Checkpoint,
  rank: number,
): TrainMemoryEstimate & { examples: number } {
  const xs = listExamples(lib, datasetId, { split: 'train', includedOnly: true });
  if (xs.length === 0) throw new AppError('INVALID_INPUT', `dataset ${datasetId} has no included training examples`);
  const trees = clipTrees(xs);
  const chars = (t: FtExample[]) => t.map((x) => ({ questionChars: x.question.length, answerChars: x.answer.length }));
  const frames = (t: FtExample[]) => t[0]?.times.length ?? 0;
  const tokens = Math.max(...trees.map((t) => estimateTreeTokens(ck.config, frames(t), chars(t))));
  const answerTokens = Math.max(...trees.map((t) => t.reduce((n, x) => n + Math.ceil(x.answer.length / 2) + 1, 0)));
  const featureBytes = trees.reduce((n, t) => n + featureBytesOf(ck.config, frames(t)), 0);
  return { ...estimateTrainMemory(ck.config, { tokens, answerTokens, rank, featureBytes }), examples: xs.length };
}

export interface TrainRequest {
  datasetId: number;
  baseModel: string;
  adaptersDir: string;
  name?: string;
  settings?: Partial<TrainSettings>;
  budgetBytes?: number;
  evalMaxNewTokens?: number;
}

/** Queues a training job on a dataset version (which is frozen from now on); refuses settings or memory that cannot work. */
export function queueTraining(lib: Library, req: TrainRequest): { job: Job; estimate: TrainMemoryEstimate } {
  const ds = getDataset(lib, req.datasetId);
  const settings = { ...DEFAULT_TRAIN_SETTINGS, ...req.settings };
  checkConfig(toTrainConfig(settings));
  const ck = openCheckpoint(req.baseModel);
  const budgetBytes = req.budgetBytes ?? Math.floor(DEFAULT_BUDGET_SHARE * totalmem());
  const estimate = estimateForDataset(lib, ds.id, ck, settings.rank);
  checkFits(estimate, budgetBytes);
  const outDir = join(
    req.adaptersDir,
    `${ds.name.replace(/[^\w.-]+/g, '_').slice(0, 40)}-v${ds.version}-${Date.now()}-${randomBytes(3).toString('hex')}`,
  );
  const params: TrainJobParams = {
    datasetId: ds.id,
    baseModel: ck.dir,
    outDir,
    name: req.name ?? `${ds.name} v${ds.version}`,
    settings,
    budgetBytes,
    ...(req.evalMaxNewTokens !== undefined ? { evalMaxNewTokens: req.evalMaxNewTokens } : {}),
  };
  const job = lib.db
    .transaction(() => {
      freezeDataset(lib, ds.id);
      return createJob(lib, TRAIN_JOB_KIND, params, settings.steps);
    })
    .immediate();
  return { job, estimate };
}

/** The step a resumable state file in `dir` holds (0 without one). */
function checkpointedStep(dir: string): number {
  const f = join(dir, 'train-state.safetensors');
  if (!existsSync(f)) return 0;
  const s = Number(readSafetensorsHeader(f).metadata.step);
  return Number.isInteger(s) && s > 0 ? s : 0;
}

/** How the executor opens the training graph (tests wrap it to fail at the onnxruntime boundary). */
export type OpenTrainSession = (
  ck: Checkpoint,
  o: { spec: TrainConfig['spec']; cacheDir: string; threads: number },
) => Promise<Pick<TrainSession, 'step' | 'targets' | 'close'>>;

async function prepareSplit(
  run: JobRunContext,
  p: TrainJobParams,
  cacheDir: string,
  media: MediaService,
): Promise<{ examples: TrainExample[]; content: string }> {
  const { text, examples: n } = datasetJsonl(run.lib, p.datasetId, 'train');
  if (n === 0) throw new AppError('INVALID_INPUT', `dataset ${p.datasetId} has no included training examples`);
  const file = join(p.outDir, 'train.jsonl');
  const { lines, bad } = parseDataset(text, file);
  if (bad.length > 0)
    throw new AppError('INVALID_INPUT', `dataset ${p.datasetId}: example line ${bad[0]!.line}: ${bad[0]!.reason}`, {
      bad,
    });
  const { examples } = await prepareExamples(lines, { base: p.baseModel, cacheDir, media, signal: run.signal });
  return { examples, content: text };
}

/**
 * Registers the job's adapter and queues its before/after evaluation, in one transaction; a job that resumes after
 * this (killed before it was marked done) finds its adapter and queues nothing twice.
 */
function registerAdapter(lib: Library, job: Job, p: TrainJobParams, ck: Checkpoint): void {
  lib.db
    .transaction(() => {
      if (adapterOfJob(lib, job.id)) return;
      queueBeforeAfter(lib, insertNew(lib, job, p, ck), p.evalMaxNewTokens);
    })
    .immediate();
}

function insertNew(lib: Library, job: Job, p: TrainJobParams, ck: Checkpoint): FtAdapter {
  const ds = getDataset(lib, p.datasetId);
  const a = loadAdapter(p.outDir, ck);
  return insertAdapter(lib, {
    name: p.name,
    dir: p.outDir,
    sha256: a.hash,
    datasetId: ds.id,
    datasetLabel: `${ds.name} v${ds.version}`,
    baseModel: p.baseModel,
    jobId: job.id,
    settings: p.settings,
  });
}

/** The executor of 'finetune.train': when it ends, the before/after evaluation of the new adapter is queued. */
export function trainExecutor(ctx: CoreContext, o: { openSession?: OpenTrainSession } = {}): JobExecutor {
  return async (run) => {
    const { job, lib, signal } = run;
    const p = job.params as TrainJobParams;
    const cacheDir = modelCacheDir(ctx.env, p.baseModel);
    const ck = openCheckpoint(p.baseModel);
    const { examples, content } = await prepareSplit(run, p, cacheDir, ctx.media);
    const tokens = Math.max(...examples.map((e) => e.ids.length));
    const answerTokens = Math.max(...examples.map((e) => e.targets.length));
    const featureBytes = examples.reduce((n, e) => n + e.features.byteLength, 0);
    checkFits(
      estimateTrainMemory(ck.config, { tokens, answerTokens, rank: p.settings.rank, featureBytes }),
      p.budgetBytes,
    );
    const config = toTrainConfig(p.settings);
    const runKey = createHash('sha256')
      .update(content)
      .update(JSON.stringify(config))
      .update(p.baseModel)
      .digest('hex');
    dropStepsAfter(lib, job.id, checkpointedStep(p.outDir));
    const open: OpenTrainSession = o.openSession ?? ((c, so) => TrainSession.open(c, so));
    const session = await open(ck, { spec: config.spec, cacheDir, threads: 1 });
    try {
      const r = await train({
        session: session as TrainSession,
        examples,
        config,
        stateDir: p.outDir,
        runKey,
        signal,
        onStep: (s) => {
          lib.db.transaction(() => {
            putStep(lib, job.id, s);
            run.progress(s.step, s.steps, { step: s.step }, `step ${s.step}/${s.steps} loss ${s.loss.toFixed(4)}`);
          })();
          ctx.emit('finetune.step', { jobId: job.id, ...s });
        },
      });
      saveAdapter(p.outDir, ck, config.spec, r.params, p.baseModel);
      writeJsonAtomic(join(p.outDir, 'molmoscope-train.json'), {
        base: p.baseModel,
        datasetId: p.datasetId,
        settings: p.settings,
        examples: examples.length,
      });
      registerAdapter(lib, job, p, ck);
    } finally {
      await session.close();
    }
  };
}

/** The job kinds this area adds to the host registry (job-host.ts JOB_KINDS). */
export const FINETUNE_JOB_KINDS: Record<string, (ctx: CoreContext) => JobExecutor> = {
  [TRAIN_JOB_KIND]: (ctx) => trainExecutor(ctx),
  [EVAL_JOB_KIND]: (ctx) => evalExecutor(ctx),
};
