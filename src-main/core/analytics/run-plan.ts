// Which windows a count or track run looks at, and which frame times each shows the model: counting uses Molmo2's
// uniform_last_frame rule per window (as indexing), tracking its `fps` rule (the tracking evals' sampler).
import { AppError, throwIfCancelled } from '../../api/errors.js';
import {
  MAX_FRAMES,
  MAX_NEW_TOKENS,
  MAX_SAMPLE_FPS,
  MAX_WINDOW_SECONDS,
  MIN_WINDOW_SECONDS,
} from '../../api/bounds.js';
import { seconds, type Seconds } from '../../api/units.js';
import { setImmediate } from 'node:timers/promises';
import {
  DEFAULT_MAX_FPS,
  DEFAULT_MAX_FRAMES,
  DEFAULT_WINDOW_LENGTH,
  DEFAULT_WINDOW_OVERLAP,
  sampleTimes,
  windowAt,
  windowCount,
  type WindowOptions,
} from '../media/index.js';
import type { RunKind } from './run-store.js';

/** Window and decoding settings of a count/track job (all optional; defaults below). */
export interface RunSettings {
  /** Window length and overlap, seconds (default: the media layer's 63.5 s and 8 s). */
  windowLength?: number;
  overlap?: number;
  /** Frames per window at most (default 128, Molmo2's SFT budget). */
  maxFrames?: number;
  /** Counting: at most this many frames per second (default 2). */
  maxFps?: number;
  /** Generation budget per window (default: Molmo2's eval budgets, 2048 for pointing/counting, 4096 for tracking). */
  maxNewTokens?: number;
}

export interface PlannedWindow {
  index: number;
  start: Seconds;
  end: Seconds;
  /** Frame times in recording time. */
  times: Seconds[];
  /** Tracking: the frame rate the model is told (the fps rule's target rate). */
  fps?: number;
}

/** Molmo2's generation budgets (reference §6): video pointing/counting evals 2048, anything with "track" 4096. */
export const DEFAULT_MAX_NEW_TOKENS: Record<RunKind, number> = { count: 2048, track: 4096 };

/** Tracking sample rate: the reference's base sampling_fps. */
const TRACK_SAMPLING_FPS = 2;

/**
 * Relative frame times of one tracking window with Molmo2's fps rule. The reference refuses a video whose integer
 * fps is not a multiple of sampling_fps (25 fps PAL footage is common); such a video is sampled at sampling_fps on
 * the k/2 s grid — exactly what the rule would produce at its lowest candidate rate — instead of being refused.
 */
export function trackTimes(
  duration: number,
  videoFps: number | null,
  maxFrames: number,
): { times: Seconds[]; fps: number } {
  if (videoFps && Math.trunc(videoFps) % TRACK_SAMPLING_FPS === 0) {
    const times = sampleTimes(duration, { mode: 'fps', videoFps, maxFrames, samplingFps: TRACK_SAMPLING_FPS });
    const [t0, t1] = times;
    const fps = t0 !== undefined && t1 !== undefined ? Math.round(1 / (t1 - t0)) : TRACK_SAMPLING_FPS;
    return { times, fps };
  }
  const times: Seconds[] = [];
  for (let k = 0; k < maxFrames && k / TRACK_SAMPLING_FPS < duration; k++) times.push(seconds(k / TRACK_SAMPLING_FPS));
  if (times.length === 0) times.push(seconds(0));
  return { times, fps: TRACK_SAMPLING_FPS };
}

/** Checks settings and the run's range; INVALID_INPUT with the reason when they cannot work. */
export function checkSettings(s: RunSettings): void {
  const bad = (k: keyof RunSettings, ok: (v: number) => boolean, what: string) => {
    const v = s[k];
    if (v !== undefined && !(Number.isFinite(v) && ok(v)))
      throw new AppError('INVALID_INPUT', `${k} must be ${what}, got ${v}`);
  };
  bad(
    'windowLength',
    (v) => v >= MIN_WINDOW_SECONDS && v <= MAX_WINDOW_SECONDS,
    `${MIN_WINDOW_SECONDS}..${MAX_WINDOW_SECONDS} s`,
  );
  bad(
    'overlap',
    (v) => v >= 0 && v <= (s.windowLength ?? DEFAULT_WINDOW_LENGTH) / 2,
    '≥ 0 and at most half the window',
  );
  bad('maxFrames', (v) => Number.isInteger(v) && v >= 1 && v <= MAX_FRAMES, `an integer in 1..${MAX_FRAMES}`);
  bad('maxFps', (v) => v > 0 && v <= MAX_SAMPLE_FPS, `> 0 and at most ${MAX_SAMPLE_FPS}`);
  bad(
    'maxNewTokens',
    (v) => Number.isInteger(v) && v >= 1 && v <= MAX_NEW_TOKENS,
    `an integer in 1..${MAX_NEW_TOKENS}`,
  );
}

