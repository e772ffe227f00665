// Counting across overlapping windows: per-window points → recording-wide instances, each seen once.
// The matching rule (documented on dedupCounts) only ever merges sightings from the overlap of two windows.
import { AppError } from '../../api/errors.js';
import type { Seconds } from '../../api/units.js';
import { checkFrame, frameDiagonal, timeKey, toModelX, toModelY } from './geometry.js';
import { assign } from './hungarian.js';
import type { CountEvidence, CountInstance, CountMatch, CountResult, CountWindowInput, FrameSize } from './types.js';
import { at } from '../../api/at.js';

export interface CountDedupOptions {
  /** Times closer than half this share a sampled-time key (s). Default 0.1 (the model prints one decimal). */
  timeQuantum?: number;
  /** Match gate at equal times, as a fraction of the frame diagonal. Default 0.05 (≈ 37 px at 640×360). */
  gateFraction?: number;
  /**
   * Largest time difference between two sightings that may still match (s). Default 0.25 = half of Molmo2's 2 fps
   * sampling interval: on a shared sampling grid only the same sampled time matches; windows sampled on offset grids
   * still match their nearest samples. 0 = the same printed timestamp only.
   */
  maxTimeDelta?: number;
  /** Gate growth per second of time difference, as a fraction of the diagonal (used when maxTimeDelta > 0). Default 0.1. */
  speedFraction?: number;
}

const DEFAULTS: Required<CountDedupOptions> = {
  timeQuantum: 0.1,
  gateFraction: 0.05,
  maxTimeDelta: 0.25,
  speedFraction: 0.1,
};

interface Node {
  window: number;
  ev: CountEvidence;
}

/**
 * De-duplicates counted points across overlapping windows.
 *
 * Rule: for every pair of windows whose time ranges overlap (normally k and k+1), take each window's points whose
 * time lies inside the overlap [max(start), min(end)] (± half a time quantum). A pair of sightings (a from the earlier
 * window, b from the later one) is a candidate when their sampled times are the same (same printed timestamp, or
 * |Δt| ≤ maxTimeDelta, default 0.25 s = half the 2 fps sampling interval) and their pixel distance is within gate = diagonal·(gateFraction + speedFraction·|Δt|).
 * Candidates are matched one-to-one by the Hungarian algorithm on pixel distance (leaving a sighting unmatched costs
 * the gate, so a far pair never displaces two near ones). Matched sightings are one instance; an instance never holds
 * two sightings from the same window (a chain through a third window that would do so is refused). Points outside
 * any overlap are always distinct instances: one window never sees the same object twice in one answer.
 */
export function dedupCounts(
  windows: readonly CountWindowInput[],
  frame: FrameSize,
  options: CountDedupOptions = {},
): CountResult {
  checkFrame(frame);
  const o = { ...DEFAULTS, ...options };
  checkInput(windows, o);
  const ordered = [...windows].sort((a, b) => a.start - b.start || a.index - b.index);
  const { nodes, firstNode } = sightings(ordered, frame);
  const pending: Edge[] = [];
  for (let i = 0; i < ordered.length; i++) {
    for (let j = i + 1; j < ordered.length; j++)
      pending.push(...overlapMatches(ordered[i]!, ordered[j]!, nodes, firstNode, frameDiagonal(frame), o));
  }
  const sets = new WindowSets(nodes);
  const accepted = pending.filter((e) => sets.union(e.a, e.b));
  return toResult(ordered, nodes, sets, accepted);
}

interface Edge {
  a: number;
  b: number;
  cost: number;
}

/** Refuses options out of range, repeated window indices, reversed windows and non-finite points. */
function checkInput(windows: readonly CountWindowInput[], o: Required<CountDedupOptions>): void {
  if (!(o.timeQuantum > 0) || !(o.gateFraction >= 0) || !(o.maxTimeDelta >= 0) || !(o.speedFraction >= 0)) {
    throw new AppError('INVALID_INPUT', 'count de-duplication options must be non-negative (timeQuantum > 0)');
  }
  const seen = new Set<number>();
  for (const w of windows) {
    if (seen.has(w.index)) throw new AppError('INVALID_INPUT', `window index ${w.index} appears twice`);
    seen.add(w.index);
    if (!(w.end >= w.start)) throw new AppError('INVALID_INPUT', `window ${w.index} ends before it starts`);
    for (const p of w.points) {
      if (![p.t, p.x, p.y].every(Number.isFinite))
        throw new AppError('INVALID_INPUT', `window ${w.index} has a non-finite point`);
    }
  }
}

/** One node per sighting, windows in time order; firstNode maps a window index to its first node. */
function sightings(
  ordered: readonly CountWindowInput[],
  frame: FrameSize,
): { nodes: Node[]; firstNode: Map<number, number> } {
  const nodes: Node[] = [];
  const firstNode = new Map<number, number>();
  for (const w of ordered) {
    firstNode.set(w.index, nodes.length);
    for (const p of w.points) {
      nodes.push({
        window: w.index,
        ev: {
          window: w.index,
          localId: p.localId,
          t: p.t,
          x: p.x,
          y: p.y,
          mx: toModelX(p.x, frame),
          my: toModelY(p.y, frame),
        },
      });
    }
  }
  return { nodes, firstNode };
}

