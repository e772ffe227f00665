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
  const P = cfg.size.height / cfg.patch_size, Q = cfg.size.width / cfg.patch_size;
  return [Math.ceil(P / cfg.pooling_size[0]), Math.ceil(Q / cfg.pooling_size[1])];
}

/** Preprocesses decoded frames (RGB24 at native size) into the model's per-frame crops and pooling table. */
export function preprocessFrames(frames: RgbImage[], cfg: Molmo2VideoPreprocessorConfig, signal?: AbortSignal): VideoInputs {
  if (frames.length === 0) throw new AppError('INVALID_INPUT', 'a video needs at least one frame');
  if (cfg.size.height !== cfg.size.width) throw new AppError('MODEL_UNSUPPORTED', 'non-square video frame size');
  const S = cfg.size.height, P = S / cfg.patch_size, P2 = P * P, vec = cfg.patch_size * cfg.patch_size * 3;
  const luts = normLut(cfg.image_mean, cfg.image_std);
  const pixelValues = new Float32Array(frames.length * P2 * vec);
  const [ph, pw] = cfg.pooling_size;
  const one = arangeForPooling(identityGrid(P), P, P, ph, pw);
  const per = one.idx.length;
  const pooling = new Int32Array(per * frames.length);
  for (let k = 0; k < frames.length; k++) {
    throwIfCancelled(signal);
    const resized = resizeBilinearU8(frames[k], S, S);
    patchifyCrop(resized, S, 0, 0, S, cfg.patch_size, luts, pixelValues, k * P2 * vec);
    const off = k * P2;
    for (let i = 0; i < per; i++) pooling[k * per + i] = one.idx[i] < 0 ? -1 : one.idx[i] + off;
  }
  return { pixelValues, nFrames: frames.length, pooling, poolK: ph * pw, grid: [frames.length, one.h, one.w] };
}
