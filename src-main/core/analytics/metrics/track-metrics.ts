// Tracking metrics for `molmoscope eval --kind tracks`: HOTA (α = 0.5) with DetA/AssA/DetRe/DetPr and per-frame P/R/F1.
// Frames are matched by index round(t·fps); similarity = point inside the GT object's region at that frame (§8.4).
import { assign } from '../hungarian.js';
import type { TracksGt, TracksPred } from './eval-format.js';
import { hota, HOTA_ALPHAS, type HotaFrame, type HotaScores, type HotaSummary } from './hota.js';
import { pyRound } from './py-round.js';
import { prf, type PrfScore } from './point-metrics.js';
import { pointInRegion, regionCenter, type Region } from './regions.js';
import { at } from '../../../api/at.js';

export interface TrackExampleScore {
  id: string;
  hota: HotaScores;
  /** Mean over frames (union of GT and predicted frames) of the per-frame point-in-region P/R/F1. */
  spatial: PrfScore;
  frames: number;
}

export interface TrackMetrics extends HotaSummary {
  n: number;
  spatial: PrfScore;
  /** True when every α in the sweep gave the same HOTA (always, for binary similarity). */
  alphaInvariant: boolean;
  examples: TrackExampleScore[];
}

interface GtAt {
  gid: number;
  x: number;
  y: number;
  region: Region;
}
interface PredAt {
  pid: number;
  x: number;
  y: number;
}

type GtExample = TracksGt['examples'][number];
type PredTrack = TracksPred['examples'][number]['tracks'][number];

/** The GT objects by frame key, each object once per frame, ids numbered from 1 in order of appearance (`gtIds`). */
function gtByFrame(g: GtExample, key: (t: number) => number, gtIds: Map<string, number>): Map<number, GtAt[]> {
  const gtAt = new Map<number, GtAt[]>();
  for (const o of g.objects) {
    if (!gtIds.has(o.id)) gtIds.set(o.id, gtIds.size + 1);
    const gid = gtIds.get(o.id)!;
    for (const f of o.frames) {
      const k = key(f.t);
      const list = gtAt.get(k) ?? [];
      if (list.some((e) => e.gid === gid)) continue;
      const c = f.x !== undefined && f.y !== undefined ? { x: f.x, y: f.y } : regionCenter(f.region);
      list.push({ gid, x: c.x, y: c.y, region: f.region });
      gtAt.set(k, list);
    }
  }
  return gtAt;
}

/** The predicted points by frame key, scaled to pixels, ids numbered from 1 in order of appearance (`predIds`). */
function predByFrame(
  tracks: readonly PredTrack[],
  scale: { x: number; y: number },
  key: (t: number) => number,
  predIds: Map<string, number>,
): Map<number, PredAt[]> {
  const predAt = new Map<number, PredAt[]>();
  for (const tr of tracks) {
    if (!predIds.has(tr.id)) predIds.set(tr.id, predIds.size + 1);
    const pid = predIds.get(tr.id)!;
    for (const p of tr.points) {
      const k = key(p.t);
      const list = predAt.get(k) ?? [];
      if (list.some((e) => e.pid === pid)) continue; // a repeated id at one time: the first occurrence wins
      list.push({ pid, x: p.x * scale.x, y: p.y * scale.y });
      predAt.set(k, list);
    }
  }
  return predAt;
}

/** The HOTA frames and the mean per-frame point-in-region P/R/F1 over the union of GT and predicted frames. */
function matchFrames(gtAt: Map<number, GtAt[]>, predAt: Map<number, PredAt[]>) {
  const keys = [...new Set([...gtAt.keys(), ...predAt.keys()])].sort((a, b) => a - b);
  const frames: (HotaFrame & { key: number })[] = [];
  let sp = 0;
  let sr = 0;
  let sf = 0;
  for (const k of keys) {
    const G = gtAt.get(k) ?? [];
    const P = predAt.get(k) ?? [];
    const sim = G.map((o) => P.map((p) => (pointInRegion(p.x, p.y, o.region) ? 1 : 0)));
    frames.push({ key: k, gtIds: G.map((o) => o.gid), predIds: P.map((p) => p.pid), sim });
    let successes = 0;
    if (G.length && P.length) {
      const cost = P.map((p) => G.map((o) => Math.hypot(p.x - o.x, p.y - o.y)));
      for (const m of assign(cost)) successes += sim[m.col]![m.row]!; // assign() returns in-bounds pairs
    }
    const s = prf(successes, P.length, G.length);
    sp += s.precision;
    sr += s.recall;
    sf += s.f1;
  }
  const n = keys.length;
  const spatial = n ? { precision: sp / n, recall: sr / n, f1: sf / n } : { precision: 1, recall: 1, f1: 1 };
  return { frames, spatial, n };
}

/**
 * The frames HOTA scores for one example (frame key round(t·fps), similarity = point inside the GT object's region),
 * the mean per-frame P/R/F1, and the dense ids given to its GT objects and predicted tracks (from 1, in order of
 * appearance).
 */
export function exampleFrames(g: GtExample, pred: readonly PredTrack[], units: TracksPred['units'], fps = 10) {
  const key = (t: number) => pyRound(t * (g.fps ?? fps));
  const gtIds = new Map<string, number>();
  const predIds = new Map<string, number>();
  const gtAt = gtByFrame(g, key, gtIds);
  const scale = units === 'model' ? { x: g.width / 1000, y: g.height / 1000 } : { x: 1, y: 1 };
  const predAt = predByFrame(pred, scale, key, predIds);
  return { ...matchFrames(gtAt, predAt), gtIds, predIds };
}

/** Scores tracks; `fps` (default 10, i.e. the model's 0.1 s timestamps) sets frame = round(t·fps) unless the GT example has its own. */
export function evalTracks(pred: TracksPred, gt: TracksGt, opts: { fps?: number } = {}): TrackMetrics {
  const byId = new Map(pred.examples.map((e) => [e.id, e]));
  const scored = gt.examples.map((g): { ex: TrackExampleScore; all: HotaScores[] } => {
    const { frames, spatial, n } = exampleFrames(g, byId.get(g.id)?.tracks ?? [], pred.units, opts.fps);
    const all = hota(frames);
    return { ex: { id: g.id, hota: at(all, HOTA_ALPHAS.indexOf(0.5), 'HOTA at α = 0.5'), spatial, frames: n }, all };
  });
  const examples = scored.map((s) => s.ex);
  const alphaInvariant = scored.every(({ all }) =>
    all.every((h) => Math.abs(h.hota - (all[0]?.hota ?? h.hota)) < 1e-12),
  );
  const mean = (f: (e: TrackExampleScore) => number) =>
    examples.length ? examples.reduce((s, e) => s + f(e), 0) / examples.length : 0;
  return {
    n: examples.length,
    alpha: 0.5,
    hota: mean((e) => e.hota.hota),
    detA: mean((e) => e.hota.detA),
    assA: mean((e) => e.hota.assA),
    detRe: mean((e) => e.hota.detRe),
    detPr: mean((e) => e.hota.detPr),
    assRe: mean((e) => e.hota.assRe),
    assPr: mean((e) => e.hota.assPr),
    locA: mean((e) => e.hota.locA),
    spatial: {
      precision: mean((e) => e.spatial.precision),
      recall: mean((e) => e.spatial.recall),
      f1: mean((e) => e.spatial.f1),
    },
    alphaInvariant,
    examples,
  };
}
