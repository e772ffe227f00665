// Types shared by the Count and Track pages' run form and their hooks (declared once, imported by both).
import type { EventPayload } from '../../../../src-main/api/contract.js';

export type RunKind = 'count' | 'track';
/** A `job.progress` event of the job a run form started. */
export type RunProgress = EventPayload<'job.progress'>;

/** What the run form asks for. */
export interface RunRequest {
  query: string;
  recordingId: number;
  start?: number;
  end?: number;
  settings: { windowLength?: number; overlap?: number; maxFrames?: number; maxNewTokens?: number };
}

/** Run an earlier run again on the other model (or the one named): the adapter's run with the base, or the reverse. */
export interface RerunRequest {
  rerunOf: number;
  model: 'base' | 'adapter';
  adapterId?: number;
}
