// Verdicts on counted instances, and points the user adds where the model missed one, apply to finished count runs
// (and verdicts to instances the run has).
import { AppError } from '../../api/errors.js';
import { getRun, type RunRow } from '../analytics/run-store.js';
import { loadCountResult } from '../analytics/count-results-store.js';
import type { Library } from '../library/store.js';

/** The run `runId` when it is a finished count run: NOT_FOUND, INVALID_INPUT (a track run) or JOB_CONFLICT otherwise. */
export function finishedCountRun(lib: Library, runId: number, what: string): RunRow {
  const run = getRun(lib, runId);
  if (run.kind !== 'count')
    throw new AppError(
      'INVALID_INPUT',
      `Run ${runId} is a ${run.kind} run; only count runs take ${what} (track runs take corrections).`,
    );
  if (run.status !== 'done')
    throw new AppError('JOB_CONFLICT', `Run ${runId} is ${run.status}; ${what} apply to finished runs.`);
  return run;
}

/** INVALID_INPUT / JOB_CONFLICT / NOT_FOUND unless `instanceId` is an instance of the finished count run `runId`. */
export function checkReviewable(lib: Library, runId: number, instanceId: number): void {
  finishedCountRun(lib, runId, 'verdicts');
  if (!loadCountResult(lib, runId).instances.some((i) => i.id === instanceId))
    throw new AppError('NOT_FOUND', `Run ${runId} has no instance ${instanceId}.`);
}
