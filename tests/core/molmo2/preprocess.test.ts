// Pixel preprocessing: the exact resize, tiling table of §2.9, pooling windows of §2.8, patch order and range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resizeBilinearU8 } from '../../../src-main/core/molmo2/preprocess/resize.js';
import {
  arangeForPooling,
  cropGeometry,
  identityGrid,
  overlapPatchMap,
  selectTiling,
} from '../../../src-main/core/molmo2/preprocess/tiling.js';
import { imageLayout, preprocessImage } from '../../../src-main/core/molmo2/preprocess/image.js';
import { preprocessFrames } from '../../../src-main/core/molmo2/preprocess/video.js';
import {
  parsePreprocessorConfig,
  parseVideoPreprocessorConfig,
} from '../../../src-main/core/molmo2/checkpoint/config.js';
import { imageTokenString } from '../../../src-main/core/molmo2/prompt/visual-tokens.js';
import { parseProcessorConfig } from '../../../src-main/core/molmo2/checkpoint/config.js';
import { at } from '../../../src-main/api/at.js';

const PRE = parsePreprocessorConfig(JSON.parse(readFileSync('models/molmo2-4b/preprocessor_config.json', 'utf8')));
const VPRE = parseVideoPreprocessorConfig(
  JSON.parse(readFileSync('models/molmo2-4b/video_preprocessor_config.json', 'utf8')),
);
const PROC = parseProcessorConfig(JSON.parse(readFileSync('models/molmo2-4b/processor_config.json', 'utf8')));

/** A grey (R=G=B) image from a row-major list of values. */
function grey(w: number, h: number, vals: number[]) {
  const rgb = new Uint8Array(w * h * 3);
  vals.forEach((v, i) => rgb.fill(v, i * 3, i * 3 + 3));
  return { width: w, height: h, rgb };
}
const channel0 = (a: Uint8Array) => Array.from(a.filter((_, i) => i % 3 === 0));

test('resize: 1-D upscale 2→4 with half-pixel centres, edge clamp and round-half-even', () => {
  // src = 0.5·(o+0.5) − 0.5 → 0 (clamped), 0.25, 0.75, 1.25 (upper index clamped) → weights exact.
  assert.deepEqual(channel0(resizeBilinearU8(grey(2, 1, [0, 100]), 4, 1)), [0, 25, 75, 100]);
  // 12.5 → 12 and 17.5 → 18 (ties to even, like torch.round).
  assert.deepEqual(channel0(resizeBilinearU8(grey(2, 1, [10, 20]), 4, 1)), [10, 12, 18, 20]);
});

test('resize: downscale without antialias reads only the two nearest source pixels', () => {
  // 4→2: src = 2·o + 0.5 → mean of pixels (0,1) and (2,3); 5.5 → 6, 177.5 → 178; 6.5 → 6.
  assert.deepEqual(channel0(resizeBilinearU8(grey(4, 1, [0, 11, 100, 255]), 2, 1)), [6, 178]);
  assert.deepEqual(channel0(resizeBilinearU8(grey(4, 1, [0, 13, 100, 255]), 2, 1)), [6, 178]);
  // 8→2: src = 4·o + 1.5 → pixels 1,2 and 5,6 only; the outer pixels are ignored (an antialiased filter would not).
  assert.deepEqual(channel0(resizeBilinearU8(grey(8, 1, [255, 10, 20, 255, 255, 30, 50, 255]), 2, 1)), [15, 40]);
  // 3→2: scale 1.5 → src 0.25 and 1.75.
  assert.deepEqual(channel0(resizeBilinearU8(grey(3, 1, [0, 100, 200]), 2, 1)), [25, 175]);
});

