// Small geometric helpers for analytics: frame diagonal, pixel ↔ 0–1000 model coordinates, time keys.
// Kept separate so counting, stitching and exports agree on one convention.
import { AppError } from '../../api/errors.js';
import { modelCoord, pixels, type ModelCoord, type Pixels, type Seconds } from '../../api/units.js';
import type { FrameSize } from './types.js';

/** Length of the frame diagonal in pixels (gates are fractions of it, so they do not depend on resolution). */
export function frameDiagonal(frame: FrameSize): number {
  return Math.hypot(frame.width, frame.height);
}

/** Throws INVALID_INPUT unless the frame size is positive and finite. */
export function checkFrame(frame: FrameSize): void {
  if (!(frame.width > 0 && frame.height > 0 && Number.isFinite(frame.width) && Number.isFinite(frame.height))) {
    throw new AppError('INVALID_INPUT', `frame size must be positive, got ${frame.width}×${frame.height}`);
  }
}

/** Pixel x → 0–1000 model coordinate (Molmo2 normalises x by width, y by height; rounded like the formatter). */
export function toModelX(x: Pixels, frame: FrameSize): ModelCoord {
  return modelCoord(Math.round((1000 * x) / frame.width));
}

/** Pixel y → 0–1000 model coordinate. */
export function toModelY(y: Pixels, frame: FrameSize): ModelCoord {
  return modelCoord(Math.round((1000 * y) / frame.height));
}

/** 0–1000 model x → pixels. */
export function fromModelX(mx: ModelCoord, frame: FrameSize): Pixels {
  return pixels((mx / 1000) * frame.width);
}

/** 0–1000 model y → pixels. */
export function fromModelY(my: ModelCoord, frame: FrameSize): Pixels {
  return pixels((my / 1000) * frame.height);
}

/**
 * Integer key of a sampled time: times closer than half a quantum share a key. The default quantum (0.1 s) matches
 * the model's one-decimal timestamps, so "the same sampled time" means "the same printed timestamp".
 */
export function timeKey(t: Seconds, quantum: number): number {
  return Math.round(t / quantum);
}
