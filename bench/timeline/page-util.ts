// Runs inside Chromium for bench/timeline/run.ts: builds the timeline model for synthetic tracks and times frames of
// the real drawTimeline (and the naive draw-everything baseline) while the playhead scrubs, raster included.
import { buildModel, type TrackInput } from '../../src-renderer/src/components/timeline/timeline-model.js';
import {
  drawNaive,
  drawTimeline,
  type TimelineView,
} from '../../src-renderer/src/components/timeline/timeline-draw.js';
import { at } from '../../src-main/api/at.js';

export interface BenchConfig {
  objects: number;
  points: number;
  frames: number;
  naiveFrames: number;
  width: number;
  height: number;
  seed: number;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** 2 fps samples with occasional absences (leaving and returning), each object starting at its own time. */
function synth(c: BenchConfig): TrackInput[] {
  const r = rng(c.seed);
  return Array.from({ length: c.objects }, (_, id) => {
    const points: { t: number; x: number; y: number }[] = [];
    let t = r() * 600;
    while (points.length < c.points) {
      if (r() < 0.004) t += 5 + r() * 60;
      points.push({ t, x: r() * 1280, y: r() * 720 });
      t += 0.5;
    }
    return { id: id + 1, label: 'person', points };
  });
}

function pct(a: number[], p: number): number {
  const s = [...a].sort((x, y) => x - y);
  return at(s, Math.min(s.length - 1, Math.floor((p / 100) * s.length)), 'timing');
}

/** Times `frames` scrub frames per view mode; returns per-mode p50/p95 in ms. */
export function run(c: BenchConfig) {
  const t0 = performance.now();
  const model = buildModel(synth(c));
  const buildMs = performance.now() - t0;
  const canvas = document.createElement('canvas');
  canvas.width = c.width;
  canvas.height = c.height;
  document.body.appendChild(canvas);
  const ctx = canvas.getContext('2d')!;
  const base: Omit<TimelineView, 't0' | 't1' | 'playhead' | 'scrollY'> = {
    width: c.width,
    height: c.height,
    dpr: 1,
    laneHeight: 18,
    labelWidth: 120,
    axisHeight: 22,
    selectedId: 7,
  };
  const maxScroll = model.lanes.length * 18 - (c.height - 22);
  const time = (n: number, frame: (k: number) => void) => {
    const out: number[] = [];
    for (let k = 0; k < n; k++) {
      const a = performance.now();
      frame(k);
      ctx.getImageData(0, 0, 1, 1); // forces the canvas to rasterise what was drawn
      out.push(performance.now() - a);
    }
    return { p50: pct(out, 50), p95: pct(out, 95), frames: n };
  };
  const scrub = (k: number, n: number) => model.start + ((model.end - model.start) * k) / Math.max(1, n - 1);
  const full = time(c.frames, (k) =>
    drawTimeline(ctx, model, {
      ...base,
      t0: model.start,
      t1: model.end,
      playhead: scrub(k, c.frames),
      scrollY: (maxScroll * k) / c.frames,
    }),
  );
  const zoomed = time(c.frames, (k) => {
    const p = scrub(k, c.frames);
    drawTimeline(ctx, model, { ...base, t0: p - 60, t1: p + 60, playhead: p, scrollY: (maxScroll * k) / c.frames });
  });
  const naive = time(c.naiveFrames, (k) =>
    drawNaive(ctx, model, { ...base, t0: model.start, t1: model.end, playhead: scrub(k, c.naiveFrames), scrollY: 0 }),
  );
  return {
    buildMs,
    lanes: model.lanes.length,
    points: model.lanes.reduce((n, l) => n + l.t.length, 0),
    duration: model.end - model.start,
    full,
    zoomed,
    naive,
  };
}
