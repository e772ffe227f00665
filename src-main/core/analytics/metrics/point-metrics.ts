// Point precision / recall / F1 with point-in-region matching (reference §8.1 image pointing, §8.3 video pointing).
// Hungarian on distance pairs predictions with GT objects; a pair succeeds when the point lies in that object's region.
import { AppError } from '../../../api/errors.js';
import { assign } from '../hungarian.js';
import type { PointsGt, PointsPred } from './eval-format.js';
import { pointInRegion, regionCenter, type Region } from './regions.js';
import { pyRound1 } from './py-round.js';
import { at } from '../../../api/at.js';

export interface PrfScore {
  precision: number;
  recall: number;
  f1: number;
}

/** F1 as the reference computes it: 2PR/(P+R+1e-10), 0 when P or R is 0. */
export function f1Of(precision: number, recall: number): number {
  return precision === 0 || recall === 0 ? 0 : (2 * precision * recall) / (precision + recall + 1e-10);
}

/** P/R/F1 from successes and the two set sizes, with the reference's empty-set conventions. */
export function prf(successes: number, nPred: number, nGt: number): PrfScore {
  if (nGt === 0) return nPred === 0 ? { precision: 1, recall: 1, f1: 1 } : { precision: 0, recall: 0, f1: 0 };
  if (nPred === 0) return { precision: 0, recall: 0, f1: 0 };
  const precision = successes / nPred;
  const recall = successes / nGt;
  return { precision, recall, f1: f1Of(precision, recall) };
}

export interface PointMetrics extends PrfScore {
  n: number;
  examples: ({ id: string; successes: number; nPred: number; nGt: number } & PrfScore)[];
}

type GtExample = PointsGt['examples'][number];

/** A predicted point in pixels (video mode needs its time). */
export interface PixelPoint {
  t?: number | undefined;
  x: number;
  y: number;
}

/** One Hungarian pair of `pairPoints`: indices into the points and the GT objects, and whether the point hit. */
export interface PointPair {
  point: number;
  object: number;
  hit: boolean;
}

/** The GT objects of an example with the anchor each is matched at (x,y from the object or its first region). */
function anchoredObjects(g: GtExample) {
  return g.objects.map((o, k) => {
    const anchor = o.region ?? o.regions?.[0]?.region;
    let x = o.x;
    let y = o.y;
    if (x === undefined || y === undefined) {
      if (!anchor)
        throw new AppError('INVALID_INPUT', `ground truth ${g.id} object ${o.id ?? k}: needs x,y or a region`);
      ({ x, y } = regionCenter(anchor));
    }
    const t = o.t ?? o.regions?.[0]?.t ?? 0;
    return { t, x, y, o };
  });
}

/**
 * The point matching of one example (what point F1 counts): Hungarian on distance pairs points with GT objects — in
 * image mode on pixels, in video mode on (t/duration·100, x/W·100, y/H·100) each rounded to 1 decimal as the reference
 * — and a pair hits when the point lies in the object's region (in video mode the region at the point's time,
 * |Δt| ≤ timeTolerance, or a time-less `region`).
 */
export function pairPoints(points: readonly PixelPoint[], g: GtExample, timeTolerance = 0.05): PointPair[] {
  const objs = anchoredObjects(g);
  if (objs.length === 0 || points.length === 0) return [];
  const video = g.objects.some((o) => o.t !== undefined || o.regions !== undefined);
  const duration = g.duration ?? Math.max(1, ...objs.map((o) => o.t), ...points.map((p) => p.t ?? 0));
  const key = (t: number, x: number, y: number): [number, number, number] =>
    video ? [pyRound1((t / duration) * 100), pyRound1((x / g.width) * 100), pyRound1((y / g.height) * 100)] : [x, y, 0];
  const cost = points.map((p) => {
    const a = key(p.t ?? 0, p.x, p.y);
    return objs.map((o) => {
      const b = key(o.t, o.x, o.y);
      return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    });
  });
  return assign(cost).map((m) => {
    const p = at(points, m.row, 'assigned point');
    const o = at(objs, m.col, 'assigned object').o;
    let region: Region | undefined = o.region;
    if (video && o.regions) {
      const t = p.t;
      region =
        t === undefined
          ? undefined
          : (o.regions.find((r) => Math.abs(r.t - t) <= timeTolerance)?.region ??
            (o.regions.length ? undefined : o.region));
    }
    return { point: m.row, object: m.col, hit: region !== undefined && pointInRegion(p.x, p.y, region) };
  });
}

/**
 * Scores point predictions with `pairPoints` per example: mean over GT examples of P/R/F1 (a missing prediction = no
 * points).
 */
export function evalPoints(pred: PointsPred, gt: PointsGt, opts: { timeTolerance?: number } = {}): PointMetrics {
  const byId = new Map(pred.examples.map((e) => [e.id, e]));
  const examples = gt.examples.map((g) => {
    const scale = pred.units === 'model' ? { x: g.width / 1000, y: g.height / 1000 } : { x: 1, y: 1 };
    const points = (byId.get(g.id)?.points ?? []).map((p) => ({ t: p.t, x: p.x * scale.x, y: p.y * scale.y }));
    const successes = pairPoints(points, g, opts.timeTolerance).filter((p) => p.hit).length;
    return {
      id: g.id,
      successes,
      nPred: points.length,
      nGt: g.objects.length,
      ...prf(successes, points.length, g.objects.length),
    };
  });
  const mean = (k: keyof PrfScore) => (examples.length ? examples.reduce((s, e) => s + e[k], 0) / examples.length : 0);
  return { n: examples.length, precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), examples };
}
