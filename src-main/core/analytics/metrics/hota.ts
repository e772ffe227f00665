// HOTA (Higher Order Tracking Accuracy) with DetA/AssA/DetRe/DetPr, as TrackEval defines it, on a per-frame similarity.
// For points the similarity is binary (point inside the GT object's region), so every α gives the same values.
// Indices below are in bounds by the loop bounds; numeric loops keep plain `!` access (noUncheckedIndexedAccess).
import { assign } from '../hungarian.js';

/** One frame: ids present and the similarity sim[g][p] ∈ [0, 1] between GT object g and predicted id p. */
export interface HotaFrame {
  gtIds: readonly number[];
  predIds: readonly number[];
  sim: readonly (readonly number[])[];
}

/** HOTA and its parts at one α: what one sweep point gives, and what a mean over examples reports. */
export interface HotaSummary {
  alpha: number;
  hota: number;
  detA: number;
  assA: number;
  detRe: number;
  detPr: number;
  assRe: number;
  assPr: number;
  locA: number;
}

export interface HotaScores extends HotaSummary {
  tp: number;
  fn: number;
  fp: number;
}

/** α = 0.05, 0.10, …, 0.95 (TrackEval's sweep). */
export const HOTA_ALPHAS: readonly number[] = Array.from(
  { length: 19 },
  (_, i) => Math.round((0.05 + 0.05 * i) * 100) / 100,
);

const EPS = 1e-10;

/**
 * Pairs maximising Σ score over one frame. Zero-score pairs never count as matches, so the problem splits into the
 * connected components of the non-zero entries; each is solved by the Hungarian on its own (points usually fall in
 * one or two regions, so components are tiny and a 200-object frame costs far less than one 200×200 assignment).
 */
