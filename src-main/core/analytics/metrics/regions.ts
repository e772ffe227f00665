// Ground-truth regions for point-in-region scoring: boxes, polygons, and RLE-free binary grids (see docs/eval-format.md).
// A point "hits" a region when it lies inside it; grids use the reference's rounding (mask[round(y), round(x)]).
import { z } from 'zod';
import { pyRound } from './py-round.js';

const Pt = z.tuple([z.number(), z.number()]);

export const RegionSchema = z.union([
  z.object({ box: z.tuple([z.number(), z.number(), z.number(), z.number()]) }).strict(),
  z.object({ polygon: z.array(Pt).min(3) }).strict(),
  z.object({ polygons: z.array(z.array(Pt).min(3)).min(1) }).strict(),
  z
    .object({
      grid: z
        .object({
          rows: z.array(z.string().regex(/^[01]*$/)).min(1),
          x0: z.number().optional(),
          y0: z.number().optional(),
          cell: z.number().positive().optional(),
        })
        .strict(),
    })
    .strict(),
]);
/** A region: {box:[x0,y0,x1,y1]} | {polygon:[[x,y],…]} | {polygons:[[[x,y],…],…]} | {grid:{rows,x0?,y0?,cell?}}. */
export type Region = z.infer<typeof RegionSchema>;

/** Even-odd ray casting over all rings (holes are rings inside rings). */
function inRings(x: number, y: number, rings: readonly (readonly [number, number])[][]): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]!;
      const [xj, yj] = ring[j]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/** True when pixel point (x, y) is inside the region (boxes are inclusive of their edges). */
export function pointInRegion(x: number, y: number, r: Region): boolean {
  if ('box' in r) {
    const [x0, y0, x1, y1] = r.box;
    return x >= x0 && x <= x1 && y >= y0 && y <= y1;
  }
  if ('polygon' in r) return inRings(x, y, [r.polygon]);
  if ('polygons' in r) return inRings(x, y, r.polygons);
  const { rows, x0 = 0, y0 = 0, cell = 1 } = r.grid;
  const ix = Math.floor((pyRound(x) - x0) / cell);
  const iy = Math.floor((pyRound(y) - y0) / cell);
  const row = iy < 0 ? undefined : rows[iy];
  if (row === undefined || ix < 0 || ix >= row.length) return false;
  return row.charCodeAt(ix) === 49; // '1'
}

/** A representative point of a region (used for Hungarian distances when the ground truth gives no point). */
export function regionCenter(r: Region): { x: number; y: number } {
  if ('box' in r) return { x: (r.box[0] + r.box[2]) / 2, y: (r.box[1] + r.box[3]) / 2 };
  const rings = 'polygon' in r ? [r.polygon] : 'polygons' in r ? r.polygons : null;
  if (rings) {
    let sx = 0;
    let sy = 0;
    let n = 0;
    for (const ring of rings) for (const [x, y] of ring) ((sx += x), (sy += y), n++);
    return { x: sx / n, y: sy / n };
  }
  const { rows, x0 = 0, y0 = 0, cell = 1 } = (r as Extract<Region, { grid: unknown }>).grid;
  let sx = 0;
  let sy = 0;
  let n = 0;
  rows.forEach((row, iy) => {
    for (let ix = 0; ix < row.length; ix++)
      if (row.charCodeAt(ix) === 49) ((sx += x0 + (ix + 0.5) * cell), (sy += y0 + (iy + 0.5) * cell), n++);
  });
  return n ? { x: sx / n - 0.5, y: sy / n - 0.5 } : { x: NaN, y: NaN };
}

/** Half-size of the box around a reference point that another point must fall in (share of the frame). */
export const POINT_BOX = 0.05;

/** The box of ±POINT_BOX of the frame around a reference point (how points without a drawn region are scored). */
export function pointBox(x: number, y: number, frame: { width: number; height: number }): Region {
  const dx = POINT_BOX * frame.width;
  const dy = POINT_BOX * frame.height;
  return { box: [x - dx, y - dy, x + dx, y + dy] };
}
