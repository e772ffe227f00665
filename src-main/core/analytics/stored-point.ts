// The columns a stored window point has wherever it is kept (count sightings, track points), and the typed point they
// read back as: pixels, 0–1000 model coordinates, and the window and local id it came from.
import { modelCoord, pixels, seconds } from '../../api/units.js';
import type { TrackPoint } from './types.js';

export interface StoredPointRow {
  window_idx: number;
  local_id: number;
  t: number;
  x: number;
  y: number;
  mx: number;
  my: number;
}

/** A stored point row as a typed point (a CountEvidence and a TrackPoint have these same fields). */
export function pointFromRow(r: StoredPointRow): TrackPoint {
  return {
    t: seconds(r.t),
    x: pixels(r.x),
    y: pixels(r.y),
    mx: modelCoord(r.mx),
    my: modelCoord(r.my),
    window: r.window_idx,
    localId: r.local_id,
  };
}
