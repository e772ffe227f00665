// Operation handlers of the count/track area: queue jobs (run in the host's background job loop), list runs, read
// results, store/undo corrections and export. All act on the open library (LIBRARY_NOT_OPEN without one).
import { kickJobs, runsBackgroundJobs } from '../job-host.js';
import { queueAnalyticsJob } from '../analytics/run-jobs.js';
import { listRuns } from '../analytics/run-store.js';
import { runResult, trackResult } from '../analytics/run-result.js';
import { addCorrection, undoCorrection } from '../analytics/run-corrections.js';
import { exportRun } from '../analytics/run-export.js';
import { compareRuns } from '../analytics/run-compare.js';
import { pinnedModelId } from '../analytics/run-model.js';
import { rerunAnalytics } from '../finetune/rerun.js';
import type { Edit } from '../analytics/corrections.js';
import { seconds } from '../../api/units.js';
import type { EditDto } from '../../api/ops/analytics.js';
import { currentLibrary, writableLibrary } from './library.js';
import type { HandlerMap } from './types.js';

const toEdit = (e: EditDto): Edit => (e.kind === 'split' ? { ...e, at: seconds(e.at) } : e);

export const analyticsHandlers: HandlerMap = {
  'analytics.queue': async (req, ctx) => {
    const lib = await writableLibrary(ctx);
    const r = queueAnalyticsJob(lib, req.kind, {
      query: req.query,
      scope: req.scope,
      ...(req.settings ? { settings: req.settings } : {}),
    });
    if (runsBackgroundJobs(ctx)) kickJobs(ctx, lib);
    return r;
  },
  'analytics.runs': async (req, ctx) => ({ runs: listRuns(currentLibrary(ctx), req) }),
  'analytics.result': async (req, ctx) => runResult(currentLibrary(ctx), req.runId),
  'analytics.correct': async (req, ctx) => {
    const lib = await writableLibrary(ctx);
    const correction = addCorrection(lib, req.runId, toEdit(req.edit));
    return { correction, tracks: trackResult(lib, req.runId) };
  },
  'analytics.undo': async (req, ctx) => {
    const lib = await writableLibrary(ctx);
    undoCorrection(lib, req.runId, req.correctionId);
    return { tracks: trackResult(lib, req.runId) };
  },
  'analytics.compare': async (req, ctx) => compareRuns(currentLibrary(ctx), req.a, req.b),
  'analytics.rerun': async (req, ctx) => {
    const lib = await writableLibrary(ctx);
    const r = rerunAnalytics(ctx, lib, req.runId, {
      ...(req.model ? { side: req.model } : {}),
      ...(req.adapterId !== undefined ? { adapterId: req.adapterId } : {}),
    });
    if (runsBackgroundJobs(ctx)) kickJobs(ctx, lib);
    const adapter = r.model.adapter ? { sha256: r.model.adapter.sha256, name: r.model.adapter.name } : null;
    return { job: r.job, runs: r.runs, model: { modelId: pinnedModelId(r.model), adapter } };
  },
  'analytics.export': async (req, ctx) =>
    exportRun(currentLibrary(ctx), req.runId, req.format, req.path, { overwrite: req.overwrite }),
};
