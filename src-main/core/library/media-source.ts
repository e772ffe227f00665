// What the library needs from the media layer: probe a file, cut a duration into windows, pick sample times.
// media-adapter.ts implements it over src-main/core/media; tests may pass another source.
import type { Seconds } from '../../api/units.js';

/** What a probe of a playable video tells the library. */
export interface ProbeInfo {
  duration: Seconds;
  width: number;
  height: number;
  fps: number | null;
  codec: string | null;
  /** Creation time from the container tags (ISO 8601), if any. */
  recordedAt: string | null;
  /** The raw probe document, stored as probe_json. */
  raw: unknown;
}

/** One indexing window of a recording. */
export interface WindowSpan {
  index: number;
  start: Seconds;
  end: Seconds;
}

export interface WindowOptions {
  length: Seconds;
  overlap: Seconds;
}

export interface MediaSource {
  /** Probes a file; a bad file throws AppError with NOT_A_VIDEO, NO_VIDEO_STREAM, TRUNCATED, UNREADABLE, … */
  probe(path: string, signal: AbortSignal): Promise<ProbeInfo>;
  /** Windows covering [0, duration) with the given length and overlap; deterministic. */
  windowsFor(duration: Seconds, opts: WindowOptions): WindowSpan[];
  /** The frame times the model samples inside one window; deterministic. */
  sampleTimes(window: WindowSpan, opts?: { fps?: number; maxFrames?: number }): Seconds[];
}
