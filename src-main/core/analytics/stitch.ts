// Track stitching: per-window tracks with local ids → recording-wide tracks with persistent ids.
// Overlap assignment (Hungarian on mean distance over shared times) then re-identification across gaps.
import { AppError } from '../../api/errors.js';
import { pixels, type Seconds } from '../../api/units.js';
import { checkFrame, frameDiagonal, timeKey, toModelX, toModelY } from './geometry.js';
import { assign } from './hungarian.js';
import type {
  FrameSize,
  LocalTrack,
  LocalTrackPoint,
  StitchDecision,
  Track,
  TrackPoint,
  TrackSet,
  TrackWindowInput,
} from './types.js';
import { at } from '../../api/at.js';

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

/** The state of one stitching run, shared by its steps. */
interface Run {
  o: Required<StitchOptions>;
  frame: FrameSize;
  diag: number;
  /** Time quantum (s) and the key radius within which two windows' samples count as the same time. */
  q: number;
  r: number;
  globals: Global[];
  decisions: StitchDecision[];
}

interface Local {
  id: number;
  pts: { key: number; p: LocalTrackPoint }[];
}

/** A local track's first point (locals with no points are dropped before any of these run). */
const head = (l: Local) => at(l.pts, 0, 'local track point');

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
export function stitchTracks(
  windows: readonly TrackWindowInput[],
  frame: FrameSize,
  options: StitchOptions = {},
): TrackSet {
  checkFrame(frame);
  const o = { ...DEFAULTS, ...options };
  checkInput(windows, o);
  const q = o.timeQuantum;
  const run: Run = {
    o,
    frame,
    diag: frameDiagonal(frame),
    q,
    r: Math.floor(o.timeTolerance / q + 1e-9),
    globals: [],
    decisions: [],
  };
  const ordered = [...windows].sort((a, b) => a.start - b.start || a.index - b.index);
  for (const w of ordered) {
    const locals = w.tracks
      .map((t) => ({ id: t.id, pts: normalise(t, q) }))
      .filter((l) => l.pts.length > 0)
      .sort((a, b) => head(a).key - head(b).key || head(a).p.x - head(b).p.x || a.id - b.id);
    const matched = new Array<Global | null>(locals.length).fill(null);
    assignOverlaps(run, w, locals, matched);
    reidentify(run, w, locals, matched);
    assignNewIds(run, w, locals, matched);
  }
  return {
    frame: { width: frame.width, height: frame.height },
    label: o.label,
    tracks: run.globals.map((g) => toTrack(g, run)),
    decisions: run.decisions,
  };
}

/** Refuses options out of range, repeated window indices or local ids, and non-finite points. */
function checkInput(windows: readonly TrackWindowInput[], o: Required<StitchOptions>): void {
  if (
    !(o.timeQuantum > 0) ||
    !(o.timeTolerance >= 0) ||
    !(o.maxGap >= 0) ||
    !(o.gateFraction >= 0) ||
    !(o.minSharedTimes >= 1)
  ) {
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
        if (![p.t, p.x, p.y].every(Number.isFinite))
          throw new AppError('INVALID_INPUT', `window ${w.index} track ${t.id} has a non-finite point`);
      }
    }
  }
}

/** g's point at key k, else its nearest point from another window within ±r keys (offset sampling grids). */
function near(run: Run, g: Global, k: number): Owned | undefined {
  const exact = g.points.get(k);
  if (exact) return exact;
  for (let d = 1; d <= run.r; d++) {
    const a = g.points.get(k - d) ?? g.points.get(k + d);
    if (a) return a;
  }
  return undefined;
}

