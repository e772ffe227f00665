// Benchmark: Hungarian scaling, stitching a long recording, and HOTA on many objects (prints figures and ratios).
// Run: node --import tsx bench/analytics-stitch.bench.ts [--minutes 60] [--objects 50]
import { performance } from 'node:perf_hooks';
import { pixels, seconds } from '../src-main/api/units.js';
import { assign } from '../src-main/core/analytics/hungarian.js';
import { stitchTracks } from '../src-main/core/analytics/stitch.js';
import { hota } from '../src-main/core/analytics/metrics/hota.js';
import type { TrackWindowInput } from '../src-main/core/analytics/types.js';
import { at } from '../src-main/api/at.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
let seed = 42;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const time = (f: () => void, reps = 1) => {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps;
};

// 1. Hungarian: n×n dense random matrices; cubic growth expected (ratio ≈ 8 per doubling).
const sizes = [50, 100, 200];
const hTimes = sizes.map((n) => {
  const m = Array.from({ length: n }, () => Array.from({ length: n }, () => rnd() * 1000));
  assign(m); // warm-up (JIT)
  return time(() => assign(m), n <= 100 ? 5 : 2);
});
sizes.forEach((n, i) =>
  console.log(
    `hungarian ${n}×${n}: ${at(hTimes, i).toFixed(2)} ms  (×${(at(hTimes, i) / at(hTimes, 0)).toFixed(1)} vs ${sizes[0]}×${sizes[0]})`,
  ),
);

// 2. Stitching: objects drifting over a long recording, windows of 10 s every 8 s, points at 2 fps.
const minutes = arg('minutes', 60);
const nObj = arg('objects', 50);
const W = 1280;
const H = 720;
const duration = minutes * 60;
const paths = Array.from({ length: nObj }, () => ({
  x: rnd() * W,
  y: rnd() * H,
  vx: (rnd() - 0.5) * 40,
  vy: (rnd() - 0.5) * 40,
}));
const pos = (o: (typeof paths)[number], t: number) => {
  // Bounce inside the frame so every object stays visible.
  const fold = (v: number, L: number) => {
    const m = ((v % (2 * L)) + 2 * L) % (2 * L);
    return m <= L ? m : 2 * L - m;
  };
  return { x: fold(o.x + o.vx * t, W), y: fold(o.y + o.vy * t, H) };
};
const windows: TrackWindowInput[] = [];
for (let k = 0, start = 0; start < duration; k++, start += 8) {
  const tracks = paths.map((o, i) => ({
    id: i + 1,
    points: Array.from({ length: 21 }, (_, j) => {
      const t = start + j * 0.5;
      const p = pos(o, t);
      return { t: seconds(t), x: pixels(p.x + (rnd() - 0.5) * 4), y: pixels(p.y + (rnd() - 0.5) * 4) };
    }),
  }));
  windows.push({ index: k, start: seconds(start), end: seconds(start + 10), tracks });
}
const nPoints = windows.length * nObj * 21;
let set!: ReturnType<typeof stitchTracks>;
const st = time(() => (set = stitchTracks(windows, { width: W, height: H })));
console.log(
  `stitch: ${minutes} min, ${windows.length} windows, ${nObj} objects, ${nPoints} points → ${set.tracks.length} tracks in ${st.toFixed(0)} ms ` +
    `(${((nPoints / st) * 1000).toFixed(0)} points/s; ${(st / windows.length).toFixed(2)} ms/window)`,
);

// 3. HOTA: 200 objects × 1000 frames, all predicted correctly except a 10 % id swap.
const F = 1000;
const G = 200;
const frames = Array.from({ length: F }, (_, f) => {
  const ids = Array.from({ length: G }, (_, g) => g + 1);
  const sim = ids.map((_, a) => ids.map((_, b) => (a === b ? 1 : 0)));
  return { gtIds: ids, predIds: f % 10 === 0 ? ids.map((i) => (i % G) + 1) : ids, sim };
});
let h = 0;
const ht = time(() => (h = at(hota(frames), 9).hota));
console.log(`hota: ${G} objects × ${F} frames (${G * F} GT points) in ${ht.toFixed(0)} ms, HOTA = ${h.toFixed(4)}`);