test('resize: 2-D 2×2 → 4×4 matches the hand-computed bilinear table', () => {
  const out = channel0(resizeBilinearU8(grey(2, 2, [0, 100, 200, 255]), 4, 4));
  // Row weights (1,0) (.75,.25) (.25,.75) (0,1) in both axes; e.g. (1,1): .1875·100 + .1875·200 + .0625·255 = 72.1875.
  assert.deepEqual(out, [
    0,
    25,
    75,
    100,
    50,
    72,
    117,
    139, // (1,2): .5625·100 + .0625·200 + .1875·255 = 116.5625
    150,
    167,
    200,
    216, // (2,3): .25·100 + .75·255 = 216.25
    200,
    214,
    241,
    255,
  ]);
  // Channels are independent and identity resize is a copy.
  const img = { width: 2, height: 1, rgb: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
  assert.deepEqual(Array.from(resizeBilinearU8(img, 2, 1)), [1, 2, 3, 4, 5, 6]);
  // 2→1 averages the two pixels: 2.5 → 2, 3.5 → 4, 4.5 → 4 (ties to even).
  assert.deepEqual(Array.from(resizeBilinearU8(img, 1, 1)), [2, 4, 4]);
});

test('tiling and token counts reproduce every worked example of §2.9', () => {
  const rows: Array<[number, number, [number, number], number, number]> = [
    // W, H, tiling (rows×cols), crops, total image tokens
    [378, 378, [1, 1], 2, 410],
    [100, 100, [1, 1], 2, 410],
    [536, 354, [1, 2], 3, 536],
    [640, 480, [2, 2], 5, 752],
    [1024, 768, [2, 3], 7, 982],
    [4000, 3000, [2, 3], 7, 982],
    [1280, 720, [2, 4], 9, 1189],
    [1920, 1080, [2, 4], 9, 1189],
    [1080, 1920, [4, 2], 9, 1208],
    [3000, 300, [1, 8], 9, 1334],
  ];
  for (const [W, H, tiling, crops, tokens] of rows) {
    const l = imageLayout(W, H, PRE);
    assert.deepEqual(l.tiling, tiling, `${W}x${H}`);
    assert.equal(l.nCrops, crops, `${W}x${H}`);
    const s = imageTokenString(l.grid, PROC);
    assert.equal(s.match(/<[a-z_]+>/g)!.length, tokens, `${W}x${H}`);
    assert.equal(l.grid[0] * l.grid[1] + l.grid[2] * l.grid[3], (s.match(/<im_patch>/g) ?? []).length);
  }
  // "resized to (H×W)" and "patch grid" columns: tiles·266 + 112 px, /14 patches.
  const geo = cropGeometry(378, 14, [4, 4]);
  const resizedTable: Array<[number, number, number, number, number, number]> = [
    [536, 354, 378, 644, 27, 46],
    [640, 480, 644, 644, 46, 46],
    [1024, 768, 644, 910, 46, 65],
    [1280, 720, 644, 1176, 46, 84],
    [1080, 1920, 1176, 644, 84, 46],
    [3000, 300, 378, 2240, 27, 160],
  ];
  for (const [W, H, rh, rw, gh, gw] of resizedTable) {
    const t = imageLayout(W, H, PRE).tiling;
    assert.deepEqual(
      [t[0] * geo.windowSize + geo.totalMargin, t[1] * geo.windowSize + geo.totalMargin],
      [rh, rw],
      `${W}x${H}`,
    );
    const m = overlapPatchMap(t, geo);
    assert.deepEqual([m.rows, m.cols], [gh, gw], `${W}x${H}`);
  }
  // 640×480 → resized to 644×644, patch grid 46×46, pooled 23×23.
  assert.deepEqual(imageLayout(640, 480, PRE).grid, [14, 14, 23, 23]);
  assert.deepEqual(imageLayout(536, 354, PRE).grid, [14, 14, 14, 23]);
  // HF does not clamp h−112: a 1000×100 image gets 1×1 (the native code would pick 1×4).
  assert.deepEqual(selectTiling(100 - 112, 1000 - 112, 266, 8), [1, 1]);
});

test('pooling windows reproduce §2.8 (2×2 low-res with bottom/right padding, 3×3 video)', () => {
  const low = arangeForPooling(identityGrid(27), 27, 27, 2, 2);
  assert.equal(low.h * low.w, 196);
  const row = (k: number) => Array.from(low.idx.subarray(k * 4, k * 4 + 4));
  assert.deepEqual(row(0), [0, 1, 27, 28]);
  assert.deepEqual(row(13), [26, -1, 53, -1]);
  assert.deepEqual(row(195), [728, -1, -1, -1]);
  const v = arangeForPooling(identityGrid(27), 27, 27, 3, 3);
  assert.equal(v.h * v.w, 81);
  assert.deepEqual(Array.from(v.idx.subarray(0, 9)), [0, 1, 2, 27, 28, 29, 54, 55, 56]);
  assert.deepEqual(Array.from(v.idx.subarray(80 * 9)), [672, 673, 674, 699, 700, 701, 726, 727, 728]);
  // Odd padding goes bottom/right for pad 1 and split top/bottom (1 top) for pad 2 of a 3-window.
  const g = arangeForPooling(identityGrid(4), 4, 4, 3, 3);
  assert.deepEqual(Array.from(g.idx.subarray(0, 9)), [-1, -1, -1, -1, 0, 1, -1, 4, 5]);
});

test('overlapping crops: every image patch comes from the crop where it is not a margin', () => {
  const geo = cropGeometry(378, 14, [4, 4]);
  const m = overlapPatchMap([2, 2], geo);
  assert.equal(m.rows, 46);
  assert.equal(m.cols, 46);
  assert.equal(m.grid[0], 0);
  assert.equal(m.grid[22], 22); // last column of crop 0 that is not its right margin
  assert.equal(m.grid[23], 729 + 4); // crop 1 supplies from its column 4 on
  assert.equal(m.grid[23 * 46], 2 * 729 + 4 * 27); // crop 2 (second tile row), patch row 4
  assert.equal(m.grid[45 * 46 + 45], 3 * 729 + 728);
  assert.equal(new Set(m.grid).size, 46 * 46);
});

test('image preprocessing: crop order, (dy,dx,c) patch layout, [−1,1] range, pooling offsets', () => {
  const W = 378,
    H = 378;
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) rgb[(y * W + x) * 3 + c] = (x * 7 + y * 13 + c * 85) & 255;
  const r = preprocessImage({ width: W, height: H, rgb }, PRE);
  assert.equal(r.nCrops, 2);
  assert.equal(r.pixelValues.length, 2 * 729 * 588);
  const norm = (v: number) => Math.fround(Math.fround(Math.fround(v / 255) - 0.5) / 0.5);
  for (const [crop, pr, pc, dy, dx, c] of [
    [0, 0, 0, 0, 0, 0],
    [0, 3, 5, 2, 11, 1],
    [1, 26, 26, 13, 13, 2],
    [1, 10, 0, 0, 13, 0],
  ] as const) {
    const want = norm(at(rgb, ((pr * 14 + dy) * W + pc * 14 + dx) * 3 + c));
    assert.equal(r.pixelValues[(crop * 729 + pr * 27 + pc) * 588 + (dy * 14 + dx) * 3 + c], want);
  }
  assert.equal(norm(0), -1);
  assert.equal(norm(255), 1);
  assert.deepEqual(r.grid, [14, 14, 14, 14]);
  assert.equal(r.pooling.length, (196 + 196) * 4);
  assert.deepEqual(Array.from(r.pooling.subarray(196 * 4, 196 * 4 + 4)), [729, 730, 756, 757]);
});

test('video frames: stretched to 378², 81 pooled tokens per frame with frame offsets', () => {
  const f = { width: 64, height: 36, rgb: new Uint8Array(64 * 36 * 3).fill(128) };
  const v = preprocessFrames([f, f, f], VPRE);
  assert.deepEqual(v.grid, [3, 9, 9]);
  assert.equal(v.pooling.length, 3 * 81 * 9);
  assert.equal(v.pooling[81 * 9], 729);
  assert.equal(v.pooling[2 * 81 * 9 + 8], 2 * 729 + 56);
  assert.equal(v.pixelValues.length, 3 * 729 * 588);
  assert.equal(v.pixelValues[0], Math.fround(Math.fround(Math.fround(128 / 255) - 0.5) / 0.5));
});
