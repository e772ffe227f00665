// What the API and CLI show of a run: its row, every window's outcome (answer verbatim, malformed ones with the
// reason), and the count result or the corrected tracks with the stitch decisions and the corrections on top.
import type { Library } from '../library/store.js';
import type { ReplayResult } from './corrections.js';
import { correctedTracks } from './run-corrections.js';
import { getRun, type RunRow } from './run-store.js';
import { loadCountResult } from './count-results-store.js';
import { storedWindows, type StoredWindow } from './run-windows-store.js';
import { loadTrackSet } from './track-results-store.js';
import type { CountResult, Track, StitchDecision } from './types.js';
import type { Correction } from './corrections.js';

export interface TrackResult {
  tracks: Track[];
  originalTrackCount: number;
  decisions: StitchDecision[];
  corrections: Correction[];
  skipped: ReplayResult['skipped'];
}

export interface RunResult {
  run: RunRow;
  windows: StoredWindow[];
  count: CountResult | null;
  tracks: TrackResult | null;
}

/** The corrected tracks of a finished track run. */
export function trackResult(lib: Library, runId: number): TrackResult {
  const c = correctedTracks(lib, runId);
  return {
    tracks: c.set.tracks,
    originalTrackCount: loadTrackSet(lib, runId).tracks.length,
    decisions: c.set.decisions,
    corrections: c.corrections,
    skipped: c.skipped,
  };
}

/** A run with its windows and (once done) its result. */
export function runResult(lib: Library, runId: number): RunResult {
  const run = getRun(lib, runId);
  const done = run.status === 'done';
  return {
    run,
    windows: storedWindows(lib, runId),
    count: done && run.kind === 'count' ? loadCountResult(lib, runId) : null,
    tracks: done && run.kind === 'track' ? trackResult(lib, runId) : null,
  };
}
