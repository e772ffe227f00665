// The Track page's data, precomputed once per result so a frame costs O(log n) per lane: each object's points as
// typed arrays sorted by time, its visible spans (gaps split them), and binary searches by time.
// Indices below are in bounds by the loop and search bounds (per-frame code): plain `!` access.

/** A track as the page receives it (recording-wide id, label, points in source pixels). */
export interface TrackInput {
  id: number;
  label: string;
  points: ReadonlyArray<{ t: number; x: number; y: number }>;
}

/** One timeline lane: an object id with its sorted points and visible spans [start0, end0, start1, end1, …]. */
export interface Lane {
  id: number;
  label: string;
  t: Float64Array;
  x: Float32Array;
  y: Float32Array;
  spans: Float64Array;
}

export interface TimelineModel {
  lanes: Lane[];
  /** Earliest and latest point time over every lane. */
  start: number;
  end: number;
  /** A gap longer than this (s) ends a visible span. */
  gap: number;
}

/** First index i with a[i] >= v (a sorted ascending); a.length when none. */
export function lowerBound(a: ArrayLike<number>, v: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m]! < v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/**
 * Gap rule: the object is "not visible" between two consecutive samples farther apart than max(1 s, 2.5 × the
 * median sampling interval) — Molmo2 omits frames where an object is occluded or gone, so a missing sample or two at
 * 2 fps is jitter, a longer hole is a real absence.
 */
export function gapThreshold(lanes: ReadonlyArray<{ t: ArrayLike<number> }>): number {
  const dts: number[] = [];
  for (const l of lanes) for (let i = 1; i < l.t.length && dts.length < 20_000; i++) dts.push(l.t[i]! - l.t[i - 1]!);
  if (dts.length === 0) return 1;
  dts.sort((a, b) => a - b);
  return Math.max(1, 2.5 * dts[dts.length >> 1]!);
}

/** Builds the lanes (sorted by id) with spans from the gap rule. */
export function buildModel(tracks: ReadonlyArray<TrackInput>, gap?: number): TimelineModel {
  const lanes: Lane[] = tracks
    .map((tr) => {
      const pts = [...tr.points].sort((a, b) => a.t - b.t);
      const t = new Float64Array(pts.length);
      const x = new Float32Array(pts.length);
      const y = new Float32Array(pts.length);
      pts.forEach((p, i) => {
        t[i] = p.t;
        x[i] = p.x;
        y[i] = p.y;
      });
      return { id: tr.id, label: tr.label, t, x, y, spans: new Float64Array(0) };
    })
    .sort((a, b) => a.id - b.id);
  const g = gap ?? gapThreshold(lanes);
  let start = Infinity;
  let end = -Infinity;
  for (const l of lanes) {
    if (l.t.length === 0) continue;
    start = Math.min(start, l.t[0]!);
    end = Math.max(end, l.t[l.t.length - 1]!);
    const s: number[] = [l.t[0]!];
    for (let i = 1; i < l.t.length; i++) if (l.t[i]! - l.t[i - 1]! > g) s.push(l.t[i - 1]!, l.t[i]!);
    s.push(l.t[l.t.length - 1]!);
    l.spans = Float64Array.from(s);
  }
  if (!Number.isFinite(start)) ((start = 0), (end = 0));
  return { lanes, start, end, gap: g };
}

/** Index range [i0, i1) of a lane's spans that intersect [t0, t1] (span k = spans[2k], spans[2k+1]). */
export function visibleSpans(lane: Lane, t0: number, t1: number): [number, number] {
  const n = lane.spans.length >> 1;
  // Span k ends at spans[2k+1]; ends are sorted, so find the first span ending at or after t0.
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (lane.spans[2 * m + 1]! < t0) lo = m + 1;
    else hi = m;
  }
  let k1 = lo;
  while (k1 < n && lane.spans[2 * k1]! <= t1) k1++;
  return [lo, k1];
}

/** The lane's position at time t: the nearest sample within `tolerance` seconds, or null (not visible then). */
export function pointAt(lane: Lane, t: number, tolerance: number): { i: number; x: number; y: number } | null {
  const n = lane.t.length;
  if (n === 0) return null;
  const i = lowerBound(lane.t, t);
  let best = -1;
  if (i < n && lane.t[i]! - t <= tolerance) best = i;
  if (i > 0 && t - lane.t[i - 1]! <= tolerance && (best < 0 || t - lane.t[i - 1]! < lane.t[best]! - t)) best = i - 1;
  return best < 0 ? null : { i: best, x: lane.x[best]!, y: lane.y[best]! };
}

/** Index range [i0, i1) of the lane's points with t in [t0, t1]. */
export function pointRange(lane: Lane, t0: number, t1: number): [number, number] {
  return [lowerBound(lane.t, t0), lowerBound(lane.t, t1 + 1e-9)];
}
