// Two count runs (or two track runs) of the same recording span side by side — typically one with the base model and
// its re-run with an adapter: each run's model, totals, per-window and per-frame tallies, and which instances (tracks)
// of one are the other's. Matching is the metrics' own: point F1's pairing for counted instances (run A's sightings
// as the reference, a box of ±5 % of the frame), HOTA's for tracks — never a second matcher.
import { AppError } from '../../api/errors.js';
import { at } from '../../api/at.js';
import type { Library } from '../library/store.js';
import { assign } from './hungarian.js';
import { hota, hotaPairs, HOTA_ALPHAS } from './metrics/hota.js';
import { pairPoints, prf } from './metrics/point-metrics.js';
import { pointBox } from './metrics/regions.js';
import { exampleFrames } from './metrics/track-metrics.js';
import { pyRound } from './metrics/py-round.js';
import { runResult, type RunResult } from './run-result.js';
import type { RunKind, RunRow } from './run-store.js';
import type { CountInstance, CountResult, Track } from './types.js';

/** Where an instance (count) or track is first seen: what the UI seeks to. */
export interface ComparedItem {
  id: number;
  t: number;
  x: number;
  y: number;
}

/** An instance (track) of run A matched with one of run B; `frames`: the frames they agree on (1 for counts). */
export interface ComparedMatch {
  a: ComparedItem;
  b: ComparedItem;
  frames: number;
}

export interface RunComparison {
  kind: RunKind;
  a: { run: RunRow; total: number };
  b: { run: RunRow; total: number };
  /** Per window of either run (matched by start and end): its count in each (null where that run has no such window). */
  perWindow: { start: number; end: number; a: number | null; b: number | null }[];
  /** Per sampled time (0.1 s): the instances sighted (count) or tracks present (track) in each run. */
  perFrame: { t: number; a: number; b: number }[];
  matched: ComparedMatch[];
  onlyA: ComparedItem[];
  onlyB: ComparedItem[];
  /** B scored against A: point precision/recall/F1 (count), or HOTA, DetA and AssA (track). */
  agreement: Record<string, number>;
  /** Both runs' corrected tracks (track runs), for their lanes. */
  tracks: { a: Track[]; b: Track[] } | null;
}

/** Hungarian input above this many cells is refused (its time grows with the cube of the side). */
const MAX_MATCH_CELLS = 250_000;

function checkComparable(a: RunResult, b: RunResult): void {
  const [ra, rb] = [a.run, b.run];
  if (ra.id === rb.id) throw new AppError('INVALID_INPUT', `Run ${ra.id} compared with itself: pick two runs.`);
  if (ra.kind !== rb.kind)
    throw new AppError('INVALID_INPUT', `Run ${ra.id} is a ${ra.kind} run and run ${rb.id} a ${rb.kind} run.`);
  if (ra.recordingId !== rb.recordingId)
    throw new AppError('INVALID_INPUT', `Runs ${ra.id} and ${rb.id} are of different recordings.`);
  if (Math.abs(ra.start - rb.start) > 1e-6 || Math.abs(ra.end - rb.end) > 1e-6)
    throw new AppError(
      'INVALID_INPUT',
      `Runs ${ra.id} (${ra.start}–${ra.end} s) and ${rb.id} (${rb.start}–${rb.end} s) cover different spans.`,
    );
  for (const r of [ra, rb])
    if (r.status !== 'done') throw new AppError('JOB_CONFLICT', `Run ${r.id} is ${r.status}; compare finished runs.`);
}

function checkSize(nA: number, nB: number): void {
  if (nA * nB > MAX_MATCH_CELLS)
    throw new AppError(
      'INVALID_INPUT',
      `${nA} × ${nB} instances are too many to match at once (at most ${MAX_MATCH_CELLS} pairs); compare a shorter span.`,
    );
}

/** Distinct ids seen per 0.1 s in each run, in time order. */
function perFrameTally(a: { t: number; id: number }[], b: { t: number; id: number }[]): RunComparison['perFrame'] {
  const keys = new Map<number, { a: Set<number>; b: Set<number> }>();
  const add = (side: 'a' | 'b', s: { t: number; id: number }) => {
    const k = pyRound(s.t * 10);
    const e = keys.get(k) ?? { a: new Set<number>(), b: new Set<number>() };
    e[side].add(s.id);
    keys.set(k, e);
  };
  a.forEach((s) => add('a', s));
  b.forEach((s) => add('b', s));
  return [...keys.entries()].sort(([x], [y]) => x - y).map(([k, e]) => ({ t: k / 10, a: e.a.size, b: e.b.size }));
}

/** Half the smallest sample interval of a run's windows: two sightings this close are at the same frame. */
function halfStep(r: RunResult): number {
  let step = Infinity;
  for (const w of r.windows)
    for (let i = 1; i < w.sampleTimes.length; i++)
      step = Math.min(step, at(w.sampleTimes, i, 'sample time') - at(w.sampleTimes, i - 1, 'sample time'));
  return Number.isFinite(step) && step > 0 ? step / 2 : 0.25;
}

const firstSighting = (i: CountInstance): ComparedItem => {
  const e = at(i.evidence, 0, 'sighting'); // an instance is made of at least one sighting
  return { id: i.id, t: e.t, x: e.x, y: e.y };
};

function perWindowTally(ca: CountResult, cb: CountResult): RunComparison['perWindow'] {
  const key = (w: { start: number; end: number }) => `${w.start.toFixed(3)}/${w.end.toFixed(3)}`;
  const rows = new Map<string, RunComparison['perWindow'][number]>();
  for (const w of ca.perWindow) rows.set(key(w), { start: w.start, end: w.end, a: w.count, b: null });
  for (const w of cb.perWindow) {
    const row = rows.get(key(w));
    if (row) row.b = w.count;
    else rows.set(key(w), { start: w.start, end: w.end, a: null, b: w.count });
  }
  return [...rows.values()].sort((x, y) => x.start - y.start || x.end - y.end);
}

