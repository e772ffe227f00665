// Builds Molmo2 model inputs directly (ids, token types, pooling tables, pixels) for runtime tests and benches,
// following the layouts of molmo2-inference.md §2.8–2.9 and §3.3 without the tokenizer/preprocessing modules.
import { makeRng } from '../../../../models/tiny/make-tiny.js';

export const ID = {
  bos: 151645,
  imStart: 151936,
  imEnd: 151937,
  patch: 151938,
  col: 151939,
  lowStart: 151940,
  imUser: 151644,
} as const;
const VISUAL = new Set<number>([ID.imStart, ID.imEnd, ID.patch, ID.col, ID.lowStart, 151942, 151943, 151944]);

export interface ModelInputs {
  ids: number[];
  types: number[];
  pixels: Float32Array;
  nCrops: number;
  pooling: Int32Array;
  k: number;
}

/** Pooling windows over a g×g patch grid of crop `crop` (patch ids offset by crop·729), −1 padding bottom/right. */
export function poolGrid(crop: number, g: number, p: number, grid = 27): { rows: number[][]; h: number; w: number } {
  const n = Math.ceil(grid / p);
  const rows: number[][] = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const win: number[] = [];
      for (let dy = 0; dy < p; dy++)
        for (let dx = 0; dx < p; dx++) {
          const y = r * p + dy;
          const x = c * p + dx;
          win.push(y < grid && x < grid && y < g && x < g ? crop * 729 + y * grid + x : -1);
        }
      rows.push(win);
    }
  }
  return { rows, h: n, w: n };
}

const types = (ids: number[]) => ids.map((i) => (VISUAL.has(i) ? 1 : 0));

function pixels(nCrops: number, seed: number): Float32Array {
  const rng = makeRng(seed);
  return Float32Array.from({ length: nCrops * 729 * 588 }, () => rng.next() * 2 - 1);
}

function text(n: number, seed: number): number[] {
  const rng = makeRng(seed + 1000);
  return Array.from({ length: n }, () => 100 + Math.floor(rng.next() * 5000));
}

/** One image: low-res crop 0 (2×2 pooling, no <im_col>) + `tiles` high-res crops laid out as one row of tiles. */
export function imageInputs(seed: number, tiles = 1, promptLen = 8): ModelInputs {
  const nCrops = 1 + tiles;
  const low = poolGrid(0, 27, 2).rows;
  const ids: number[] = [ID.bos, ID.lowStart, ...low.map(() => ID.patch), ID.imEnd, ID.imStart];
  const high: number[][] = [];
  for (let t = 0; t < tiles; t++) {
    const g = poolGrid(1 + t, 27, 2);
    // Crop t's windows, one row per pooled row followed by <im_col>.
    for (let r = 0; r < g.h; r++) {
      for (let c = 0; c < g.w; c++) high.push(g.rows[r * g.w + c]!);
      ids.push(...Array.from({ length: g.w }, () => ID.patch), ID.col);
    }
  }
  ids.push(ID.imEnd, ID.imUser, ...text(promptLen, seed));
  const pooling = Int32Array.from([...low, ...high].flat());
  return { ids, types: types(ids), pixels: pixels(nCrops, seed), nCrops, pooling, k: 4 };
}

/**
 * `n` single-crop units with `p`×`p` pooling, each after a 2-token text label (seeded by `labelSeed(i)`) and its
 * `start` token, then the user turn: the shared layout of several images and of a video.
 */
function cropSequenceInputs(
  seed: number,
  n: number,
  promptLen: number,
  unit: { p: number; start: number; labelSeed: (i: number) => number },
): ModelInputs {
  const ids: number[] = [ID.bos];
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const g = poolGrid(i, 27, unit.p).rows;
    rows.push(...g);
    ids.push(...text(2, unit.labelSeed(i)), unit.start, ...g.map(() => ID.patch), ID.imEnd);
  }
  ids.push(ID.imUser, ...text(promptLen, seed));
  const pooling = Int32Array.from(rows.flat());
  return { ids, types: types(ids), pixels: pixels(n, seed), nCrops: n, pooling, k: unit.p * unit.p };
}

/** Several images, each a single low-res crop (2×2 pooling), with "Image k" text labels between them. */
export function multiImageInputs(seed: number, images = 2, promptLen = 6): ModelInputs {
  return cropSequenceInputs(seed, images, promptLen, { p: 2, start: ID.lowStart, labelSeed: (i) => seed + i });
}

/** A video: `frames` frames with 3×3 pooling (81 tokens each), a timestamp text token before each frame. */
export function videoInputs(seed: number, frames = 3, promptLen = 6): ModelInputs {
  return cropSequenceInputs(seed, frames, promptLen, { p: 3, start: ID.imStart, labelSeed: (f) => seed + 7 * f });
}

/** Text-only inputs of length n with a block of `visual` pseudo-visual tokens (no features) — for long-context benches. */
export function longTextInputs(n: number, seed: number): { ids: number[]; types: number[] } {
  const ids = [ID.bos, ...text(n - 1, seed)];
  return { ids, types: ids.map(() => 0) };
}

/** The same inputs in Molmo2-O-7B's ids: BOS <|endoftext|> 100257, <|im_start|> 100264, extra tokens from 100278. */
export function toO7bIds(inp: ModelInputs): ModelInputs {
  const map = (id: number) =>
    id === ID.bos ? 100257 : id === ID.imUser ? 100264 : id >= 151936 ? id - 151936 + 100278 : id;
  return { ...inp, ids: inp.ids.map(map) };
}
