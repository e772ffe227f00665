// Video frames → Molmo2 inputs: each frame stretched to 378², patchified, pooled 3×3 (81 tokens per frame).
// Follows video_processing_molmo2.py:157-195, 928-947; frame k's patch ids are offset by k·729.
import { AppError, throwIfCancelled } from '../../../api/errors.js';
import type { Molmo2VideoPreprocessorConfig } from '../checkpoint/config.js';
import { resizeBilinearU8, type RgbImage } from './resize.js';
import { normLut, patchifyCrop } from './patchify.js';
import { arangeForPooling, identityGrid } from './tiling.js';

export interface VideoInputs {
  pixelValues: Float32Array;
  nFrames: number;
  /** [nFrames·h·w, k] patch ids into pixelValues (frame·P² + patch), −1 = padding. */
  pooling: Int32Array;
  poolK: number;
  /** (nFrames, h, w) in pooled tokens. */
  grid: [number, number, number];
}

/** Pooled tokens per frame (h, w) for a video preprocessor config. */
export function frameTokenGrid(cfg: Molmo2VideoPreprocessorConfig): [number, number] {
  const P = cfg.size.height / cfg.patch_size,
    Q = cfg.size.width / cfg.patch_size;
  return [Math.ceil(P / cfg.pooling_size[0]), Math.ceil(Q / cfg.pooling_size[1])];
}

/** The pooling table of `nFrames` frames: [nFrames·h·w, k] patch ids (frame k's offset by k·P²), and the token grid. */
export function videoPooling(
  nFrames: number,
  cfg: Molmo2VideoPreprocessorConfig,
): Pick<VideoInputs, 'pooling' | 'poolK' | 'grid'> {
  checkVideoConfig(nFrames, cfg);
  const P = cfg.size.height / cfg.patch_size,
    P2 = P * P;
  const [ph, pw] = cfg.pooling_size;
  const one = arangeForPooling(identityGrid(P), P, P, ph, pw);
  const per = one.idx.length;
  const pooling = new Int32Array(per * nFrames);
  for (let k = 0; k < nFrames; k++) {
    const off = k * P2;
    for (let i = 0; i < per; i++) {
      const v = one.idx[i] ?? -1;
      pooling[k * per + i] = v < 0 ? -1 : v + off;
    }
  }
  return { pooling, poolK: ph * pw, grid: [nFrames, one.h, one.w] };
}

/**
 * The frames' pixels: each frame stretched to the model's square size and patchified, [nFrames, P², patch²·3]. The
 * costly half of preprocessing; the engine process runs it for the app's video questions (see run-model.ts).
 */
export function videoPixels(
  frames: RgbImage[],
  cfg: Molmo2VideoPreprocessorConfig,
  signal?: AbortSignal,
): Float32Array {
  checkVideoConfig(frames.length, cfg);
  const S = cfg.size.height,
    P = S / cfg.patch_size,
    P2 = P * P,
    vec = cfg.patch_size * cfg.patch_size * 3;
  const luts = normLut(cfg.image_mean, cfg.image_std);
  const pixelValues = new Float32Array(frames.length * P2 * vec);
  frames.forEach((frame, k) => {
    throwIfCancelled(signal);
    patchifyCrop(resizeBilinearU8(frame, S, S), S, 0, 0, S, cfg.patch_size, luts, pixelValues, k * P2 * vec);
  });
  return pixelValues;
}

function checkVideoConfig(nFrames: number, cfg: Molmo2VideoPreprocessorConfig): void {
  if (nFrames === 0) throw new AppError('INVALID_INPUT', 'a video needs at least one frame');
  if (cfg.size.height !== cfg.size.width) throw new AppError('MODEL_UNSUPPORTED', 'non-square video frame size');
}

/** Preprocesses decoded frames (RGB24 at native size) into the model's per-frame crops and pooling table. */
export function preprocessFrames(
  frames: RgbImage[],
  cfg: Molmo2VideoPreprocessorConfig,
  signal?: AbortSignal,
): VideoInputs {
  checkVideoConfig(frames.length, cfg);
  return { pixelValues: videoPixels(frames, cfg, signal), nFrames: frames.length, ...videoPooling(frames.length, cfg) };
}
