// Scores model answers on held-out examples with the analytics metrics: counts (exact/close accuracy) and their points
// (F1, point-in-box), tracks (HOTA), typed answers (exact match after normalising case, space and end punctuation).
import { parseAnswer } from '../molmo2/grammar/parse.js';
import { evalCounts } from '../analytics/metrics/count-metrics.js';
import { evalPoints } from '../analytics/metrics/point-metrics.js';
import { evalTracks } from '../analytics/metrics/track-metrics.js';
import { pointBox as box } from '../analytics/metrics/regions.js';
import type { FtExample, FtTask } from './types.js';

/** One held-out example and the answer a model gave on it. */
export interface Answered {
  example: Pick<FtExample, 'id' | 'task' | 'start' | 'truth'>;
  answer: string;
}

const norm = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[.!?]+$/, '');

function scoreCounts(xs: Answered[]): Record<string, number | null> {
  const id = (a: Answered) => String(a.example.id);
  const truth = (a: Answered) => a.example.truth as Extract<FtExample['truth'], { kind: 'count' }>;
  const c = evalCounts(
    { examples: xs.map((a) => ({ id: id(a), answer: a.answer })) },
    { examples: xs.map((a) => ({ id: id(a), count: truth(a).count })) },
  );
  const pred = xs.map((a) => {
    const f = truth(a).frame;
    const p = parseAnswer(a.answer, { kind: 'video', width: f.width, height: f.height });
    return { id: id(a), points: p.points.map((q) => ({ t: q.key + a.example.start, x: q.x, y: q.y })) };
  });
  const gt = xs.map((a) => {
    const t = truth(a);
    return {
      id: id(a),
      width: t.frame.width,
      height: t.frame.height,
      objects: t.points.map((p) => ({ t: p.t, x: p.x, y: p.y, region: box(p.x, p.y, t.frame) })),
    };
  });
  const pts = evalPoints({ examples: pred }, { examples: gt });
  return {
    exactAccuracy: c.exactAccuracy,
    closeAccuracy: c.closeAccuracy,
    invalid: c.invalid,
    pointF1: pts.f1,
    pointPrecision: pts.precision,
    pointRecall: pts.recall,
  };
}

function scoreTracks(xs: Answered[]): Record<string, number | null> {
  const id = (a: Answered) => String(a.example.id);
  const truth = (a: Answered) => a.example.truth as Extract<FtExample['truth'], { kind: 'track' }>;
  const pred = xs.map((a) => {
    const f = truth(a).frame;
    const p = parseAnswer(a.answer, { kind: 'video', width: f.width, height: f.height });
    return {
      id: id(a),
      tracks: p.tracks.map((t) => ({
        id: String(t.id),
        points: t.points.map((q) => ({ t: q.t + a.example.start, x: q.x, y: q.y })),
      })),
    };
  });
  const gt = xs.map((a) => {
    const t = truth(a);
    const objects = t.tracks.map((tr) => ({
      id: String(tr.id),
      frames: tr.points.map((p) => ({ t: p.t, x: p.x, y: p.y, region: box(p.x, p.y, t.frame) })),
    }));
    return { id: id(a), width: t.frame.width, height: t.frame.height, objects };
  });
  const m = evalTracks({ examples: pred }, { examples: gt });
  return { hota: m.hota, detA: m.detA, assA: m.assA };
}

function scoreText(xs: Answered[]): Record<string, number | null> {
  const hits = xs.filter(
    (a) => a.example.truth.kind === 'text' && norm(a.answer) === norm(a.example.truth.text),
  ).length;
  return { exactMatch: xs.length ? hits / xs.length : null };
}

/** Metrics per task of a model's answers (tasks without examples are left out). */
export function scoreAnswers(
  answered: Answered[],
): Array<{ task: FtTask; examples: number; metrics: Record<string, number | null> }> {
  const out: Array<{ task: FtTask; examples: number; metrics: Record<string, number | null> }> = [];
  for (const task of ['count', 'track', 'qa', 'caption'] as const) {
    const xs = answered.filter((a) => a.example.task === task);
    if (xs.length === 0) continue;
    const metrics = task === 'count' ? scoreCounts(xs) : task === 'track' ? scoreTracks(xs) : scoreText(xs);
    out.push({ task, examples: xs.length, metrics });
  }
  return out;
}
