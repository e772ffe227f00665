// Splits a vision call into runs of at most N crops (bounding ViT activation memory for long videos) while keeping
// every pooled row with all the crops it reads; rows stay in order so the concatenated features keep their order.

export interface VisionChunk {
  cropStart: number;
  cropEnd: number; // exclusive
  rowStart: number;
  rowEnd: number; // exclusive
}

/** Greedy plan over pooling rows [T,k] (patch ids over crops of `patchesPerCrop`, −1 = none). */
export function planVisionChunks(
  pooling: Int32Array,
  k: number,
  patchesPerCrop: number,
  maxCrops: number,
): VisionChunk[] {
  const T = pooling.length / k;
  const chunks: VisionChunk[] = [];
  let cur: VisionChunk | null = null;
  for (let r = 0; r < T; r++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < k; j++) {
      const v = pooling[r * k + j]!;
      if (v < 0) continue;
      const c = Math.floor(v / patchesPerCrop);
      lo = Math.min(lo, c);
      hi = Math.max(hi, c);
    }
    if (lo === Infinity) {
      lo = cur ? cur.cropStart : 0;
      hi = lo;
    } // an all-padding row rides along
    if (cur && Math.max(cur.cropEnd, hi + 1) - Math.min(cur.cropStart, lo) <= maxCrops) {
      cur.cropStart = Math.min(cur.cropStart, lo);
      cur.cropEnd = Math.max(cur.cropEnd, hi + 1);
      cur.rowEnd = r + 1;
    } else {
      cur = { cropStart: lo, cropEnd: hi + 1, rowStart: r, rowEnd: r + 1 };
      chunks.push(cur);
    }
  }
  return chunks;
}

/** The pooling rows of one chunk, re-based to its first crop. */
export function chunkPooling(pooling: Int32Array, k: number, patchesPerCrop: number, c: VisionChunk): Int32Array {
  const out = pooling.slice(c.rowStart * k, c.rowEnd * k);
  const base = c.cropStart * patchesPerCrop;
  for (let i = 0; i < out.length; i++) if (out[i]! >= 0) out[i] = out[i]! - base;
  return out;
}