/** Counts: run B's instances (first sightings) paired with run A's by point F1's matcher. */
function compareCounts(a: RunResult, b: RunResult, ca: CountResult, cb: CountResult) {
  checkSize(ca.instances.length, cb.instances.length);
  const frame = a.run.frame;
  const gt = {
    id: String(a.run.id),
    width: frame.width,
    height: frame.height,
    duration: Math.max(1, a.run.end),
    objects: ca.instances.map((i) => ({
      ...firstSighting(i),
      id: String(i.id),
      regions: i.evidence.map((e) => ({ t: e.t, region: pointBox(e.x, e.y, frame) })),
    })),
  };
  const points = cb.instances.map(firstSighting);
  const hits = pairPoints(points, gt, halfStep(a)).filter((p) => p.hit);
  const matched = hits.map((p) => ({
    a: firstSighting(at(ca.instances, p.object, 'instance')),
    b: at(points, p.point, 'instance'),
    frames: 1,
  }));
  const score = prf(hits.length, points.length, gt.objects.length);
  const sightings = (c: CountResult) => c.instances.flatMap((i) => i.evidence.map((e) => ({ t: e.t, id: i.id })));
  return {
    perWindow: perWindowTally(ca, cb),
    perFrame: perFrameTally(sightings(ca), sightings(cb)),
    matched,
    onlyA: ca.instances.filter((i) => !matched.some((m) => m.a.id === i.id)).map(firstSighting),
    onlyB: points.filter((p) => !matched.some((m) => m.b.id === p.id)),
    agreement: { precision: score.precision, recall: score.recall, f1: score.f1 },
  };
}

const firstPoint = (tr: Track): ComparedItem => {
  const p = at(tr.points, 0, 'track point'); // tracks are never empty
  return { id: tr.id, t: p.t, x: p.x, y: p.y };
};

/** Frames on which HOTA matched each (A track, B track) pair, keyed `a/b`. */
function agreeingFrames(ta: Track[], tb: Track[], frame: { width: number; height: number }) {
  const gt = {
    id: 'a',
    width: frame.width,
    height: frame.height,
    objects: ta.map((tr) => ({
      id: String(tr.id),
      frames: tr.points.map((p) => ({ t: p.t, x: p.x, y: p.y, region: pointBox(p.x, p.y, frame) })),
    })),
  };
  const pred = tb.map((tr) => ({ id: String(tr.id), points: tr.points.map((p) => ({ t: p.t, x: p.x, y: p.y })) }));
  const ex = exampleFrames(gt, pred, 'pixels');
  const trackOf = (ids: Map<string, number>) => new Map([...ids].map(([s, dense]) => [dense, Number(s)]));
  const [ga, pb] = [trackOf(ex.gtIds), trackOf(ex.predIds)];
  const frames = new Map<string, number>();
  for (const pairs of hotaPairs(ex.frames))
    for (const [g, p] of pairs) {
      const k = `${ga.get(g)}/${pb.get(p)}`;
      frames.set(k, (frames.get(k) ?? 0) + 1);
    }
  const h = at(hota(ex.frames), HOTA_ALPHAS.indexOf(0.5), 'HOTA at α = 0.5');
  return { frames, agreement: { hota: h.hota, detA: h.detA, assA: h.assA } };
}

/** Tracks: HOTA's per-frame matches between the runs, each A track paired with the B track it agrees with most. */
function compareTracks(a: RunResult, ta: Track[], tb: Track[]) {
  checkSize(ta.length, tb.length);
  const { frames, agreement } = agreeingFrames(ta, tb, a.run.frame);
  const cost = ta.map((x) => tb.map((y) => -(frames.get(`${x.id}/${y.id}`) ?? 0)));
  const matched = (ta.length && tb.length ? assign(cost) : [])
    .map((m) => ({ x: at(ta, m.row, 'track'), y: at(tb, m.col, 'track') }))
    .map(({ x, y }) => ({ a: firstPoint(x), b: firstPoint(y), frames: frames.get(`${x.id}/${y.id}`) ?? 0 }))
    .filter((m) => m.frames > 0);
  const points = (ts: Track[]) => ts.flatMap((tr) => tr.points.map((p) => ({ t: p.t, id: tr.id })));
  return {
    perWindow: [],
    perFrame: perFrameTally(points(ta), points(tb)),
    matched,
    onlyA: ta.filter((x) => !matched.some((m) => m.a.id === x.id)).map(firstPoint),
    onlyB: tb.filter((y) => !matched.some((m) => m.b.id === y.id)).map(firstPoint),
    agreement,
  };
}

/**
 * Compares two finished runs of one kind over the same recording span (INVALID_INPUT otherwise, JOB_CONFLICT while
 * one is not done, NOT_FOUND for an unknown id).
 */
export function compareRuns(lib: Library, runA: number, runB: number): RunComparison {
  const a = runResult(lib, runA);
  const b = runResult(lib, runB);
  checkComparable(a, b);
  if (a.count && b.count) {
    const side = { a: { run: a.run, total: a.count.total }, b: { run: b.run, total: b.count.total } };
    return { kind: 'count', ...side, ...compareCounts(a, b, a.count, b.count), tracks: null };
  }
  const ta = a.tracks?.tracks ?? [];
  const tb = b.tracks?.tracks ?? [];
  const side = { a: { run: a.run, total: ta.length }, b: { run: b.run, total: tb.length } };
  return { kind: 'track', ...side, ...compareTracks(a, ta, tb), tracks: { a: ta, b: tb } };
}
