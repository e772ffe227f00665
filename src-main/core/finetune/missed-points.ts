// Points the user adds to a finished count run where the model missed an instance: moved onto the nearest sampled
// frame of the run's answered windows, bounded per run, removable; the dataset build adds them to the count targets.
import { MAX_ADDED_POINTS_PER_RUN } from '../../api/bounds.js';
import { AppError } from '../../api/errors.js';
import { nearestSampleTime } from '../../api/sample-grid.js';
import { getRun } from '../analytics/run-store.js';
import { storedWindows } from '../analytics/run-windows-store.js';
import type { Library } from '../library/store.js';
import { deleteAddedPoint, insertAddedPoint, listAddedPoints } from './count-added-points-store.js';
import { finishedCountRun } from './reviews.js';
import type { AddedPoint } from './types.js';

export interface MissedPointRequest {
  runId: number;
  /** Recording seconds the user pointed at (the player's time); stored on the nearest sampled frame. */
  t: number;
  mx: number;
  my: number;
}

/** Closer than this (0–1000 units) on the same frame, a second point is the same instance pointed at twice. */
const SAME_POINT = 1;

/** Adds a missed instance to a finished count run, on the sampled frame nearest `t` (the answer says which). */
export function addMissedPoint(lib: Library, req: MissedPointRequest): { point: AddedPoint; requestedT: number } {
  const run = finishedCountRun(lib, req.runId, 'added points');
  if (!(req.t >= run.start && req.t <= run.end))
    throw new AppError('INVALID_INPUT', `${req.t} s is outside run ${run.id}'s window ${run.start}–${run.end} s.`);
  const t = nearestSampleTime(storedWindows(lib, run.id), req.t);
  if (t === null)
    throw new AppError(
      'INVALID_INPUT',
      `No answered window of run ${run.id} covers ${req.t} s (the model's answer there was malformed or failed).`,
    );
  const same = listAddedPoints(lib, run.id).find(
    (p) => p.t === t && Math.abs(p.mx - req.mx) < SAME_POINT && Math.abs(p.my - req.my) < SAME_POINT,
  );
  if (same) throw new AppError('INVALID_INPUT', `Added point #${same.id} is already there (at ${t} s).`);
  const point = insertAddedPoint(lib, { runId: run.id, t, mx: req.mx, my: req.my }, MAX_ADDED_POINTS_PER_RUN);
  if (!point)
    throw new AppError(
      'LIMIT_REACHED',
      `Run ${run.id} already has ${MAX_ADDED_POINTS_PER_RUN} added points, the most one run takes; remove some first.`,
    );
  return { point, requestedT: req.t };
}

/** Removes an added point of a run: NOT_FOUND when the run or that point of it does not exist. */
export function removeMissedPoint(lib: Library, runId: number, pointId: number): void {
  getRun(lib, runId);
  if (!deleteAddedPoint(lib, runId, pointId))
    throw new AppError('NOT_FOUND', `Run ${runId} has no added point ${pointId}.`);
}

/** The points added to a run (NOT_FOUND when there is no such run). */
export function missedPoints(lib: Library, runId: number): AddedPoint[] {
  getRun(lib, runId);
  return listAddedPoints(lib, runId);
}
