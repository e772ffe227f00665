// The library's MediaSource over the media service (src-main/core/media): probe, windows, Molmo2 sample times.
// Import rejects files the media layer cannot fully decode, with the media error code as the reason.
import { AppError } from '../../api/errors.js';
import { seconds, type Seconds } from '../../api/units.js';
import {
  DEFAULT_MAX_FPS,
  DEFAULT_MAX_FRAMES,
  DEFAULT_WINDOW_LENGTH,
  DEFAULT_WINDOW_OVERLAP,
  sampleTimes,
  windowsFor as mediaWindowsFor,
  type MediaService,
  type WindowOptions,
} from '../media/index.js';
import type { MediaSource, ProbeInfo, WindowSpan } from './media-source.js';

export { DEFAULT_WINDOW_LENGTH, DEFAULT_WINDOW_OVERLAP };

/** Probes one file through the media service; a truncated file is rejected with TRUNCATED (decodable part named). */
export async function probeFile(media: MediaService, path: string, signal: AbortSignal): Promise<ProbeInfo> {
  const p = await media.probe(path, { signal });
  if (p.truncated) {
    throw new AppError(
      'TRUNCATED',
      `${path} is truncated: only ${p.duration.toFixed(1)} s of the ${Number(p.claimedDuration).toFixed(1)} s its header claims decode.`,
    );
  }
  return {
    duration: p.duration,
    width: p.width,
    height: p.height,
    fps: p.fps || null,
    codec: p.codec ?? null,
    recordedAt: p.creationTime,
    raw: p,
  };
}

/** Windows over a recording with the media layer's rule (Molmo2 sample grid shared by overlapping windows). */
export function windowsFor(duration: Seconds, opts: Pick<WindowOptions, 'length' | 'overlap'>): WindowSpan[] {
  return mediaWindowsFor(duration, { length: opts.length, overlap: opts.overlap }).map((w) => ({
    index: w.index,
    start: w.start,
    end: w.end,
  }));
}

/** Molmo2's uniform_last_frame times inside one window, in recording time. */
export function windowSampleTimes(w: WindowSpan, opts: { fps?: number; maxFrames?: number } = {}): Seconds[] {
  const rel = sampleTimes(w.end - w.start, {
    maxFps: opts.fps ?? DEFAULT_MAX_FPS,
    maxFrames: opts.maxFrames ?? DEFAULT_MAX_FRAMES,
  });
  return rel.map((t) => seconds(w.start + t));
}

/** The MediaSource the library uses, over a media service (the core context's). */
export function mediaSourceOver(media: MediaService): MediaSource {
  return { probe: (path, signal) => probeFile(media, path, signal), windowsFor, windowSampleTimes };
}
