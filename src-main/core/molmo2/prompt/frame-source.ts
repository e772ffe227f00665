// Video frames for Molmo2 prompts, through the media service: probe, Molmo2 sample times, displayed-frame decoding.
// The only place the prompt code touches video files; the checkpoint's video config supplies fps/frame limits.
import { AppError } from '../../../api/errors.js';
import { sampleTimes as mediaSampleTimes, type MediaService, type ProbeResult } from '../../media/index.js';
import { resizeBilinearU8, type RgbImage } from '../preprocess/resize.js';
import { at } from '../../../api/at.js';

export interface VideoProbe {
  duration: number;
  width: number;
  height: number;
  fps: number;
}
export type TimedFrame = RgbImage & { time: number };
type VideoCfg = {
  num_frames: number;
  max_fps: number;
  frame_sample_mode: string;
  sampling_fps?: number;
  size?: { height: number; width: number };
};

/** Molmo2's sample times for a video of `duration` seconds under the checkpoint's video config (`fps` mode needs videoFps). */
export function checkpointSampleTimes(
  duration: number,
  cfg: VideoCfg,
  numFrames = cfg.num_frames,
  videoFps?: number,
): number[] {
  if (cfg.frame_sample_mode !== 'uniform_last_frame' && cfg.frame_sample_mode !== 'fps') {
    throw new AppError('MODEL_UNSUPPORTED', `frame_sample_mode "${cfg.frame_sample_mode}" is not supported`);
  }
  if (!(duration > 0) || !Number.isFinite(duration))
    throw new AppError('INVALID_INPUT', `video duration ${duration} is not positive`);
  const mode = cfg.frame_sample_mode as 'uniform_last_frame' | 'fps';
  return mediaSampleTimes(duration, {
    mode,
    maxFps: cfg.max_fps,
    maxFrames: numFrames,
    videoFps,
    samplingFps: cfg.sampling_fps ?? 2,
  }).map(Number);
}

/** Probes duration, display size (after rotation) and frame rate of the first video stream. */
export async function probeVideo(
  media: MediaService,
  file: string,
  signal?: AbortSignal,
): Promise<VideoProbe & { probe: ProbeResult }> {
  const p = await media.probeCached(file, { signal });
  return { duration: p.duration, width: p.width, height: p.height, fps: p.fps, probe: p };
}

/**
 * Decodes the frame displayed at each requested time, at native size after rotation, or — with `size` — already
 * resized to the model's frame size as each frame arrives. Molmo2 squashes every video frame to that size with the
 * same resize the preprocessor applies (which then leaves a frame of that size as it is), so the result is the same,
 * but only resized frames are held: a 128-frame window is 55 MB at 378×378 instead of 0.8 GB of 1080p (3.2 GB of 4K).
 */
export async function decodeTimes(
  media: MediaService,
  file: string,
  times: number[],
  probe: ProbeResult,
  signal?: AbortSignal,
  size?: { height: number; width: number },
): Promise<TimedFrame[]> {
  const out: TimedFrame[] = new Array(times.length);
  for await (const f of media.decodeFrames(file, times, { signal, probe })) {
    const time = at(times, f.index, 'requested frame time');
    out[f.index] = size
      ? { time, width: size.width, height: size.height, rgb: resizeBilinearU8(f, size.width, size.height) }
      : { time, width: f.width, height: f.height, rgb: f.rgb };
  }
  return out;
}

/** Probes a video, samples Molmo2's frame times (optionally only inside [start, end]) and decodes those frames. */
export async function loadVideoFrames(
  media: MediaService,
  file: string,
  cfg: VideoCfg,
  opts: { numFrames?: number; signal?: AbortSignal; times?: number[] } = {},
): Promise<{ probe: VideoProbe; frames: TimedFrame[] }> {
  const p = await probeVideo(media, file, opts.signal);
  const times = opts.times ?? checkpointSampleTimes(p.duration, cfg, opts.numFrames, p.fps);
  return { probe: p, frames: await decodeTimes(media, file, times, p.probe, opts.signal, cfg.size) };
}
