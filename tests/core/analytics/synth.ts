// Synthetic per-window model answers for analytics tests: objects with known trajectories cut into windows.
// Local ids are numbered per window in order of first appearance (as Molmo2 numbers tracks), unless permuted.
import { pixels, seconds } from '../../../src-main/api/units.js';
import type { LocalTrack, TrackWindowInput } from '../../../src-main/core/analytics/types.js';
import { at } from '../../../src-main/api/at.js';

export interface SynthObject {
  name: string;
  /** Position at time t, or null when not visible (occluded / out of frame). */
  at(t: number): { x: number; y: number } | null;
}

export interface SynthWindows {
  windows: TrackWindowInput[];
  /** `${window}:${localId}` → object name. */
  truth: Map<string, string>;
}

/** Cuts objects into windows [start, start+length) every `stride` seconds, sampled every `step` seconds. */
export function cutIntoWindows(
  objects: SynthObject[],
  opts: {
    duration: number;
    length: number;
    stride: number;
    step?: number;
    phase?: (window: number) => number;
    permute?: (window: number, ids: number[]) => number[];
  },
): SynthWindows {
  const step = opts.step ?? 0.5;
  const windows: TrackWindowInput[] = [];
  const truth = new Map<string, string>();
  for (let k = 0, start = 0; start < opts.duration; k++, start += opts.stride) {
    const end = Math.min(opts.duration, start + opts.length);
    const perObject = new Map<string, LocalTrack['points']>();
    const order: string[] = [];
    for (let i = 0; ; i++) {
      const t = Math.round((start + (opts.phase?.(k) ?? 0) + i * step) * 1000) / 1000;
      if (t > end + 1e-9) break;
      for (const o of objects) {
        const p = o.at(t);
        if (!p) continue;
        if (!perObject.has(o.name)) {
          perObject.set(o.name, []);
          order.push(o.name);
        }
        perObject.get(o.name)!.push({ t: seconds(t), x: pixels(p.x), y: pixels(p.y) });
      }
    }
    let ids = order.map((_, i) => i + 1);
    if (opts.permute) ids = opts.permute(k, ids);
    const tracks = order.map((name, i) => {
      const id = at(ids, i, 'track id');
      truth.set(`${k}:${id}`, name);
      return { id, points: perObject.get(name)! };
    });
    windows.push({ index: k, start: seconds(start), end: seconds(end), tracks });
    if (end >= opts.duration) break;
  }
  return { windows, truth };
}

/** Linear motion from a at t0 to b at t1, visible only inside [t0, t1] and `visible(t)`. */
export function linear(
  name: string,
  t0: number,
  a: [number, number],
  t1: number,
  b: [number, number],
  visible: (t: number) => boolean = () => true,
): SynthObject {
  return {
    name,
    at(t) {
      if (t < t0 - 1e-9 || t > t1 + 1e-9 || !visible(t)) return null;
      const u = (t - t0) / (t1 - t0);
      return { x: a[0] + u * (b[0] - a[0]), y: a[1] + u * (b[1] - a[1]) };
    },
  };
}
