// Track stitching: per-window tracks with local ids → recording-wide tracks with persistent ids.
// Overlap assignment (Hungarian on mean distance over shared times) then re-identification across gaps.
import { AppError } from '../../api/errors.js';
import { pixels, type Seconds } from '../../api/units.js';
import { checkFrame, frameDiagonal, timeKey, toModelX, toModelY } from './geometry.js';
import { assign } from './hungarian.js';
import type { FrameSize, LocalTrack, LocalTrackPoint, StitchDecision, Track, TrackPoint, TrackSet, TrackWindowInput } from './types.js';

export interface StitchOptions {
  /** Times closer than half this are the same sampled time (s). Default 0.1 (one-decimal timestamps). */
  timeQuantum?: number;
  /**
   * Two windows' samples within this many seconds count as the same sampled time (s). Default 0.25 = half of
   * Molmo2's 2 fps interval: on a shared grid only identical timestamps pair up; offset grids pair nearest samples.
   */
  timeTolerance?: number;
  /** Overlap gate: largest mean distance over shared times, as a fraction of the frame diagonal. Default 0.05. */
  gateFraction?: number;
  /** Fewest shared sampled times for an overlap match. Default 1. */
  minSharedTimes?: number;
  /** Re-identification gate at zero gap, fraction of the diagonal. Default 0.08. */
  reidGateFraction?: number;
  /** Re-identification gate growth per second of gap, fraction of the diagonal. Default 0.03. */
  reidGatePerSecond?: number;
  /** Cap on the re-identification gate, fraction of the diagonal. Default 0.25. */
  maxReidGateFraction?: number;
  /**
   * Re-identification is refused as ambiguous when another ended track (not itself re-identified in this window) is
   * within the gate and its cost ≤ ambiguityRatio·best + 0.01·diagonal: two look-alikes left, one came back — which
   * one is not supported by the evidence, so it gets a new id (the user can merge). Default 1.5; 0 disables.
   */
  ambiguityRatio?: number;
  /** Longest gap (s) across which an object that disappeared may keep its id. Default 10. */
  maxGap?: number;
  /** Time span (s) at the end of a track used to estimate its velocity. Default 1. */
  velocityWindow?: number;
  /** Label given to every stitched track (the query). Default ''. */
  label?: string;
}

const DEFAULTS: Required<StitchOptions> = {
  timeQuantum: 0.1,
  timeTolerance: 0.25,
  gateFraction: 0.05,
  minSharedTimes: 1,
  reidGateFraction: 0.08,
  reidGatePerSecond: 0.03,
  maxReidGateFraction: 0.25,
  ambiguityRatio: 1.5,
  maxGap: 10,
  velocityWindow: 1,
  label: '',
};

interface Owned {
  p: LocalTrackPoint;
  window: number;
  localId: number;
  /** |t − centre of the source window|: in overlaps the point from the window that saw it more centrally wins. */
  centreDist: number;
}

interface Global {
  id: number;
  points: Map<number, Owned>;
  windows: Set<number>;
  lastKey: number;
}

/** Local points sorted by time, one per sampled time (the first occurrence wins, like the reference parser). */
function normalise(track: LocalTrack, quantum: number): { key: number; p: LocalTrackPoint }[] {
  const byKey = new Map<number, LocalTrackPoint>();
  for (const p of track.points) {
    const k = timeKey(p.t, quantum);
    if (!byKey.has(k)) byKey.set(k, p);
  }
  return [...byKey.entries()].sort((a, b) => a[0] - b[0]).map(([key, p]) => ({ key, p }));
}

/**
 * Stitches per-window tracks into recording-wide tracks; deterministic for a given input.
 *
 * 1. Overlap assignment, window by window in time order: for every existing global track g and every local track b
 *    of the window, cost = mean pixel distance over the sampled times both have (at least minSharedTimes, else
 *    forbidden); Hungarian (rectangular, gated at gateFraction·diagonal) picks the one-to-one matches → reason 'overlap'.
 * 2. Re-identification of the still unmatched local tracks: a global track g that ended before b starts
 *    (gap = b.first − g.last, 0 < gap ≤ maxGap) and holds no other track of this window is a candidate; cost =
 *    min(distance from g's constant-velocity prediction at b.first (velocity over the last velocityWindow seconds,
 *    clamped to the frame), distance from g's last position); gate = diagonal·min(maxReidGateFraction,
 *    reidGateFraction + reidGatePerSecond·gap); Hungarian again → reason 'reid', unless another ended track is
 *    nearly as good a candidate (ambiguityRatio), in which case the evidence does not single one out.
 *    Candidates are limited to tracks that ended at most maxGap before the window starts.
 * 3. Anything left starts a new global id (reason 'new'), numbered in order of first appearance.
 * Where two windows give a point for the same sampled time (within timeTolerance), the one from the window whose
 * centre is nearer wins, so each sampled time keeps one point.
 */