/** Adds a local track's points to g; where two windows sampled (about) the same time, the more central one stays. */
function attach(run: Run, g: Global, w: TrackWindowInput, local: Local): void {
  const { r } = run;
  const centre = (w.start + w.end) / 2;
  let removed = false;
  for (const { key, p } of local.pts) {
    const cand: Owned = { p, window: w.index, localId: local.id, centreDist: Math.abs(p.t - centre) };
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
}

/** Step 1: Hungarian on the mean distance over shared sampled times between live global tracks and this window's. */
function assignOverlaps(run: Run, w: TrackWindowInput, locals: Local[], matched: (Global | null)[]): void {
  // Only tracks alive inside this window can share sampled times with it (keeps long recordings linear).
  const startKey = timeKey(w.start, run.q);
  const alive = run.globals.filter((g) => g.lastKey >= startKey - 1);
  if (alive.length === 0 || locals.length === 0) return;
  const costs = alive.map((g) => locals.map((l) => overlapCost(run, g, l)));
  const matrix = costs.map((row) => row.map((c) => c.cost));
  // assign() returns pairs inside the matrix, so the look-ups below cannot miss.
  for (const m of assign(matrix, { gate: run.o.gateFraction * run.diag })) {
    const g = at(alive, m.row, 'live track');
    const [wa, la] = mainContributor(at(at(costs, m.row, 'cost row'), m.col, 'cost').by);
    matched[m.col] = g;
    run.decisions.push({
      windowA: wa,
      localA: la,
      windowB: w.index,
      localB: at(locals, m.col, 'local track').id,
      globalId: g.id,
      cost: m.cost,
      reason: 'overlap',
    });
  }
  locals.forEach((l, li) => {
    const g = matched[li];
    if (g) attach(run, g, w, l);
  });
}

/** Mean distance over the times g and l share (Infinity below minSharedTimes), and which segments supplied them. */
function overlapCost(run: Run, g: Global, l: Local): { cost: number; by: Map<string, number> } {
  let sum = 0;
  let n = 0;
  const by = new Map<string, number>();
  for (const { key, p } of l.pts) {
    const gp = near(run, g, key);
    if (!gp) continue;
    sum += Math.hypot(gp.p.x - p.x, gp.p.y - p.y);
    n++;
    const seg = `${gp.window}:${gp.localId}`;
    by.set(seg, (by.get(seg) ?? 0) + 1);
  }
  return { cost: n >= run.o.minSharedTimes ? sum / n : Infinity, by };
}

/** The segment that supplied most shared times is the "A side" of the decision (ties: the later window). */
function mainContributor(by: Map<string, number>): [window: number, localId: number] {
  let best = '';
  let bestN = -1;
  for (const [seg, n] of by) {
    const win = Number(seg.split(':')[0]);
    if (n > bestN || (n === bestN && win > Number(best.split(':')[0]))) {
      best = seg;
      bestN = n;
    }
  }
  const [wa, la] = best.split(':').map(Number);
  // A matched pair has a finite cost, so at least minSharedTimes ≥ 1 shared times and a segment that supplied them.
  if (wa === undefined || la === undefined)
    throw new AppError('INTERNAL', 'a matched overlap has no contributing segment');
  return [wa, la];
}

/** g's velocity (px/s) from its first point within velocityWindow of its last one; 0 with a single point. */
function velocity(run: Run, g: Global): { last: Owned; vx: number; vy: number } {
  const last = g.points.get(g.lastKey)!;
  const vwKeys = Math.round(run.o.velocityWindow / run.q);
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
  return { last, vx: dt > 0 ? (last.p.x - ref.p.x) / dt : 0, vy: dt > 0 ? (last.p.y - ref.p.y) / dt : 0 };
}

/** Step 2: unmatched local tracks take the id of a track that ended shortly before, near where it was heading. */
function reidentify(run: Run, w: TrackWindowInput, locals: Local[], matched: (Global | null)[]): void {
  const { o, q, diag, frame } = run;
  const open = locals.map((_, li) => li).filter((li) => !matched[li]);
  const reachKey = timeKey(w.start, q) - Math.round(o.maxGap / q) - 1;
  const cands = run.globals.filter((g) => !g.windows.has(w.index) && g.lastKey >= reachKey);
  if (open.length === 0 || cands.length === 0) return;
  const lasts: Owned[] = [];
  const matrix = cands.map((g) => {
    const { last, vx, vy } = velocity(run, g);
    lasts.push(last);
    return open.map((li) => {
      const first = head(at(locals, li, 'local track'));
      const gapKeys = first.key - g.lastKey;
      const gap = gapKeys * q;
      if (gapKeys <= 0 || gap > o.maxGap + q / 2) return Infinity;
      const span = first.p.t - last.p.t;
      const px = Math.min(frame.width, Math.max(0, last.p.x + vx * span));
      const py = Math.min(frame.height, Math.max(0, last.p.y + vy * span));
      const cost = Math.min(
        Math.hypot(first.p.x - px, first.p.y - py),
        Math.hypot(first.p.x - last.p.x, first.p.y - last.p.y),
      );
      const gate = diag * Math.min(o.maxReidGateFraction, o.reidGateFraction + o.reidGatePerSecond * gap);
      return cost <= gate ? cost : Infinity;
    });
  });
  const reid = assign(matrix, { gate: diag * o.maxReidGateFraction });
  const rowsUsed = new Set(reid.map((m) => m.row));
  for (const m of reid) {
    const ambiguous =
      o.ambiguityRatio > 0 &&
      matrix.some(
        (row, r) =>
          r !== m.row && !rowsUsed.has(r) && at(row, m.col, 'cost') <= o.ambiguityRatio * m.cost + 0.01 * diag,
      );
    if (ambiguous) continue;
    const g = at(cands, m.row, 'candidate track');
    const li = at(open, m.col, 'open track');
    const seg = at(lasts, m.row, 'last point');
    const local = at(locals, li, 'local track');
    matched[li] = g;
    run.decisions.push({
      windowA: seg.window,
      localA: seg.localId,
      windowB: w.index,
      localB: local.id,
      globalId: g.id,
      cost: m.cost,
      reason: 'reid',
    });
    attach(run, g, w, local);
  }
}

/** Step 3: every local track still unmatched starts a new global id, in order of first appearance. */
function assignNewIds(run: Run, w: TrackWindowInput, locals: Local[], matched: (Global | null)[]): void {
  locals.forEach((l, li) => {
    if (matched[li]) return;
    const g: Global = { id: run.globals.length + 1, points: new Map(), windows: new Set(), lastKey: -Infinity };
    run.globals.push(g);
    run.decisions.push({
      windowA: null,
      localA: null,
      windowB: w.index,
      localB: l.id,
      globalId: g.id,
      cost: 0,
      reason: 'new',
    });
    attach(run, g, w, l);
  });
}

/** A global track as the contract's Track: points in time order, in pixels and model coordinates. */
function toTrack(g: Global, run: Run): Track {
  return {
    id: g.id,
    label: run.o.label,
    points: [...g.points.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, v]): TrackPoint => ({
        t: v.p.t as Seconds,
        x: pixels(v.p.x),
        y: pixels(v.p.y),
        mx: toModelX(v.p.x, run.frame),
        my: toModelY(v.p.y, run.frame),
        window: v.window,
        localId: v.localId,
      })),
  };
}
