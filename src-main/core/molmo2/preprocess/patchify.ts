// Cuts a 378×378 window of a uint8 RGB image into [729, 588] patch vectors, normalised to the model's range.
// Patch vector order is (dy, dx, channel), patches row-major (batch_pixels_to_patches, image_processing_molmo2.py:218-235).
// Indices below are in bounds by the loop bounds (a 378×378 crop inside the image); kept as plain `!` access.
import { at } from '../../../api/at.js';

const fr = Math.fround;

/** Per-channel lookup tables uint8 → ((v/255) − mean)/std in float32, as normalize_image computes it. */
export function normLut(mean: readonly number[], std: readonly number[]): Float32Array[] {
  return [0, 1, 2].map((c) => {
    const lut = new Float32Array(256);
    const m = fr(mean[c]!),
      s = fr(std[c]!);
    for (let v = 0; v < 256; v++) lut[v] = fr(fr(fr(v / 255) - m) / s);
    return lut;
  });
}

/**
 * Writes the patches of the crop at (x0, y0) of size cropSize from `rgb` (width W) into `out` at `outOffset`.
 * Each (patch, dy) row of patchSize·3 values is contiguous in both source and destination.
 */
export function patchifyCrop(
  rgb: Uint8Array,
  W: number,
  x0: number,
  y0: number,
  cropSize: number,
  patchSize: number,
  luts: Float32Array[],
  out: Float32Array,
  outOffset: number,
): void {
  const P = cropSize / patchSize;
  const rowLen = patchSize * 3;
  const l0 = at(luts, 0, 'channel table'),
    l1 = at(luts, 1, 'channel table'),
    l2 = at(luts, 2, 'channel table');
  let o = outOffset;
  for (let pr = 0; pr < P; pr++) {
    for (let pc = 0; pc < P; pc++) {
      for (let dy = 0; dy < patchSize; dy++) {
        let s = ((y0 + pr * patchSize + dy) * W + x0 + pc * patchSize) * 3;
        for (let k = 0; k < rowLen; k += 3) {
          out[o++] = l0[rgb[s++]!]!;
          out[o++] = l1[rgb[s++]!]!;
          out[o++] = l2[rgb[s++]!]!;
        }
      }
    }
  }
}
