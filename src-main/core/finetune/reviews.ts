// Verdicts on counted instances apply to finished count runs and to instances the run has.
import { AppError } from '../../api/errors.js';
import { getRun } from '../analytics/run-store.js';
import { loadCountResult } from '../analytics/count-results-store.js';
import type { Library } from '../library/store.js';

/** INVALID_INPUT / JOB_CONFLICT / NOT_FOUND unless `instanceId` is an instance of the finished count run `runId`. */
export function checkReviewable(lib: Library, runId: number, instanceId: number): void {
  const run = getRun(lib, runId);
  if (run.kind !== 'count')
    throw new AppError(
      'INVALID_INPUT',
      `Run ${runId} is a ${run.kind} run; only count runs take verdicts (track runs take corrections).`,
    );
  if (run.status !== 'done')
    throw new AppError('JOB_CONFLICT', `Run ${runId} is ${run.status}; verdicts apply to finished runs.`);
  if (!loadCountResult(lib, runId).instances.some((i) => i.id === instanceId))
    throw new AppError('NOT_FOUND', `Run ${runId} has no instance ${instanceId}.`);
}
