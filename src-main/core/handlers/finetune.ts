// Operation handlers of the fine-tune area: training material, datasets, estimate, training and eval jobs (run in the
// host's background job loop), adapters. All act on the open library (LIBRARY_NOT_OPEN without one).
import { resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import type { CoreContext } from '../context.js';
import { kickJobs, runsBackgroundJobs } from '../job-host.js';
import type { Library } from '../library/store.js';
import { configuredModelDir, NO_MODEL_MESSAGE } from '../molmo2/model-host.js';
import { activateAdapter, adaptersDir, deleteAdapter, exportPeft } from '../finetune/adapters.js';
import { deleteClipAnswer, listClipAnswers } from '../finetune/clip-answers-store.js';
import { listCountReviews, setCountReview } from '../finetune/count-reviews-store.js';
import { buildDataset } from '../finetune/dataset-build.js';
import { exportJsonl } from '../finetune/dataset-export.js';
import { queueEval } from '../finetune/eval-job.js';
import { activeAdapter, getAdapter, listAdapters, renameAdapter } from '../finetune/ft-adapters-store.js';
import { deleteDataset, listDatasets, listExamples, setExampleIncluded } from '../finetune/ft-datasets-store.js';
import { listEvals } from '../finetune/ft-evals-store.js';
import { listSteps } from '../finetune/ft-train-steps-store.js';
import { checkReviewable } from '../finetune/reviews.js';
import { addMissedPoint, missedPoints, removeMissedPoint } from '../finetune/missed-points.js';
import { captionWindow } from '../finetune/captions-finetune-store.js';
import { addClipAnswer, datasetSummary, runModels, trainEstimate } from '../finetune/service.js';
import { queueTraining } from '../finetune/train-job.js';
import { currentLibrary } from './library.js';
import type { HandlerMap } from './types.js';

/** The base model new adapters train on: the active adapter's base, else the host's configured model. */
function baseModel(ctx: CoreContext, lib: Library): string {
  const dir = activeAdapter(lib)?.baseModel ?? configuredModelDir(ctx);
  if (!dir) throw new AppError('MODEL_INVALID', NO_MODEL_MESSAGE);
  return dir;
}

function kick(ctx: CoreContext, lib: Library): void {
  if (runsBackgroundJobs(ctx)) kickJobs(ctx, lib);
}

export const finetuneHandlers: HandlerMap = {
  'finetune.answer.add': async (req, ctx) => {
    const lib = currentLibrary(ctx);
    return addClipAnswer(lib, {
      recordingId: req.recordingId,
      start: req.start,
      end: req.end,
      task: req.task,
      question: req.question?.trim() ?? '',
      answer: req.answer,
      captionId: req.captionId ?? null,
    });
  },
  'finetune.caption': async (req, ctx) => {
    const { times: _times, ...c } = captionWindow(currentLibrary(ctx), req.captionId);
    return c;
  },
  'finetune.answer.list': async (req, ctx) => ({ answers: listClipAnswers(currentLibrary(ctx), req.recordingId) }),
  'finetune.answer.delete': async (req, ctx) => {
    deleteClipAnswer(currentLibrary(ctx), req.id);
    return { ok: true as const };
  },
  'finetune.review': async (req, ctx) => {
    const lib = currentLibrary(ctx);
    checkReviewable(lib, req.runId, req.instanceId);
    setCountReview(lib, req.runId, req.instanceId, req.verdict);
    return { reviews: listCountReviews(lib, req.runId) };
  },
  'finetune.reviews': async (req, ctx) => ({ reviews: listCountReviews(currentLibrary(ctx), req.runId) }),
  'finetune.missed.add': async (req, ctx) => {
    const lib = currentLibrary(ctx);
    const added = addMissedPoint(lib, req);
    return { ...added, points: missedPoints(lib, req.runId) };
  },
  'finetune.missed.remove': async (req, ctx) => {
    const lib = currentLibrary(ctx);
    removeMissedPoint(lib, req.runId, req.pointId);
    return { points: missedPoints(lib, req.runId) };
  },
  'finetune.missed': async (req, ctx) => ({ points: missedPoints(currentLibrary(ctx), req.runId) }),
  'finetune.dataset.build': async (req, ctx) => {
    const lib = currentLibrary(ctx);
    const r = buildDataset(lib, {
      name: req.name,
      ...(req.heldoutShare !== undefined ? { heldoutShare: req.heldoutShare } : {}),
      ...(req.seed !== undefined ? { seed: req.seed } : {}),
    });
    return { dataset: datasetSummary(lib, r.dataset), heldoutRecordings: r.heldoutRecordings, skipped: r.skipped };
  },
  'finetune.datasets': async (_req, ctx) => {
    const lib = currentLibrary(ctx);
    return { datasets: listDatasets(lib).map((d) => datasetSummary(lib, d)) };
  },
  'finetune.dataset.examples': async (req, ctx) => {
    const all = listExamples(currentLibrary(ctx), req.datasetId, req.split ? { split: req.split } : {});
    const offset = req.offset ?? 0;
    return { examples: all.slice(offset, offset + (req.limit ?? 100)), total: all.length };
  },
  'finetune.dataset.include': async (req, ctx) => setExampleIncluded(currentLibrary(ctx), req.exampleId, req.included),
  'finetune.dataset.delete': async (req, ctx) => {
    deleteDataset(currentLibrary(ctx), req.datasetId);
    return { ok: true as const };
  },
  'finetune.dataset.export': async (req, ctx) => {
    const path = resolve(req.path);
    return {
      path,
      examples: exportJsonl(currentLibrary(ctx), req.datasetId, path, {
        ...(req.split ? { split: req.split } : {}),
        overwrite: req.overwrite ?? false,
      }),
    };
  },
  'finetune.estimate': async (req, ctx) => {
    const lib = currentLibrary(ctx);
    return trainEstimate(lib, req.datasetId, baseModel(ctx, lib), req.settings ?? {});
  },
  'finetune.train': async (req, ctx) => {
    const lib = currentLibrary(ctx);
    const r = queueTraining(lib, {
      datasetId: req.datasetId,
      baseModel: baseModel(ctx, lib),
      adaptersDir: adaptersDir(ctx),
      ...(req.name ? { name: req.name } : {}),
      ...(req.settings ? { settings: req.settings } : {}),
      ...(req.evalMaxNewTokens !== undefined ? { evalMaxNewTokens: req.evalMaxNewTokens } : {}),
    });
    kick(ctx, lib);
    return { job: r.job, memory: r.estimate };
  },
  'finetune.steps': async (req, ctx) => ({ steps: listSteps(currentLibrary(ctx), req.jobId) }),
  'finetune.eval': async (req, ctx) => {
    const lib = currentLibrary(ctx);
    const base = req.adapterId !== null ? getAdapter(lib, req.adapterId).baseModel : baseModel(ctx, lib);
    const job = queueEval(lib, {
      datasetId: req.datasetId,
      adapterId: req.adapterId,
      baseModel: base,
      ...(req.maxNewTokens !== undefined ? { maxNewTokens: req.maxNewTokens } : {}),
    });
    kick(ctx, lib);
    return { job };
  },
  'finetune.evals': async (req, ctx) => ({ evals: listEvals(currentLibrary(ctx), req.datasetId) }),
  'finetune.adapters': async (_req, ctx) => {
    const lib = currentLibrary(ctx);
    return { adapters: listAdapters(lib), activeId: activeAdapter(lib)?.id ?? null };
  },
  'finetune.adapter.activate': async (req, ctx) => ({
    active: await activateAdapter(ctx, currentLibrary(ctx), req.adapterId),
  }),
  'finetune.adapter.rename': async (req, ctx) => renameAdapter(currentLibrary(ctx), req.adapterId, req.name),
  'finetune.adapter.delete': async (req, ctx) => {
    deleteAdapter(ctx, currentLibrary(ctx), req.adapterId);
    return { ok: true as const };
  },
  'finetune.adapter.export': async (req, ctx) => exportPeft(currentLibrary(ctx), req.adapterId, resolve(req.path)),
  'finetune.runModels': async (req, ctx) => ({ runs: runModels(currentLibrary(ctx), req.limit ?? 50) }),
};
