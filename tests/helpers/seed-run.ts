// Test helper: a finished count or track run whose windows hold the given Molmo2 answer strings, stored exactly as the
// job stores them (parsed by the answer adapters, then de-duplicated or stitched), without running a model.
import { finishRun, queueAnalyticsJob, recordWindowAnswer } from '../../src-main/core/analytics/run-jobs.js';
import { planWindows, type PlannedWindow, type RunSettings } from '../../src-main/core/analytics/run-plan.js';
import type { RunKind } from '../../src-main/core/analytics/run-store.js';
import type { Library } from '../../src-main/core/library/store.js';

/** What seedRun stores: `end` also ends the run's scope when given (else the whole recording, planned over 4 s). */
export interface SeedRunOptions {
  query: string;
  recordingId: number;
  settings: RunSettings;
  end?: number;
  /** The recording's frame rate the windows are planned at; default 10 (the generated clips). */
  fps?: number;
  answer: (w: PlannedWindow) => string;
}

/** Queues a run of `kind` over recording `recordingId` (0–`end` s), answers every window, finishes it. */
export function seedRun(lib: Library, kind: RunKind, o: SeedRunOptions): number {
  const run = queueAnalyticsJob(lib, kind, {
    query: o.query,
    scope: o.end === undefined ? { recordingId: o.recordingId } : { recordingId: o.recordingId, start: 0, end: o.end },
    settings: o.settings,
  }).runs[0];
  if (!run) throw new Error(`no ${kind} run was queued`);
  for (const w of planWindows(kind, { start: 0, end: o.end ?? 4 }, o.fps ?? 10, o.settings))
    recordWindowAnswer(lib, run.id, w, o.answer(w));
  finishRun(lib, run.id);
  return run.id;
}
