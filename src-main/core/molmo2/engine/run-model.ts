// One model call through the engine: vision on the crops, then in-graph generation, with the timings and
// I/O figures `ask` reports. Prompt building, preprocessing and answer parsing stay with their own modules.
import { AppError, throwIfCancelled } from '../../../api/errors.js';
import type { EngineClient } from './engine-client.js';
import type { GenerateReply, VideoFrames } from './protocol.js';
import type { SamplingOptions } from './runtime.js';

/** What the prompt builder produces (prompt/build.ts ModelInput), or a video prompt whose pixels the engine computes. */
export interface ModelCallInput {
  inputIds: ArrayLike<number>;
  tokenTypeIds: ArrayLike<number>;
  /** The crops' pixels; or, instead, `videoFrames`. */
  pixelValues?: Float32Array;
  /** Video frames preprocessed in the engine process, so the caller's thread only moves their bytes. */
  videoFrames?: VideoFrames;
  nCrops: number;
  pooling: Int32Array;
  poolK: number;
}

export interface DecodeOptions extends SamplingOptions {
  /** Tokens per streamed chunk when streaming (default 16; see EngineClient.generate). */
  streamEvery?: number;
}

export interface ModelCallResult {
  tokens: number[];
  timings: {
    vision: number;
    prefill: number | null;
    decode: number | null;
    generate: number;
    decodeTokensPerSecond: number | null;
  };
  ioBytesPerToken: number;
  ioBytesPrompt: number;
  peakMemoryBytes: number;
  provider: string | null;
}

/** Drops pooling rows that are all −1 (HF drops their features too; modeling_molmo2.py:472). */
export function dropEmptyPoolingRows(pooling: Int32Array, k: number): Int32Array {
  const keep: number[] = [];
  for (let r = 0; r < pooling.length / k; r++) {
    const row = pooling.subarray(r * k, (r + 1) * k);
    if (row.some((v) => v >= 0)) keep.push(...row);
  }
  return keep.length === pooling.length ? pooling : Int32Array.from(keep);
}

function pixelsOf(input: ModelCallInput): Float32Array {
  if (!input.pixelValues)
    throw new AppError('INTERNAL', 'a model input with crops has neither pixelValues nor videoFrames');
  return input.pixelValues;
}

/** Vision then generation: for video frames in one engine call (the features stay there), else features via the app. */
async function visionAndGenerate(
  engine: EngineClient,
  input: ModelCallInput,
  dec: DecodeOptions,
  signal?: AbortSignal,
  onTokens?: (tokens: number[]) => void,
): Promise<GenerateReply & { visionMs: number }> {
  const req = { ids: Array.from(input.inputIds), types: Array.from(input.tokenTypeIds), ...dec };
  if (input.nCrops === 0)
    return { ...(await engine.generate({ ...req, features: new Float32Array(0) }, signal, onTokens)), visionMs: 0 };
  const pooling = dropEmptyPoolingRows(input.pooling, input.poolK);
  if (input.videoFrames) return engine.videoGenerate(input.videoFrames, pooling, input.poolK, req, signal, onTokens);
  const v = await engine.vision(pixelsOf(input), input.nCrops, pooling, input.poolK, signal);
  throwIfCancelled(signal);
  return { ...(await engine.generate({ ...req, features: v.features }, signal, onTokens)), visionMs: v.ms };
}

/** Runs vision (when there are crops) and generation; returns tokens plus timings and I/O figures. `onTokens` streams. */
export async function runModel(
  engine: EngineClient,
  input: ModelCallInput,
  dec: DecodeOptions,
  signal?: AbortSignal,
  onTokens?: (tokens: number[]) => void,
): Promise<ModelCallResult> {
  const g = await visionAndGenerate(engine, input, dec, signal, onTokens);
  const stats = await engine.stats();
  const decode = g.decodeMs ?? null;
  return {
    tokens: g.tokens,
    timings: {
      vision: g.visionMs,
      prefill: g.prefillMs ?? null,
      decode,
      generate: g.ms,
      decodeTokensPerSecond: decode && decode > 0 ? (g.tokens.length / decode) * 1000 : null,
    },
    ioBytesPerToken: g.ioBytesPerToken,
    ioBytesPrompt: g.ioBytesPrompt,
    peakMemoryBytes: stats.peakRssBytes,
    provider: stats.provider,
  };
}
