// MOTChallenge-style text export of point tracks (one degenerate 1×1 px box per point).
// Convention (docs/eval-format.md): frame = round(t·fps) + 1, box centred on the point, conf 1, x y z = −1.
import { AppError } from '../../../api/errors.js';
import type { Track } from '../types.js';

const f3 = (v: number) => {
  const s = v.toFixed(3).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
};

/**
 * Lines "frame,id,bb_left,bb_top,bb_width,bb_height,conf,x,y,z": frame = round(t·fps) + 1 (1-based, frames of a
 * video at `fps`), bb_left = x − 0.5, bb_top = y − 0.5, width = height = 1 (so the box centre is the point), conf = 1,
 * world x y z = −1; pixels to 3 decimals; sorted by frame then id. Two points of one track in the same frame keep the first.
 */
export function tracksToMot(tracks: readonly Track[], fps: number): string {
  if (!(fps > 0 && Number.isFinite(fps))) throw new AppError('INVALID_INPUT', `fps must be positive, got ${fps}`);
  const rows: { frame: number; id: number; x: number; y: number }[] = [];
  for (const t of tracks) {
    const seen = new Set<number>();
    for (const p of t.points) {
      const frame = Math.round(p.t * fps) + 1;
      if (seen.has(frame)) continue;
      seen.add(frame);
      rows.push({ frame, id: t.id, x: p.x, y: p.y });
    }
  }
  rows.sort((a, b) => a.frame - b.frame || a.id - b.id);
  return (
    rows.map((r) => `${r.frame},${r.id},${f3(r.x - 0.5)},${f3(r.y - 0.5)},1,1,1,-1,-1,-1`).join('\n') +
    (rows.length ? '\n' : '')
  );
}

/** Parses MOT lines back into {frame, id, x, y} (the box centre); for round-trip checks and imports. */
export function parseMot(text: string): { frame: number; id: number; x: number; y: number }[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      const v = l.split(',').map(Number);
      const [frame, id, x, y, w, h] = v;
      const ok =
        frame !== undefined &&
        id !== undefined &&
        x !== undefined &&
        y !== undefined &&
        w !== undefined &&
        h !== undefined;
      if (!ok || !v.slice(0, 6).every(Number.isFinite))
        throw new AppError('PARSE_ERROR', `MOT line ${i + 1} is malformed`);
      return { frame, id, x: x + w / 2, y: y + h / 2 };
    });
}