export function stitchTracks(windows: readonly TrackWindowInput[], frame: FrameSize, options: StitchOptions = {}): TrackSet {
  checkFrame(frame);
  const o = { ...DEFAULTS, ...options };
  if (!(o.timeQuantum > 0) || !(o.timeTolerance >= 0) || !(o.maxGap >= 0) || !(o.gateFraction >= 0) || !(o.minSharedTimes >= 1)) {
    throw new AppError('INVALID_INPUT', 'stitch options out of range');
  }
  const seen = new Set<number>();
  for (const w of windows) {
    if (seen.has(w.index)) throw new AppError('INVALID_INPUT', `window index ${w.index} appears twice`);
    seen.add(w.index);
    const ids = new Set<number>();
    for (const t of w.tracks) {
      if (ids.has(t.id)) throw new AppError('INVALID_INPUT', `window ${w.index} has local track id ${t.id} twice`);
      ids.add(t.id);
      for (const p of t.points) {
        if (![p.t, p.x, p.y].every(Number.isFinite)) throw new AppError('INVALID_INPUT', `window ${w.index} track ${t.id} has a non-finite point`);
      }
    }
  }
  const diag = frameDiagonal(frame);
  const q = o.timeQuantum;
  const ordered = [...windows].sort((a, b) => a.start - b.start || a.index - b.index);
  const globals: Global[] = [];
  const decisions: StitchDecision[] = [];

  const r = Math.floor(o.timeTolerance / q + 1e-9);
  /** g's point at key k, else its nearest point from another window within ±r keys (offset sampling grids). */
  const near = (g: Global, k: number): Owned | undefined => {
    const exact = g.points.get(k);
    if (exact) return exact;
    for (let d = 1; d <= r; d++) {
      const a = g.points.get(k - d) ?? g.points.get(k + d);
      if (a) return a;
    }
    return undefined;
  };

  // Where two windows sampled (about) the same time, only the point from the window that saw it more centrally stays.
  const attach = (g: Global, w: TrackWindowInput, localId: number, pts: { key: number; p: LocalTrackPoint }[]) => {
    const centre = (w.start + w.end) / 2;
    let removed = false;
    for (const { key, p } of pts) {
      const cand: Owned = { p, window: w.index, localId, centreDist: Math.abs(p.t - centre) };
      const rivals: number[] = [];
      for (let k = key - r; k <= key + r; k++) {
        const old = g.points.get(k);
        if (old && old.window !== w.index) rivals.push(k);
      }
      if (rivals.some((k) => g.points.get(k)!.centreDist <= cand.centreDist)) continue;
      for (const k of rivals) g.points.delete(k);
      removed ||= rivals.length > 0;
      g.points.set(key, cand);
      if (key > g.lastKey) g.lastKey = key;
    }
    // A replaced point can only have been the last one if it lay within r keys of a new point: step back to it.
    if (removed) while (!g.points.has(g.lastKey)) g.lastKey--;
    g.windows.add(w.index);
  };

  for (const w of ordered) {
    const locals = w.tracks
      .map((t) => ({ id: t.id, pts: normalise(t, q) }))
      .filter((l) => l.pts.length > 0)
      .sort((a, b) => a.pts[0].key - b.pts[0].key || a.pts[0].p.x - b.pts[0].p.x || a.id - b.id);
    const matched = new Array<Global | null>(locals.length).fill(null);

    // 1. Overlap assignment on shared sampled times.
    // Only tracks alive inside this window can share sampled times with it (keeps long recordings linear).
    const startKey = timeKey(w.start, q);
    const alive = globals.filter((g) => g.lastKey >= startKey - 1);
    if (alive.length > 0 && locals.length > 0) {
      const contributors: Map<string, number>[][] = [];
      const matrix = alive.map((g, gi) => {
        contributors[gi] = [];
        return locals.map((l, li) => {
          let sum = 0;
          let n = 0;
          const by = new Map<string, number>();
          for (const { key, p } of l.pts) {
            const gp = near(g, key);
            if (!gp) continue;
            sum += Math.hypot(gp.p.x - p.x, gp.p.y - p.y);
            n++;
            const seg = `${gp.window}:${gp.localId}`;
            by.set(seg, (by.get(seg) ?? 0) + 1);
          }
          contributors[gi][li] = by;
          return n >= o.minSharedTimes ? sum / n : Infinity;
        });
      });
      for (const m of assign(matrix, { gate: o.gateFraction * diag })) {
        const g = alive[m.row];
        // The segment that supplied most shared times is the "A side" of the decision (ties: the later window).
        let best = '';
        let bestN = -1;
        for (const [seg, n] of contributors[m.row][m.col]) {
          const win = Number(seg.split(':')[0]);
          if (n > bestN || (n === bestN && win > Number(best.split(':')[0]))) {
            best = seg;
            bestN = n;
          }
        }
        const [wa, la] = best.split(':').map(Number);
        matched[m.col] = g;
        decisions.push({ windowA: wa, localA: la, windowB: w.index, localB: locals[m.col].id, globalId: g.id, cost: m.cost, reason: 'overlap' });
      }
      locals.forEach((l, li) => matched[li] && attach(matched[li]!, w, l.id, l.pts));
    }

    // 2. Re-identification across a gap.
    const open = locals.map((_, li) => li).filter((li) => !matched[li]);
    const reachKey = startKey - Math.round(o.maxGap / q) - 1;
    const cands = globals.filter((g) => !g.windows.has(w.index) && g.lastKey >= reachKey);
    if (open.length > 0 && cands.length > 0) {
      const info: { cost: number; seg: Owned }[][] = [];
      const matrix = cands.map((g, gi) => {
        info[gi] = [];
        const last = g.points.get(g.lastKey)!;
        // Velocity from the first point within velocityWindow of the last one.
        const vwKeys = Math.round(o.velocityWindow / q);
        let ref = last;
        let refKey = g.lastKey;
        for (let k = g.lastKey - vwKeys; k < refKey; k++) {
          const pt = g.points.get(k);
          if (pt) {
            ref = pt;
            refKey = k;
          }
        }
        const dt = last.p.t - ref.p.t;
        const vx = dt > 0 ? (last.p.x - ref.p.x) / dt : 0;
        const vy = dt > 0 ? (last.p.y - ref.p.y) / dt : 0;
        return open.map((li) => {
          const first = locals[li].pts[0];
          const gapKeys = first.key - g.lastKey;
          const gap = gapKeys * q;
          if (gapKeys <= 0 || gap > o.maxGap + q / 2) return Infinity;
          const span = first.p.t - last.p.t;
          const px = Math.min(frame.width, Math.max(0, last.p.x + vx * span));
          const py = Math.min(frame.height, Math.max(0, last.p.y + vy * span));
          const cost = Math.min(Math.hypot(first.p.x - px, first.p.y - py), Math.hypot(first.p.x - last.p.x, first.p.y - last.p.y));
          const gate = diag * Math.min(o.maxReidGateFraction, o.reidGateFraction + o.reidGatePerSecond * gap);
          info[gi].push({ cost, seg: last });
          return cost <= gate ? cost : Infinity;
        });
      });
      const maxGate = diag * o.maxReidGateFraction;
      const reid = assign(matrix, { gate: maxGate });
      const rowsUsed = new Set(reid.map((m) => m.row));
      for (const m of reid) {
        const ambiguous =
          o.ambiguityRatio > 0 &&
          matrix.some((row, r) => r !== m.row && !rowsUsed.has(r) && row[m.col] <= o.ambiguityRatio * m.cost + 0.01 * diag);
        if (ambiguous) continue;
        const g = cands[m.row];
        const li = open[m.col];
        const seg = info[m.row][m.col].seg;
        matched[li] = g;
        decisions.push({ windowA: seg.window, localA: seg.localId, windowB: w.index, localB: locals[li].id, globalId: g.id, cost: m.cost, reason: 'reid' });
        attach(g, w, locals[li].id, locals[li].pts);
      }
    }

    // 3. New ids for the rest, in order of first appearance.
    locals.forEach((l, li) => {
      if (matched[li]) return;
      const g: Global = { id: globals.length + 1, points: new Map(), windows: new Set(), lastKey: -Infinity };
      globals.push(g);
      decisions.push({ windowA: null, localA: null, windowB: w.index, localB: l.id, globalId: g.id, cost: 0, reason: 'new' });
      attach(g, w, l.id, l.pts);
    });
  }

  const tracks: Track[] = globals.map((g) => ({
    id: g.id,
    label: o.label,
    points: [...g.points.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, v]): TrackPoint => ({
        t: v.p.t as Seconds,
        x: pixels(v.p.x),
        y: pixels(v.p.y),
        mx: toModelX(v.p.x, frame),
        my: toModelY(v.p.y, frame),
        window: v.window,
        localId: v.localId,
      })),
  }));
  return { frame: { width: frame.width, height: frame.height }, label: o.label, tracks, decisions };
}
