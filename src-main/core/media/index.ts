// Public face of the media area: the media service (probing, frame decoding, thumbnails, with their caches), and the
// pure helpers (Molmo2 frame sampling, windows). Other areas import from here only.
export { createMediaService, type MediaService, type MediaServiceOptions } from './service.js';
export { resolveFfmpeg, ffmpegVersion, type FfmpegBinaries } from './ffmpeg-resolve.js';
export { statMedia, type ProbeResult, type ProbeOptions } from './probe.js';
export {
  sampleTimes,
  candidateTargetFps,
  DEFAULT_MAX_FPS,
  DEFAULT_MAX_FRAMES,
  type SampleMode,
  type SampleOptions,
} from './sampling.js';
export { displayedIndex, type DecodedFrame, type FrameDecodeOptions, type SkipStats } from './decode.js';
export { DECODE_THREADS } from './ffmpeg-pipeline.js';
export {
  windowsFor,
  windowAt,
  windowCount,
  DEFAULT_WINDOW_LENGTH,
  DEFAULT_WINDOW_OVERLAP,
  type Window,
  type WindowOptions,
} from './windows.js';
export { type ThumbnailOptions } from './thumbnail.js';
export { createLimiter, type Limiter } from './limiter.js';
export { writePngs } from './png-writer.js';
