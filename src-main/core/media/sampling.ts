// Molmo2's frame-sampling rule (reference §3.1; allenai/molmo2 olmo/hf_model/video_processing_molmo2.py:597-654
// `sample_times` and :198-236 `get_candidate_target_fps`), reproduced in float64 exactly as numpy computes it.
import { AppError } from '../../api/errors.js';
import { seconds, type Seconds } from '../../api/units.js';

export type SampleMode = 'uniform_last_frame' | 'fps';

export interface SampleOptions {
  mode?: SampleMode;
  /** uniform_last_frame: at most this many frames per second (released: 2). null = always linspace. */
  maxFps?: number | null;
  /** Frame cap (issue default 128 = SFT; the released processor config says 384). */
  maxFrames?: number;
  /** fps mode only: the video's own frame rate (int() of it must be divisible by samplingFps). */
  videoFps?: number;
  /** fps mode only: base sampling rate (released: 2). */
  samplingFps?: number;
  /** fps mode only: highest candidate rate (the reference's MAX_VIDEO_FPS = 8). */
  fpsModeCap?: number;
}

export const DEFAULT_MAX_FPS = 2;
export const DEFAULT_MAX_FRAMES = 128;

/** numpy.arange(0, stop, step) for float64: ceil(stop/step) values i*step. */
function arange(stop: number, step: number): number[] {
  const n = Math.max(0, Math.ceil(stop / step));
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(i * step);
  return out;
}

/** numpy.linspace(0, stop, num, endpoint=True): i*(stop/(num-1)), last value exactly stop. */
function linspace(stop: number, num: number): number[] {
  if (num <= 0) return [];
  if (num === 1) return [0];
  const step = stop / (num - 1);
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(i * step);
  out[num - 1] = stop;
  return out;
}

/** Candidate target rates for fps mode: multiples of samplingFps that divide int(videoFps), up to cap. */
export function candidateTargetFps(videoFps: number, samplingFps: number, cap = 8): number[] {
  const vf = Math.trunc(videoFps);
  const sf = Math.trunc(samplingFps);
  const mx = Math.trunc(cap);
  if (vf <= 0 || sf <= 0)
    throw new AppError(
      'INVALID_INPUT',
      `video fps and sampling fps must be positive (got ${videoFps}, ${samplingFps})`,
    );
  if (vf % sf !== 0)
    throw new AppError(
      'INVALID_INPUT',
      `fps sampling needs sampling fps ${sf} to divide the video's integer fps ${vf} (as the Molmo2 reference requires)`,
    );
  const out: number[] = [];
  for (let c = sf; c <= vf; c += sf) {
    if (c > mx) break;
    if (vf % c === 0) out.push(c);
  }
  return out;
}

/** Molmo2's sample times (seconds from the first frame) for a video of `duration` seconds. */
export function sampleTimes(duration: number, opts: SampleOptions = {}): Seconds[] {
  const mode = opts.mode ?? 'uniform_last_frame';
  const maxFrames = opts.maxFrames ?? DEFAULT_MAX_FRAMES;
  if (!Number.isFinite(duration) || duration < 0)
    throw new AppError('INVALID_INPUT', `duration must be a finite number ≥ 0, got ${duration}`);
  if (!Number.isInteger(maxFrames) || maxFrames < 1)
    throw new AppError('INVALID_INPUT', `maxFrames must be a positive integer, got ${maxFrames}`);
  if (mode === 'fps') {
    if (opts.videoFps === undefined) throw new AppError('INVALID_INPUT', 'fps sampling needs the video fps');
    const cands = candidateTargetFps(opts.videoFps, opts.samplingFps ?? 2, opts.fpsModeCap ?? 8);
    const [first, ...higher] = cands;
    if (first === undefined)
      throw new AppError('INVALID_INPUT', `no fps-mode candidate rate for video fps ${opts.videoFps}`);
    // Take ever higher rates while maxFrames of them still span the video.
    let target = first;
    for (const c of higher) {
      if (maxFrames / c < duration) break;
      target = c;
    }
    const out: Seconds[] = [];
    for (let k = 0; k < maxFrames; k++) {
      const t = k / target;
      if (t < duration) out.push(seconds(t));
    }
    return out;
  }
  if (mode !== 'uniform_last_frame') throw new AppError('INVALID_INPUT', `unknown sampling mode "${String(mode)}"`);
  const maxFps = opts.maxFps === undefined ? DEFAULT_MAX_FPS : opts.maxFps;
  if (maxFps === null) return linspace(duration, maxFrames).map(seconds);
  if (!(maxFps > 0)) throw new AppError('INVALID_INPUT', `maxFps must be > 0, got ${maxFps}`);
  const maxDuration = (maxFrames - 1) / maxFps; // -1 keeps room for the forced last frame
  if (maxDuration < duration) return linspace(duration, maxFrames).map(seconds);
  const times = arange(duration, 1 / maxFps);
  times.push(duration);
  return times.map(seconds);
}
