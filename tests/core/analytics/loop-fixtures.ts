// Fixtures for tests of the count/track loop: three overlapping windows, and a window store kept in memory.
import { seconds } from '../../../src-main/api/units.js';
import type { WindowOutcome, WindowStore } from '../../../src-main/core/analytics/count-track-loop.js';
import type { AnalyticsWindow } from '../../../src-main/core/analytics/types.js';

/** Windows 0–10 s, 8–18 s and 16–26 s: each overlaps the next by 2 s. */
export function overlappingWindows(): AnalyticsWindow[] {
  return [0, 1, 2].map((k) => ({ index: k, start: seconds(8 * k), end: seconds(8 * k + 10) }));
}

/** A WindowStore in a Map (window index → a copy of its outcome, as a database row would be). */
export class MapStore<T> implements WindowStore<T> {
  rows = new Map<number, WindowOutcome<T>>();
  load(i: number) {
    return this.rows.get(i);
  }
  save(o: WindowOutcome<T>) {
    this.rows.set(o.window.index, structuredClone(o));
  }
}
