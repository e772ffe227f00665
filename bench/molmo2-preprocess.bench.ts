// Benchmark of Molmo2 pixel preprocessing: the exact float32 resize against a plain float64 bilinear baseline,
// and whole image / video-frame preprocessing. Run: npx tsx bench/molmo2-preprocess.bench.ts
import { readFileSync } from 'node:fs';
import { axisTable, resizeBilinearU8 } from '../src-main/core/molmo2/preprocess/resize.js';
import { preprocessImage } from '../src-main/core/molmo2/preprocess/image.js';
import { preprocessFrames } from '../src-main/core/molmo2/preprocess/video.js';
import { parsePreprocessorConfig, parseVideoPreprocessorConfig } from '../src-main/core/molmo2/checkpoint/config.js';

const PRE = parsePreprocessorConfig(JSON.parse(readFileSync('models/molmo2-4b/preprocessor_config.json', 'utf8')));
const VPRE = parseVideoPreprocessorConfig(
  JSON.parse(readFileSync('models/molmo2-4b/video_preprocessor_config.json', 'utf8')),
);

/** Baseline: the same bilinear taps in float64 with Math.round — what a naive port would write. Indices are in
 * bounds by the loop bounds (the axis tables have outW/outH entries): plain `!`, so the timing stays a plain loop. */
function baseline(src: { width: number; height: number; rgb: Uint8Array }, outW: number, outH: number): Uint8Array {
  const xs = axisTable(src.width, outW),
    ys = axisTable(src.height, outH);
  const out = new Uint8Array(outW * outH * 3);
  const W = src.width,
    rgb = src.rgb;
  let o = 0;
  for (let y = 0; y < outH; y++)
    for (let x = 0; x < outW; x++)
      for (let c = 0; c < 3; c++) {
        const a = rgb[(ys.i0[y]! * W + xs.i0[x]!) * 3 + c]!,
          b = rgb[(ys.i0[y]! * W + xs.i1[x]!) * 3 + c]!;
        const d = rgb[(ys.i1[y]! * W + xs.i0[x]!) * 3 + c]!,
          e = rgb[(ys.i1[y]! * W + xs.i1[x]!) * 3 + c]!;
        out[o++] = Math.round(
          ys.l0[y]! * (xs.l0[x]! * a + xs.l1[x]! * b) + ys.l1[y]! * (xs.l0[x]! * d + xs.l1[x]! * e),
        );
      }
  return out;
}

function time(label: string, n: number, f: () => unknown): number {
  f();
  const t = performance.now();
  for (let i = 0; i < n; i++) f();
  const ms = (performance.now() - t) / n;
  console.log(`${label.padEnd(44)} ${ms.toFixed(2).padStart(8)} ms`);
  return ms;
}

const rgb = new Uint8Array(1920 * 1080 * 3);
for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 2654435761) >>> 24;
const img = { width: 1920, height: 1080, rgb };
const exact = time('resize 1920x1080 → 378x378 (exact f32)', 10, () => resizeBilinearU8(img, 378, 378));
const base = time('resize 1920x1080 → 378x378 (f64 baseline)', 10, () => baseline(img, 378, 378));
console.log(`ratio exact/baseline: ${(exact / base).toFixed(2)}`);
const e2 = time('resize 1920x1080 → 1176x644 (tiles, exact)', 5, () => resizeBilinearU8(img, 1176, 644));
const b2 = time('resize 1920x1080 → 1176x644 (tiles, baseline)', 5, () => baseline(img, 1176, 644));
console.log(`ratio exact/baseline: ${(e2 / b2).toFixed(2)}`);
const mismatch = (() => {
  const a = resizeBilinearU8(img, 1176, 644),
    b = baseline(img, 1176, 644);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n / a.length;
})();
console.log(`values where the naive baseline differs from the exact kernel: ${(mismatch * 100).toFixed(3)}%`);
time('preprocessImage 1920x1080 (9 crops)', 3, () => preprocessImage(img, PRE));
const perFrame =
  time('preprocessFrames 16 frames 1920x1080', 2, () => preprocessFrames(Array(16).fill(img), VPRE)) / 16;
console.log(
  `per video frame: ${perFrame.toFixed(2)} ms → 384 frames ≈ ${((perFrame * 384) / 1000).toFixed(1)} s of one core`,
);
