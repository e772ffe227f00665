// Inverse of the parser: annotations (pixels) → the exact target strings Molmo2 was trained on (html-v2 by default).
// Mirrors UnifiedPointFormatter (point_formatter.py:225-473): scale to 0–1000, sort by (X, Y), "%03d", running ids.
import { AppError } from '../../../api/errors.js';
import { formatTimestamp } from '../prompt/py-format.js';

export type PointMode = 'point' | 'point_count' | 'count_then_point' | 'count';

export interface FormatPointsInput {
  kind: 'image' | 'multi-image' | 'video';
  label: string;
  alt?: string;
  /** Output wrapper; default 'point' (the tag alone). */
  mode?: PointMode;
  /** Image (single) or video frame size. */
  width?: number;
  height?: number;
  /** Per-image sizes for multi-image (key k uses sizes[k−1]). */
  sizes?: Array<{ width: number; height: number }>;
  /** Points in pixels; key = 1-based image index (multi-image), seconds (video), ignored for a single image. */
  points: Array<{ key?: number; x: number; y: number }>;
  /** Group separator: ';' (html-v2, released models) or '\t' (html-v1). */
  separator?: ';' | '\t';
}

export interface FormatTracksInput {
  label: string;
  alt?: string;
  width: number;
  height: number;
  tracks: Array<{ id: number | string; points: Array<{ t: number; x: number; y: number }> }>;
  separator?: ';' | '\t';
}

/** Python's round() for non-negative values: ties to even. */
function pyRound(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && (r & 1) === 1 ? r - 1 : r;
}

/** Scales a pixel point to 0–1000 like _scale_point (out-of-range values are clamped to the image). */
function scale(x: number, y: number, W: number, H: number): [number, number] {
  const fx = Math.max(0, Math.min(x / W, 1)),
    fy = Math.max(0, Math.min(y / H, 1));
  return [pyRound(1000 * fx), pyRound(1000 * fy)];
}

const pad3 = (n: number) => String(n).padStart(3, '0');

function tag(kind: 'points' | 'tracks', label: string, alt: string | undefined, coords: string): string {
  return `<${kind}${alt !== undefined ? ` alt="${alt}"` : ''} coords="${coords}">${label}</${kind}>`;
}

function wrap(pointStr: string, count: number, mode: PointMode): string {
  if (count === 0) return 'There are none.';
  switch (mode) {
    case 'point_count':
      return `Counting the ${pointStr} shows a total of ${count}.`;
    case 'count_then_point':
      return `There are ${count} ${pointStr}.`;
    case 'count':
      return String(count);
    default:
      return pointStr;
  }
}

/** Formats pointing annotations into Molmo2's answer text. */
export function formatPoints(inp: FormatPointsInput): string {
  const sep = inp.separator ?? ';';
  const groups = new Map<number, Array<[number, number]>>();
  for (const p of inp.points) {
    const key = inp.kind === 'image' ? 1 : p.key;
    if (key === undefined || !Number.isFinite(key))
      throw new AppError('INVALID_INPUT', 'every multi-image/video point needs a key');
    let W = inp.width,
      H = inp.height;
    if (inp.kind === 'multi-image') {
      const s = inp.sizes?.[key - 1];
      if (!s || !Number.isInteger(key)) throw new AppError('INVALID_INPUT', `no size for image ${key}`);
      W = s.width;
      H = s.height;
    }
    if (!W || !H) throw new AppError('INVALID_INPUT', 'formatPoints needs the image size');
    const g = groups.get(key) ?? [];
    g.push(scale(p.x, p.y, W, H));
    groups.set(key, g);
  }
  let id = 1;
  const parts: string[] = [];
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const pts = groups.get(key)!.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const body = pts.map(([X, Y]) => `${id++} ${pad3(X)} ${pad3(Y)}`).join(' ');
    const prefix = inp.kind === 'video' ? formatTimestamp(key) : String(key);
    parts.push(`${prefix} ${body}`);
  }
  return wrap(tag('points', inp.label, inp.alt, parts.join(sep)), inp.points.length, inp.mode ?? 'point');
}

/** Formats object tracks into Molmo2's <tracks> answer; objects are renumbered 1.. by first appearance. */
export function formatTracks(inp: FormatTracksInput): string {
  const sep = inp.separator ?? ';';
  const frames = new Map<number, Array<{ obj: string; X: number; Y: number }>>();
  for (const tr of inp.tracks) {
    for (const p of tr.points) {
      const f = frames.get(p.t) ?? [];
      const [X, Y] = scale(p.x, p.y, inp.width, inp.height);
      f.push({ obj: String(tr.id), X, Y });
      frames.set(p.t, f);
    }
  }
  if (frames.size === 0) return 'There are none.';
  const newId = new Map<string, number>();
  const parts: string[] = [];
  for (const t of [...frames.keys()].sort((a, b) => a - b)) {
    const pts = frames.get(t)!.sort((a, b) => a.X - b.X || a.Y - b.Y);
    for (const p of pts) if (!newId.has(p.obj)) newId.set(p.obj, newId.size + 1);
    const byId = pts.map((p) => ({ id: newId.get(p.obj)!, X: p.X, Y: p.Y })).sort((a, b) => a.id - b.id);
    parts.push(`${formatTimestamp(t)} ${byId.map((p) => `${p.id} ${pad3(p.X)} ${pad3(p.Y)}`).join(' ')}`);
  }
  return tag('tracks', inp.label, inp.alt, parts.join(sep));
}