function maxScoreMatches(f: HotaFrame, score: (a: number, b: number) => number): [number, number][] {
  const nA = f.gtIds.length;
  const nB = f.predIds.length;
  const parent = Array.from({ length: nA + nB }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const edges: [number, number][] = [];
  for (let a = 0; a < nA; a++) {
    for (let b = 0; b < nB; b++) {
      if (f.sim[a]![b]! > 0) {
        edges.push([a, b]);
        parent[find(a)] = find(nA + b);
      }
    }
  }
  const comps = new Map<number, { rows: Set<number>; cols: Set<number> }>();
  for (const [a, b] of edges) {
    const r = find(a);
    let c = comps.get(r);
    if (!c) comps.set(r, (c = { rows: new Set(), cols: new Set() }));
    c.rows.add(a);
    c.cols.add(b);
  }
  const out: [number, number][] = [];
  for (const { rows, cols } of comps.values()) {
    const R = [...rows];
    const C = [...cols];
    if (R.length === 1 && C.length === 1) {
      out.push([R[0]!, C[0]!]);
      continue;
    }
    for (const m of assign(R.map((a) => C.map((b) => -score(a, b))))) {
      if (f.sim[R[m.row]!]![C[m.col]!]! > 0) out.push([R[m.row]!, C[m.col]!]);
    }
  }
  return out;
}

/** Dense indices of the ground-truth and predicted ids, and how often each appears. */
interface IdTable {
  gIdx: Map<number, number>;
  pIdx: Map<number, number>;
  gCount: Float64Array;
  pCount: Float64Array;
}

interface FrameMatch {
  s: number;
  g: number;
  p: number;
}

/** HOTA over one sequence of frames for each α. */
export function hota(frames: readonly HotaFrame[], alphas: readonly number[] = HOTA_ALPHAS): HotaScores[] {
  const totalGt = frames.reduce((s, f) => s + f.gtIds.length, 0);
  const totalPred = frames.reduce((s, f) => s + f.predIds.length, 0);
  const flat = (v: number): HotaScores[] =>
    alphas.map((alpha) => ({
      alpha,
      hota: v,
      detA: v,
      assA: v,
      detRe: v,
      detPr: v,
      assRe: v,
      assPr: v,
      locA: v,
      tp: 0,
      fn: totalGt,
      fp: totalPred,
    }));
  if (totalGt === 0 && totalPred === 0) return flat(1);
  if (totalGt === 0 || totalPred === 0) return flat(0);
  const ids = idTable(frames);
  const align = globalAlignment(frames, ids);
  const matched = frameMatches(frames, ids, align);
  return alphas.map((alpha) => scoresAt(alpha, frames, ids, matched));
}

/**
 * The pairs HOTA matches in each frame, as [GT id, predicted id] (pass 2 below: per frame, the Hungarian maximising
 * global alignment × similarity), for callers that show which objects agreed rather than a score.
 */
export function hotaPairs(frames: readonly HotaFrame[]): [number, number][][] {
  if (!frames.some((f) => f.gtIds.length > 0) || !frames.some((f) => f.predIds.length > 0)) return frames.map(() => []);
  const ids = idTable(frames);
  const gIds = [...ids.gIdx.keys()];
  const pIds = [...ids.pIdx.keys()];
  return frameMatches(frames, ids, globalAlignment(frames, ids)).map((ms) =>
    ms.filter((m) => m.s > 0).map((m): [number, number] => [gIds[m.g]!, pIds[m.p]!]),
  );
}

function idTable(frames: readonly HotaFrame[]): IdTable {
  const gIdx = new Map<number, number>();
  const pIdx = new Map<number, number>();
  for (const f of frames) {
    for (const g of f.gtIds) if (!gIdx.has(g)) gIdx.set(g, gIdx.size);
    for (const p of f.predIds) if (!pIdx.has(p)) pIdx.set(p, pIdx.size);
  }
  const gCount = new Float64Array(gIdx.size);
  const pCount = new Float64Array(pIdx.size);
  for (const f of frames) {
    for (const g of f.gtIds) gCount[gIdx.get(g)!]!++;
    for (const p of f.predIds) pCount[pIdx.get(p)!]!++;
  }
  return { gIdx, pIdx, gCount, pCount };
}

/** Pass 1: global alignment score A[g,p] = Σ simIoU / (n_g + n_p − Σ simIoU), row-major over (g, p). */
function globalAlignment(frames: readonly HotaFrame[], ids: IdTable): Float64Array {
  const nG = ids.gIdx.size;
  const nP = ids.pIdx.size;
  const potential = new Float64Array(nG * nP);
  for (const f of frames) {
    if (f.gtIds.length === 0 || f.predIds.length === 0) continue;
    const gi = f.gtIds.map((g) => ids.gIdx.get(g)!);
    const pi = f.predIds.map((p) => ids.pIdx.get(p)!);
    const rowSum = f.sim.map((r) => r.reduce((s, v) => s + v, 0));
    const colSum = pi.map((_, b) => f.sim.reduce((s, r) => s + r[b]!, 0));
    for (let a = 0; a < gi.length; a++) {
      for (let b = 0; b < pi.length; b++) {
        const s = f.sim[a]![b]!;
        const denom = rowSum[a]! + colSum[b]! - s;
        if (denom > EPS) potential[gi[a]! * nP + pi[b]!]! += s / denom;
      }
    }
  }
  const align = new Float64Array(nG * nP);
  for (let g = 0; g < nG; g++)
    for (let p = 0; p < nP; p++)
      align[g * nP + p] = potential[g * nP + p]! / (ids.gCount[g]! + ids.pCount[p]! - potential[g * nP + p]!);
  return align;
}

/** Pass 2: per frame, Hungarian maximising A·S (a pair counts as a match for α when S ≥ α). */
function frameMatches(frames: readonly HotaFrame[], ids: IdTable, align: Float64Array): FrameMatch[][] {
  const nP = ids.pIdx.size;
  return frames.map((f) => {
    if (f.gtIds.length === 0 || f.predIds.length === 0) return [];
    const gi = f.gtIds.map((g) => ids.gIdx.get(g)!);
    const pi = f.predIds.map((p) => ids.pIdx.get(p)!);
    return maxScoreMatches(f, (a, b) => align[gi[a]! * nP + pi[b]!]! * f.sim[a]![b]!).map(([a, b]) => ({
      s: f.sim[a]![b]!,
      g: gi[a]!,
      p: pi[b]!,
    }));
  });
}

/** Detection, association and localisation scores at one α. */
function scoresAt(alpha: number, frames: readonly HotaFrame[], ids: IdTable, matched: FrameMatch[][]): HotaScores {
  const nG = ids.gIdx.size;
  const nP = ids.pIdx.size;
  let tp = 0;
  let fn = 0;
  let fp = 0;
  let loc = 0;
  const matches = new Float64Array(nG * nP);
  frames.forEach((f, k) => {
    let tpf = 0;
    for (const m of matched[k]!) {
      if (m.s < alpha - EPS) continue;
      tpf++;
      loc += m.s;
      matches[m.g * nP + m.p]!++;
    }
    tp += tpf;
    fn += f.gtIds.length - tpf;
    fp += f.predIds.length - tpf;
  });
  let assA = 0;
  let assRe = 0;
  let assPr = 0;
  for (let g = 0; g < nG; g++) {
    for (let p = 0; p < nP; p++) {
      const mc = matches[g * nP + p]!;
      if (mc === 0) continue;
      assA += (mc * mc) / Math.max(1, ids.gCount[g]! + ids.pCount[p]! - mc);
      assRe += (mc * mc) / Math.max(1, ids.gCount[g]!);
      assPr += (mc * mc) / Math.max(1, ids.pCount[p]!);
    }
  }
  assA /= Math.max(1, tp);
  assRe /= Math.max(1, tp);
  assPr /= Math.max(1, tp);
  const detA = tp / Math.max(1, tp + fn + fp);
  return {
    alpha,
    tp,
    fn,
    fp,
    assA,
    assRe,
    assPr,
    detA,
    detRe: tp / Math.max(1, tp + fn),
    detPr: tp / Math.max(1, tp + fp),
    hota: Math.sqrt(detA * assA),
    locA: Math.max(EPS, loc) / Math.max(EPS, tp),
  };
}
