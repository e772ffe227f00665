// bench/timeline: frame time of the Track page's canvas timeline for 200 objects × 10,000 points while scrubbing,
// in real Chromium (playwright-core, software raster), p50/p95 ms vs a naive draw-everything baseline in the same run.
// Usage: npm run bench -- timeline [--objects N] [--points N] [--frames N]. Target: p95 ≤ 16 ms.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { at } from '../../src-main/api/at.js';

const { values } = parseArgs({
  options: { objects: { type: 'string' }, points: { type: 'string' }, frames: { type: 'string' } },
});
const config = {
  objects: Number(values.objects ?? 200),
  points: Number(values.points ?? 10_000),
  frames: Number(values.frames ?? 240),
  naiveFrames: 12,
  width: 1100,
  height: 600,
  seed: 7,
};
const exe =
  process.env.CHROMIUM_BIN ??
  spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).stdout.trim();
if (!exe) {
  console.error('chromium not found (set CHROMIUM_BIN)');
  process.exit(2);
}
const bundle = await build({
  entryPoints: [new URL('./page-util.ts', import.meta.url).pathname],
  bundle: true,
  write: false,
  format: 'iife',
  globalName: 'timelineBench',
  target: 'es2022',
});
const browser = await chromium.launch({
  executablePath: exe,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage();
  await page.setContent('<!doctype html><html><body style="margin:0;background:#000"></body></html>');
  await page.addScriptTag({ content: at(bundle.outputFiles, 0).text });
  const r = (await page.evaluate(
    (c) => (window as unknown as { timelineBench: { run(x: typeof c): unknown } }).timelineBench.run(c),
    config,
  )) as {
    buildMs: number;
    lanes: number;
    points: number;
    duration: number;
    full: { p50: number; p95: number; frames: number };
    zoomed: { p50: number; p95: number; frames: number };
    naive: { p50: number; p95: number; frames: number };
  };
  const f = (x: number) => x.toFixed(2).padStart(8);
  console.log(
    `timeline: ${r.lanes} objects × ${Math.round(r.points / r.lanes)} points (${(r.points / 1e6).toFixed(1)} M), ${(r.duration / 3600).toFixed(2)} h, canvas ${config.width}×${config.height}, Chromium ${browser.version()} (--disable-gpu)`,
  );
  console.log(`model build (once per result): ${r.buildMs.toFixed(0)} ms`);
  console.log('mode                          frames   p50 ms   p95 ms   p95 vs naive');
  const row = (name: string, m: { p50: number; p95: number; frames: number }) =>
    console.log(
      `${name.padEnd(30)}${String(m.frames).padStart(6)} ${f(m.p50)} ${f(m.p95)}   ${(m.p95 / r.naive.p95).toFixed(4)}`,
    );
  row('scrub, whole recording', r.full);
  row('scrub, 120 s zoom', r.zoomed);
  row('naive draw-everything (base)', r.naive);
  console.log(
    `target p95 ≤ 16 ms: whole ${r.full.p95 <= 16 ? 'met' : 'NOT met'}, zoomed ${r.zoomed.p95 <= 16 ? 'met' : 'NOT met'}`,
  );
} finally {
  await browser.close();
}
