// Crop geometry of Molmo2 image inputs: tiling selection, the overlapping-crop patch map, and pooling windows.
// Mirrors select_tiling / build_overlapping_crops / arange_for_pooling (image_processing_molmo2.py:73-248).
// Indices below are in bounds by the loop bounds; numeric loops keep plain `!` access (noUncheckedIndexedAccess).
import { at } from '../../../api/at.js';

const fr = Math.fround;

/**
 * Picks (rows, cols) of crop windows for an image whose usable size is h×w (the image minus the total margin;
 * may be ≤ 0, as in the HF code which does not clamp). Scales are float32 like the reference's numpy math.
 */
export function selectTiling(h: number, w: number, windowSize: number, maxCrops: number): [number, number] {
  const cands: Array<[number, number]> = [];
  for (let i = 1; i <= maxCrops; i++) for (let j = 1; j <= maxCrops; j++) if (i * j <= maxCrops) cands.push([i, j]);
  cands.sort((a, b) => a[0] * a[1] - b[0] * b[1] || a[0] - b[0]);
  const fh = fr(h),
    fw = fr(w);
  const div = (n: number, d: number) => (d === 0 ? (n === 0 ? NaN : Infinity) : fr(n / d));
  const scales = cands.map(([i, j]) => {
    const a = div(fr(i * windowSize), fh),
      b = div(fr(j * windowSize), fw);
    // numpy's min propagates NaN; a NaN scale never wins argmax/argmin below except as numpy would (first NaN).
    return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b);
  });
  if (scales.every((s) => s < 1)) {
    let best = 0;
    for (let k = 1; k < scales.length; k++) if (scales[k]! > scales[best]!) best = k;
    return at(cands, best, 'tiling candidate');
  }
  let best = -1,
    bestV = Infinity;
  for (const [k, s] of scales.entries()) {
    if (Number.isNaN(s)) return at(cands, k, 'tiling candidate');
    const v = s < 1 ? 1e10 : s;
    if (best < 0 || v < bestV) {
      best = k;
      bestV = v;
    }
  }
  return at(cands, best, 'tiling candidate');
}

/** Geometry constants of a crop configuration (378 px crops, 14 px patches, margins 4+4 → 266 px windows). */
export interface CropGeometry {
  cropSize: number;
  patchSize: number;
  cropPatches: number;
  leftMargin: number;
  rightMargin: number;
  windowPatches: number;
  windowSize: number;
  totalMargin: number;
}

/** Derives window/margin sizes from crop size, patch size and overlap margins. */
export function cropGeometry(cropSize: number, patchSize: number, margins: [number, number]): CropGeometry {
  const cropPatches = cropSize / patchSize;
  const [leftMargin, rightMargin] = margins;
  const windowPatches = cropPatches - leftMargin - rightMargin;
  return {
    cropSize,
    patchSize,
    cropPatches,
    leftMargin,
    rightMargin,
    windowPatches,
    windowSize: windowPatches * patchSize,
    totalMargin: patchSize * (leftMargin + rightMargin),
  };
}

/**
 * For each patch of the tiled (resized) image, the id (crop·P² + r·P + c, crops 0-based over the tiles) of the crop
 * patch that supplies it; margins shared by two crops come from the crop where they are not a margin.
 * Returns a rows×cols grid (rows = tiles·window + margins).
 */
export function overlapPatchMap(
  tiling: [number, number],
  g: CropGeometry,
): { grid: Int32Array; rows: number; cols: number } {
  const [th, tw] = tiling;
  const P = g.cropPatches;
  const rows = th * g.windowPatches + g.leftMargin + g.rightMargin;
  const cols = tw * g.windowPatches + g.leftMargin + g.rightMargin;
  const grid = new Int32Array(rows * cols);
  let k = 0;
  // Image order is (tile row, patch row, tile col, patch col); masked (margin) entries are skipped.
  for (let i = 0; i < th; i++) {
    for (let r = 0; r < P; r++) {
      if (i !== 0 && r < g.leftMargin) continue;
      if (i !== th - 1 && r >= P - g.rightMargin) continue;
      for (let j = 0; j < tw; j++) {
        const crop = i * tw + j;
        for (let c = 0; c < P; c++) {
          if (j !== 0 && c < g.leftMargin) continue;
          if (j !== tw - 1 && c >= P - g.rightMargin) continue;
          grid[k++] = crop * P * P + r * P + c;
        }
      }
    }
  }
  if (k !== rows * cols) throw new Error(`overlapPatchMap: filled ${k} of ${rows * cols}`);
  return { grid, rows, cols };
}

/**
 * Pooling windows over a grid of patch ids (−1 allowed): pad with −1 to multiples of (ph, pw) — top/left get
 * pad//2 — then one row of ph·pw ids (row-major inside the window) per window, windows row-major.
 */
export function arangeForPooling(
  grid: Int32Array,
  rows: number,
  cols: number,
  ph: number,
  pw: number,
  offset = 0,
): { idx: Int32Array; h: number; w: number } {
  const padH = ph * Math.ceil(rows / ph) - rows,
    padW = pw * Math.ceil(cols / pw) - cols;
  const top = Math.floor(padH / 2),
    left = Math.floor(padW / 2);
  const h = (rows + padH) / ph,
    w = (cols + padW) / pw;
  const idx = new Int32Array(h * w * ph * pw);
  let o = 0;
  for (let by = 0; by < h; by++) {
    for (let bx = 0; bx < w; bx++) {
      for (let dy = 0; dy < ph; dy++) {
        const r = by * ph + dy - top;
        for (let dx = 0; dx < pw; dx++) {
          const c = bx * pw + dx - left;
          const v = r >= 0 && r < rows && c >= 0 && c < cols ? grid[r * cols + c]! : -1;
          idx[o++] = v >= 0 ? v + offset : -1;
        }
      }
    }
  }
  return { idx, h, w };
}

/** The identity patch grid of one crop (0..P²−1). */
export function identityGrid(P: number): Int32Array {
  const g = new Int32Array(P * P);
  for (let i = 0; i < g.length; i++) g[i] = i;
  return g;
}
