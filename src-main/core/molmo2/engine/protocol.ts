// Messages between the app and the engine process (structured-clone IPC, so typed arrays pass as-is).
// One request at a time: onnxruntime-node's session.run blocks the engine's thread for the whole generation.
import type { ApiError } from '../../../api/errors.js';
import type { GenerateRequest, GenerateResult } from './runtime.js';
import type { ProviderName } from './providers.js';
import type { Precision } from '../compile/precision.js';
import type { Molmo2VideoPreprocessorConfig } from '../checkpoint/config.js';
import type { RgbImage } from '../preprocess/resize.js';

/**
 * Decoded video frames whose pixels the engine computes itself (preprocess/video.ts videoPixels): uint8 frames are a
 * quarter of the float pixels' bytes, and the patchify loop no longer holds the app's event loop.
 */
export interface VideoFrames {
  frames: RgbImage[];
  cfg: Molmo2VideoPreprocessorConfig;
}

/**
 * A video question's vision runs on frames staged by 'video-frames' messages (a few frames each, so no one message
 * holds the app's event loop to serialise it: 55 MB for a 128-frame window). With `keep`, its features stay in the
 * engine for the next 'generate' with `keptFeatures` instead of crossing to the app and back (≈ 100 MB each way for
 * a 128-frame window of the 4B model). The client sends these in one slot of its queue, so nothing interleaves.
 */
export type VideoVisionParams = {
  cfg: Molmo2VideoPreprocessorConfig;
  nFrames: number;
  pooling: Int32Array;
  k: number;
  keep?: boolean;
};

export interface LoadParams {
  modelDir: string;
  provider: ProviderName;
  cacheDir: string;
  /** Weight precision (default fp32). */
  precision?: Precision;
  /** Profile generate runs to split prefill and decode time (a fresh session per run). */
  profile?: boolean;
  /** A PEFT LoRA adapter folder, run as a branch in the decoder graphs. */
  adapterDir?: string;
  /** Its sha256 as recorded by the host (the engine refuses a different file). */
  adapterSha256?: string;
}

export type EngineRequest =
  | { id: number; op: 'load'; params: LoadParams }
  | { id: number; op: 'vision'; params: { pixels: Float32Array; nCrops: number; pooling: Int32Array; k: number } }
  | { id: number; op: 'video-frames'; params: { frames: RgbImage[]; first: boolean } }
  | { id: number; op: 'video-vision'; params: VideoVisionParams }
  | { id: number; op: 'generate'; params: GenerateParams }
  | { id: number; op: 'stats' };

/** A generation request; with `keptFeatures`, the features are those the last 'video-vision' kept (`features` is empty). */
export type GenerateParams = GenerateRequest & { naive?: boolean; streamEvery?: number; keptFeatures?: boolean };

export interface EngineStats {
  peakRssBytes: number;
  provider: ProviderName | null;
}

export type EngineReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: ApiError }
  | { event: 'ready'; pid: number }
  | { event: 'progress'; stage: string; done: number; total: number }
  | { event: 'tokens'; id: number; tokens: number[] };

export type VisionReply = { features: Float32Array; ms: number };
export type GenerateReply = GenerateResult & { prefillMs?: number };
