// Public face of the media area: probing, Molmo2 frame sampling, frame decoding, windows and thumbnails.
// Other areas import from here only.
export { resolveFfmpeg, ffmpegVersion, type FfmpegBinaries } from './ffmpeg-resolve.js';
export { probe, probeCached, probeStrict, type ProbeResult, type ProbeOptions } from './probe.js';
export { sampleTimes, candidateTargetFps, DEFAULT_MAX_FPS, DEFAULT_MAX_FRAMES, type SampleMode, type SampleOptions } from './sampling.js';
export { decodeFrames, displayedIndex, DECODE_THREADS, type DecodedFrame, type DecodeOptions } from './decode.js';
export { windowsFor, windowAt, windowCount, DEFAULT_WINDOW_LENGTH, DEFAULT_WINDOW_OVERLAP, type Window, type WindowOptions } from './windows.js';
export { thumbnail, type ThumbnailOptions } from './thumbnail.js';
export { createLimiter, type Limiter } from './limiter.js';
export { detectHwaccel } from './hwaccel.js';
export { liveChildPids } from './process.js';
