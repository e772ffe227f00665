// What the library needs from the media layer: probe a file, cut a duration into windows, pick sample times.
// media-adapter.ts implements it over the core context's media service; tests may pass another source. Windows are
// the media layer's own type (src-main/core/media/windows.ts), without their sample times.
import type { Seconds } from '../../api/units.js';
import type { Window, WindowOptions } from '../media/index.js';

/** What a probe of a playable video tells the library (a projection of the media layer's ProbeResult). */
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

/** One indexing window of a recording: the media layer's Window without its sample times. */
export type WindowSpan = Pick<Window, 'index' | 'start' | 'end'>;

export interface MediaSource {
  /** Probes a file; a bad file throws AppError with NOT_A_VIDEO, NO_VIDEO_STREAM, TRUNCATED, UNREADABLE, … */
  probe(path: string, signal: AbortSignal): Promise<ProbeInfo>;
  /** Windows covering [0, duration) with the given length and overlap; deterministic. */
  windowsFor(duration: Seconds, opts: Pick<WindowOptions, 'length' | 'overlap'>): WindowSpan[];
  /** The frame times the model samples inside one window, in recording time; deterministic. */
  windowSampleTimes(window: WindowSpan, opts?: { fps?: number; maxFrames?: number }): Seconds[];
}
