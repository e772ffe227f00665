// Corrections of a stored track run: each edit is a row of `corrections` on top of the model's track set, which is
// never rewritten; the corrected view is a replay, and undo deletes one row and replays the rest.
import { AppError } from '../../api/errors.js';
import type { Library } from '../library/store.js';
import {
  correctionFromRow,
  makeCorrection,
  replayCorrections,
  type Correction,
  type Edit,
  type ReplayResult,
} from './corrections.js';
import { getRun } from './run-store.js';
import { loadTrackSet } from './track-results-store.js';
import { correctionRows, deleteCorrection, insertCorrection, setCorrectionPayload } from './corrections-store.js';

/** The corrections stored for a run, in id order. */
export function listCorrections(lib: Library, runId: number): Correction[] {
  return correctionRows(lib.db, runId).map(correctionFromRow);
}

/** The run's model track set with its corrections replayed (and which applied or were skipped). */
export function correctedTracks(lib: Library, runId: number): ReplayResult & { corrections: Correction[] } {
  const corrections = listCorrections(lib, runId);
  return { ...replayCorrections(loadTrackSet(lib, runId), corrections), corrections };
}

function trackRun(lib: Library, runId: number) {
  const run = getRun(lib, runId);
  if (run.kind !== 'track')
    throw new AppError('INVALID_INPUT', `Run ${runId} is a ${run.kind} run; only track runs take corrections.`);
  if (run.status !== 'done')
    throw new AppError('JOB_CONFLICT', `Run ${runId} is ${run.status}; corrections apply to finished runs.`);
  return run;
}

/** Validates an edit against the corrected set and stores it as a correction; returns it. */
export function addCorrection(lib: Library, runId: number, edit: Edit): Correction {
  trackRun(lib, runId);
  return lib.db
    .transaction(() => {
      const cur = correctedTracks(lib, runId);
      const createdAt = new Date().toISOString();
      // The row id is taken first so the correction's id (its replay order) is the row's.
      const id = insertCorrection(lib.db, runId, edit.kind, createdAt);
      const c = makeCorrection(cur.set, edit, { id, createdAt }, cur.corrections);
      setCorrectionPayload(lib.db, id, c.payload);
      return c;
    })
    .immediate();
}

/** Undoes one correction of a run (deletes its row); NOT_FOUND if the run has no such correction. */
export function undoCorrection(lib: Library, runId: number, correctionId: number): void {
  trackRun(lib, runId);
  if (!deleteCorrection(lib.db, runId, correctionId))
    throw new AppError('NOT_FOUND', `Run ${runId} has no correction ${correctionId}.`);
}