/**
 * How many windows a run over [start, end) has, counted without planning them (a week of footage is ~11,000 windows
 * of sample times); for tracking, the longest window is checked against the frame budget as planning would.
 */
export function countWindows(
  kind: RunKind,
  range: { start: number; end: number },
  videoFps: number | null,
  s: RunSettings,
): number {
  checkSettings(s);
  const span = range.end - range.start;
  if (!(span > 0)) throw new AppError('INVALID_INPUT', `the time range ${range.start}–${range.end} s is empty`);
  const length = s.windowLength ?? DEFAULT_WINDOW_LENGTH;
  const maxFrames = s.maxFrames ?? DEFAULT_MAX_FRAMES;
  const n = windowCount(span, {
    length,
    overlap: s.overlap ?? DEFAULT_WINDOW_OVERLAP,
    maxFps: s.maxFps ?? DEFAULT_MAX_FPS,
    maxFrames,
  });
  if (kind === 'track') checkTrackWindow(Math.min(span, length), videoFps, maxFrames);
  return n;
}

function checkTrackWindow(duration: number, videoFps: number | null, maxFrames: number): ReturnType<typeof trackTimes> {
  const tr = trackTimes(duration, videoFps, maxFrames);
  if (duration > maxFrames / tr.fps + 1e-9) {
    throw new AppError(
      'INVALID_INPUT',
      `a ${duration.toFixed(1)} s tracking window needs more than ${maxFrames} frames at ${tr.fps} fps; shorten the window or raise maxFrames`,
    );
  }
  return tr;
}

/** The windows of a run over [start, end) of a recording, each with the times its kind samples. */
export function planWindows(
  kind: RunKind,
  range: { start: number; end: number },
  videoFps: number | null,
  s: RunSettings,
): PlannedWindow[] {
  const p = planParams(range, s);
  return Array.from({ length: p.count }, (_, i) => planWindow(kind, range, videoFps, p, i));
}

/** Longest stretch of planning between two turns of the event loop, ms (the bound is 50 ms per slice). */
const PLAN_SLICE_MS = 10;

/**
 * planWindows without holding the event loop: a week of footage is ~11,000 windows of 128 sample times (110–320 ms
 * in one go on a loaded 2-core machine), so it is planned in slices of ≤ PLAN_SLICE_MS with a turn of the loop
 * between them. The result is planWindows' own.
 */
export async function planWindowsSliced(
  kind: RunKind,
  range: { start: number; end: number },
  videoFps: number | null,
  s: RunSettings,
  signal?: AbortSignal,
): Promise<PlannedWindow[]> {
  const p = planParams(range, s);
  const out: PlannedWindow[] = [];
  let sliceStart = performance.now();
  for (let i = 0; i < p.count; i++) {
    out.push(planWindow(kind, range, videoFps, p, i));
    if (performance.now() - sliceStart >= PLAN_SLICE_MS) {
      await setImmediate();
      throwIfCancelled(signal);
      sliceStart = performance.now();
    }
  }
  return out;
}

interface PlanParams {
  span: number;
  maxFrames: number;
  count: number;
  opts: WindowOptions;
}

function planParams(range: { start: number; end: number }, s: RunSettings): PlanParams {
  checkSettings(s);
  const span = range.end - range.start;
  if (!(span > 0)) throw new AppError('INVALID_INPUT', `the time range ${range.start}–${range.end} s is empty`);
  const maxFrames = s.maxFrames ?? DEFAULT_MAX_FRAMES;
  const opts: WindowOptions = {
    length: s.windowLength ?? DEFAULT_WINDOW_LENGTH,
    overlap: s.overlap ?? DEFAULT_WINDOW_OVERLAP,
    maxFps: s.maxFps ?? DEFAULT_MAX_FPS,
    maxFrames,
  };
  return { span, maxFrames, count: windowCount(span, opts), opts };
}

function planWindow(
  kind: RunKind,
  range: { start: number; end: number },
  videoFps: number | null,
  p: PlanParams,
  index: number,
): PlannedWindow {
  const w = windowAt(p.span, index, p.opts);
  const start = range.start + w.start;
  const end = range.start + w.end;
  if (kind === 'count')
    return {
      index: w.index,
      start: seconds(start),
      end: seconds(end),
      times: w.times.map((t) => seconds(range.start + t)),
    };
  const tr = checkTrackWindow(end - start, videoFps, p.maxFrames);
  return {
    index: w.index,
    start: seconds(start),
    end: seconds(end),
    times: tr.times.map((t) => seconds(start + t)),
    fps: tr.fps,
  };
}
