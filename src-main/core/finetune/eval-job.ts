// The persisted 'finetune.eval' job: a model (the base, or the base with an adapter merged) answers every included
// held-out example of a dataset on the example's own frames and prompt; the answers are scored per task and stored.
import { AppError, throwIfCancelled } from '../../api/errors.js';
import type { CoreContext } from '../context.js';
import { createJob, listJobs, type Job, type JobExecutor } from '../library/jobs.js';
import type { Library } from '../library/store.js';
import { nodeEngineLauncher } from '../molmo2/engine/engine-launcher.js';
import { buildVideoPrompt } from '../molmo2/prompt/build.js';
import { decodeTimes, probeVideo } from '../molmo2/prompt/frame-source.js';
import { Molmo2Session } from '../molmo2/session.js';
import type { MediaService } from '../media/index.js';
import { modelCacheDir } from '../platform/model-cache.js';
import { scoreAnswers, type Answered } from './eval-score.js';
import { getAdapter } from './ft-adapters-store.js';
import { getDataset, listExamples } from './ft-datasets-store.js';
import { putEval } from './ft-evals-store.js';
import type { FtExample, FtTask } from './types.js';
import { adapterRecord } from './use-adapter.js';

export const EVAL_JOB_KIND = 'finetune.eval';

/** Generation budgets per task on held-out windows (the analytics jobs' budgets; qa/caption as indexing's long tier). */
const MAX_NEW_TOKENS: Record<FtTask, number> = { count: 2048, track: 4096, qa: 512, caption: 1024 };

export interface EvalJobParams {
  datasetId: number;
  /** null: the base model alone. */
  adapterId: number | null;
  baseModel: string;
  /** Cap on generated tokens per answer (default per task above); small values make tests and previews fast. */
  maxNewTokens?: number;
}

/** The answers already given, kept in the job's checkpoint so a resumed eval asks only the rest. */
interface EvalCheckpoint {
  answers: Array<{ id: number; answer: string }>;
}

/** Queues the held-out evaluation of the base (adapterId null) or of an adapter on a dataset. */
export function queueEval(lib: Library, p: EvalJobParams): Job {
  getDataset(lib, p.datasetId);
  if (p.adapterId !== null) getAdapter(lib, p.adapterId);
  const n = listExamples(lib, p.datasetId, { split: 'heldout', includedOnly: true }).length;
  if (n === 0)
    throw new AppError(
      'INVALID_INPUT',
      `dataset ${p.datasetId} has no held-out examples (it needs at least two recordings)`,
    );
  return createJob(lib, EVAL_JOB_KIND, p, n);
}

/** Queues base and adapter evals of a trained adapter; the base one only when none is queued or done for the dataset. */
export function queueBeforeAfter(
  lib: Library,
  a: { id: number; datasetId: number | null; baseModel: string },
  maxNewTokens?: number,
): Job[] {
  if (a.datasetId === null) return [];
  if (listExamples(lib, a.datasetId, { split: 'heldout', includedOnly: true }).length === 0) return [];
  const extra = maxNewTokens !== undefined ? { maxNewTokens } : {};
  const evals = listJobs(lib, { kind: EVAL_JOB_KIND }).filter((j) =>
    ['queued', 'running', 'paused', 'done'].includes(j.status),
  );
  const hasBase = evals.some((j) => {
    const q = j.params as EvalJobParams;
    return q.datasetId === a.datasetId && q.adapterId === null && q.baseModel === a.baseModel;
  });
  const jobs = hasBase
    ? []
    : [queueEval(lib, { datasetId: a.datasetId, adapterId: null, baseModel: a.baseModel, ...extra })];
  jobs.push(queueEval(lib, { datasetId: a.datasetId, adapterId: a.id, baseModel: a.baseModel, ...extra }));
  return jobs;
}

async function answerOne(
  media: MediaService,
  s: Molmo2Session,
  e: FtExample,
  maxNewTokens: number,
  signal: AbortSignal,
): Promise<string> {
  const { probe } = await probeVideo(media, e.path, signal);
  const frames = await decodeTimes(media, e.path, e.times, probe, signal, s.checkpoint.videoPreprocessor.size);
  const shown = frames.map((f) => ({ ...f, time: Math.max(0, f.time - e.start) }));
  const m = buildVideoPrompt({
    checkpoint: s.checkpoint,
    tokenizer: s.tokenizer,
    question: e.question,
    ...(e.style ? { style: e.style } : {}),
    frames: shown,
    signal,
  });
  const a = await s.run(
    m,
    { kind: 'video', width: probe.width, height: probe.height },
    { maxNewTokens, temperature: 0 },
    0,
    signal,
  );
  return a.text;
}

/** The executor of 'finetune.eval' (the model is opened for the job and closed after it). */
export function evalExecutor(ctx: CoreContext): JobExecutor {
  return async ({ job, lib, signal, progress }) => {
    const p = job.params as EvalJobParams;
    const examples = listExamples(lib, p.datasetId, { split: 'heldout', includedOnly: true });
    const cp = (job.checkpoint as EvalCheckpoint | null) ?? { answers: [] };
    const done = new Map(cp.answers.map((a) => [a.id, a.answer]));
    const adapter = p.adapterId !== null ? getAdapter(lib, p.adapterId) : null;
    const session = await Molmo2Session.open({
      modelDir: p.baseModel,
      cacheDir: modelCacheDir(ctx.env, p.baseModel),
      media: ctx.media,
      ...(adapter ? { adapter: adapterRecord(p.baseModel, adapter.dir) } : {}),
      launcher: ctx.engine ?? nodeEngineLauncher(ctx.env),
      ...(ctx.env.MOLMOSCOPE_EP ? { provider: ctx.env.MOLMOSCOPE_EP } : {}),
    });
    try {
      for (const e of examples) {
        if (done.has(e.id)) continue;
        throwIfCancelled(signal);
        done.set(e.id, await answerOne(ctx.media, session, e, p.maxNewTokens ?? MAX_NEW_TOKENS[e.task], signal));
        progress(done.size, examples.length, {
          answers: [...done].map(([id, answer]) => ({ id, answer })),
        } satisfies EvalCheckpoint);
      }
    } finally {
      await session.close();
    }
    const answered: Answered[] = examples.map((e) => ({ example: e, answer: done.get(e.id) ?? '' }));
    lib.db.transaction(() => {
      for (const r of scoreAnswers(answered))
        putEval(lib, {
          datasetId: p.datasetId,
          adapterId: p.adapterId,
          modelId: session.modelId,
          task: r.task,
          examples: r.examples,
          metrics: r.metrics,
          jobId: job.id,
        });
    })();
  };
}
