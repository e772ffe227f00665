// Splits a long recording into overlapping windows, each sampled with Molmo2's own rule relative to the window,
// and addressable by index so a job can resume at any window.
import { AppError } from '../../api/errors.js';
import { MAX_JOB_WINDOWS } from '../../api/bounds.js';
import { seconds, type Seconds } from '../../api/units.js';
import { DEFAULT_MAX_FPS, DEFAULT_MAX_FRAMES, sampleTimes, type SampleMode } from './sampling.js';

export interface Window {
  index: number;
  /** Recording time (seconds from the first frame). */
  start: Seconds;
  end: Seconds;
  /** Sample times in recording time (window start + Molmo2's times for a clip of end − start seconds). */
  times: Seconds[];
}

export interface WindowOptions {
  /** Window length, seconds; default (maxFrames − 1) / maxFps = 63.5 s. */
  length?: number;
  /** Overlap between consecutive windows, seconds; default 8 s. */
  overlap?: number;
  maxFps?: number;
  maxFrames?: number;
  mode?: SampleMode;
  videoFps?: number;
}

/*
 * Defaults, from Molmo2's budget of 128 frames at ≤ 2 fps (SFT setting):
 * - length 63.5 s = (128 − 1) / 2 is the longest clip the uniform_last_frame rule still samples on the exact 0.5 s
 *   grid (0, 0.5, …, 63.0 plus the end 63.5 = 128 frames). A 64 s window would already exceed (128 − 1)/2 and switch
 *   to linspace(0, 64, 128), i.e. 0.504 s spacing, so frames of neighbouring windows would no longer coincide.
 * - overlap 8 s: an event of duration d ≤ overlap is always wholly inside one window (window k = floor(a / stride)
 *   starts at or before the event start a and ends at ≥ a + overlap). 8 s covers a person crossing a scene or a short
 *   action; it costs length/stride − 1 = 14 % extra frames. The stride 55.5 s is a multiple of 0.5 s, so every
 *   window's grid is the global 2 fps grid and overlapping windows sample the very same instants.
 */
export const DEFAULT_WINDOW_LENGTH = (DEFAULT_MAX_FRAMES - 1) / DEFAULT_MAX_FPS;
export const DEFAULT_WINDOW_OVERLAP = 8;

function params(duration: number, opts: WindowOptions) {
  const maxFps = opts.maxFps ?? DEFAULT_MAX_FPS;
  const maxFrames = opts.maxFrames ?? DEFAULT_MAX_FRAMES;
  const length = opts.length ?? (maxFrames - 1) / maxFps;
  const overlap = opts.overlap ?? DEFAULT_WINDOW_OVERLAP;
  if (!Number.isFinite(duration) || duration < 0)
    throw new AppError('INVALID_INPUT', `duration must be ≥ 0, got ${duration}`);
  if (!(length > 0)) throw new AppError('INVALID_INPUT', `window length must be > 0, got ${length}`);
  if (!(overlap >= 0) || overlap >= length)
    throw new AppError('INVALID_INPUT', `window overlap must be in [0, length), got ${overlap}`);
  const stride = length - overlap;
  const count = duration <= length ? 1 : Math.ceil((duration - length) / stride - 1e-9) + 1;
  // Counted before any window is made: a tiny stride would otherwise plan millions of windows on the event loop.
  if (count > MAX_JOB_WINDOWS) {
    throw new AppError(
      'INVALID_INPUT',
      `${count} windows of ${length} s (overlap ${overlap} s) over ${duration} s is more than ${MAX_JOB_WINDOWS}; use longer windows or a shorter range`,
    );
  }
  return { maxFps, maxFrames, length, stride, count };
}

/** Number of windows a recording of `duration` seconds has under these options. */
export function windowCount(duration: number, opts: WindowOptions = {}): number {
  return params(duration, opts).count;
}

/** The window with this index (0-based), computed on its own so a job can resume anywhere. */
export function windowAt(duration: number, index: number, opts: WindowOptions = {}): Window {
  const p = params(duration, opts);
  if (!Number.isInteger(index) || index < 0 || index >= p.count)
    throw new AppError('INVALID_INPUT', `window index ${index} out of range (0..${p.count - 1})`);
  const start = index * p.stride;
  const end = index === p.count - 1 ? duration : Math.min(duration, start + p.length);
  const rel = sampleTimes(end - start, {
    mode: opts.mode,
    maxFps: p.maxFps,
    maxFrames: p.maxFrames,
    videoFps: opts.videoFps,
  });
  return { index, start: seconds(start), end: seconds(end), times: rel.map((t) => seconds(start + t)) };
}

/** Every window of a recording of `duration` seconds. */
export function windowsFor(duration: number, opts: WindowOptions = {}): Window[] {
  const n = windowCount(duration, opts);
  return Array.from({ length: n }, (_, i) => windowAt(duration, i, opts));
}
