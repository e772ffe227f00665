// One image → Molmo2 crops, pooling table and grid: global 378² crop first, then overlapping tiles (row-major).
// Follows image_to_patches_and_grids (image_processing_molmo2.py:251-323); indices are local to this image.
import { AppError, throwIfCancelled } from '../../../api/errors.js';
import type { Molmo2PreprocessorConfig } from '../checkpoint/config.js';
import { resizeBilinearU8, type RgbImage } from './resize.js';
import { normLut, patchifyCrop } from './patchify.js';
import { arangeForPooling, cropGeometry, identityGrid, overlapPatchMap, selectTiling } from './tiling.js';

export interface ImageInputs {
  /** [nCrops, P², patch²·3] float32, crop 0 = the global (low-res) crop. */
  pixelValues: Float32Array;
  nCrops: number;
  /** [nTokens, k] patch ids local to this image (crop·P² + patch), −1 = padding; low-res rows first. */
  pooling: Int32Array;
  poolK: number;
  /** (lowH, lowW, highH, highW) in pooled tokens. */
  grid: [number, number, number, number];
  /** (rows, cols) of high-res tiles. */
  tiling: [number, number];
}

/** The tiling the processor would choose for an image of this size (no pixels needed). */
export function tilingFor(width: number, height: number, cfg: Molmo2PreprocessorConfig): [number, number] {
  const g = cropGeometry(cfg.size.height, cfg.patch_size, cfg.overlap_margins);
  return selectTiling(height - g.totalMargin, width - g.totalMargin, g.windowSize, cfg.max_crops);
}

/** Pooled grid (lowH, lowW, highH, highW) and crop count for an image size, without touching pixels. */
export function imageLayout(
  width: number,
  height: number,
  cfg: Molmo2PreprocessorConfig,
): { grid: [number, number, number, number]; nCrops: number; tiling: [number, number] } {
  const g = cropGeometry(cfg.size.height, cfg.patch_size, cfg.overlap_margins);
  const tiling = tilingFor(width, height, cfg);
  const [ph, pw] = cfg.pooling_size;
  const rows = tiling[0] * g.windowPatches + g.leftMargin + g.rightMargin;
  const cols = tiling[1] * g.windowPatches + g.leftMargin + g.rightMargin;
  return {
    grid: [Math.ceil(g.cropPatches / ph), Math.ceil(g.cropPatches / pw), Math.ceil(rows / ph), Math.ceil(cols / pw)],
    nCrops: 1 + tiling[0] * tiling[1],
    tiling,
  };
}

/** Preprocesses one RGB image into the model's crops and pooling indices. */
export function preprocessImage(img: RgbImage, cfg: Molmo2PreprocessorConfig, signal?: AbortSignal): ImageInputs {
  if (!(img.width > 0 && img.height > 0))
    throw new AppError('INVALID_INPUT', `image has no pixels (${img.width}x${img.height})`);
  const g = cropGeometry(cfg.size.height, cfg.patch_size, cfg.overlap_margins);
  const P = g.cropPatches,
    P2 = P * P,
    vec = cfg.patch_size * cfg.patch_size * 3;
  const luts = normLut(cfg.image_mean, cfg.image_std);
  const tiling = tilingFor(img.width, img.height, cfg);
  const [th, tw] = tiling;
  const nCrops = 1 + th * tw;
  const pixelValues = new Float32Array(nCrops * P2 * vec);

  const global = resizeBilinearU8(img, g.cropSize, g.cropSize);
  patchifyCrop(global, g.cropSize, 0, 0, g.cropSize, cfg.patch_size, luts, pixelValues, 0);
  throwIfCancelled(signal);

  const tw_px = tw * g.windowSize + g.totalMargin,
    th_px = th * g.windowSize + g.totalMargin;
  const tiled = resizeBilinearU8(img, tw_px, th_px);
  for (let i = 0; i < th; i++) {
    for (let j = 0; j < tw; j++) {
      const crop = 1 + i * tw + j;
      patchifyCrop(
        tiled,
        tw_px,
        j * g.windowSize,
        i * g.windowSize,
        g.cropSize,
        cfg.patch_size,
        luts,
        pixelValues,
        crop * P2 * vec,
      );
    }
  }
  throwIfCancelled(signal);

  const [ph, pw] = cfg.pooling_size;
  const low = arangeForPooling(identityGrid(P), P, P, ph, pw);
  const map = overlapPatchMap(tiling, g);
  const high = arangeForPooling(map.grid, map.rows, map.cols, ph, pw, P2);
  const pooling = new Int32Array(low.idx.length + high.idx.length);
  pooling.set(low.idx, 0);
  pooling.set(high.idx, low.idx.length);
  return { pixelValues, nCrops, pooling, poolK: ph * pw, grid: [low.h, low.w, high.h, high.w], tiling };
}