/** Hungarian matches between the sightings two windows have inside their overlap (none when they do not overlap). */
function overlapMatches(
  A: CountWindowInput,
  B: CountWindowInput,
  nodes: Node[],
  firstNode: Map<number, number>,
  diag: number,
  o: Required<CountDedupOptions>,
): Edge[] {
  const ovStart = Math.max(A.start, B.start);
  const ovEnd = Math.min(A.end, B.end);
  if (ovEnd < ovStart) return [];
  const slack = o.timeQuantum / 2 + o.maxTimeDelta;
  const inOv = (t: Seconds) => t >= ovStart - slack && t <= ovEnd + slack;
  const ia: number[] = [];
  const ib: number[] = [];
  A.points.forEach((p, k) => inOv(p.t) && ia.push(firstNode.get(A.index)! + k));
  B.points.forEach((p, k) => inOv(p.t) && ib.push(firstNode.get(B.index)! + k));
  if (ia.length === 0 || ib.length === 0) return [];
  const matrix = ia.map((na) =>
    ib.map((nb) => pairCost(at(nodes, na, 'sighting').ev, at(nodes, nb, 'sighting').ev, diag, o)),
  );
  const maxGate = diag * (o.gateFraction + o.speedFraction * o.maxTimeDelta);
  return assign(matrix, { gate: maxGate }).map((m) => ({
    a: at(ia, m.row, 'sighting'),
    b: at(ib, m.col, 'sighting'),
    cost: m.cost,
  }));
}

/** Pixel distance of two sightings when they are the same sampled time and within the time-widened gate, else ∞. */
function pairCost(a: CountEvidence, b: CountEvidence, diag: number, o: Required<CountDedupOptions>): number {
  const dt = timeKey(a.t, o.timeQuantum) === timeKey(b.t, o.timeQuantum) ? 0 : Math.abs(a.t - b.t);
  if (dt > o.maxTimeDelta + 1e-9) return Infinity;
  const d = Math.hypot(a.x - b.x, a.y - b.y);
  const gate = diag * (o.gateFraction + o.speedFraction * dt);
  return d <= gate ? d : Infinity;
}

/** Union-find over sightings that refuses a union putting two sightings of one window into one instance. */
class WindowSets {
  private readonly parent: number[];
  private readonly windowsOf: Set<number>[];
  constructor(nodes: Node[]) {
    this.parent = nodes.map((_, i) => i);
    this.windowsOf = nodes.map((n) => new Set([n.window]));
  }
  find(i: number): number {
    const parent = this.parent;
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!; // parent holds valid node ids only
      i = parent[i]!;
    }
    return i;
  }
  /** Joins the sets of a and b; false when they are already one, or share a window (a chain through a third one). */
  union(a: number, b: number): boolean {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return false;
    const wa = at(this.windowsOf, ra, 'window set');
    const wb = at(this.windowsOf, rb, 'window set');
    for (const w of wb) if (wa.has(w)) return false;
    this.parent[rb] = ra;
    for (const w of wb) wa.add(w);
    return true;
  }
}

/** Components → instances ordered by their earliest sighting (evidence in window order), matches and per-window counts. */
function toResult(
  ordered: readonly CountWindowInput[],
  nodes: Node[],
  sets: WindowSets,
  accepted: Edge[],
): CountResult {
  const groups = new Map<number, number[]>();
  nodes.forEach((_, i) => {
    const r = sets.find(i);
    const g = groups.get(r);
    if (g) g.push(i);
    else groups.set(r, [i]);
  });
  const windowRank = new Map(ordered.map((w, k) => [w.index, k]));
  const evidenceLists = [...groups.values()].map((ids) =>
    ids
      .map((i) => at(nodes, i, 'sighting').ev)
      .sort((a, b) => windowRank.get(a.window)! - windowRank.get(b.window)! || a.t - b.t),
  );
  evidenceLists.sort((la, lb) => {
    const a = at(la, 0, 'evidence');
    const b = at(lb, 0, 'evidence');
    return a.t - b.t || windowRank.get(a.window)! - windowRank.get(b.window)! || a.x - b.x || a.y - b.y;
  });
  const instances: CountInstance[] = evidenceLists.map((evidence, k) => ({ id: k + 1, evidence }));
  const instanceOf = new Map<CountEvidence, number>();
  for (const inst of instances) for (const ev of inst.evidence) instanceOf.set(ev, inst.id);
  const matches: CountMatch[] = accepted.map((e) => {
    const a = at(nodes, e.a, 'sighting').ev;
    const b = at(nodes, e.b, 'sighting').ev;
    return {
      windowA: a.window,
      localA: a.localId,
      windowB: b.window,
      localB: b.localId,
      instanceId: instanceOf.get(a)!,
      cost: e.cost,
    };
  });
  return {
    total: instances.length,
    instances,
    perWindow: ordered.map((w) => ({ window: w.index, start: w.start, end: w.end, count: w.points.length })),
    matches,
  };
}
