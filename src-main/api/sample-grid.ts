// The sample grid of a count or track run: the frame times its answered windows showed the model. The core snaps a
// point the user adds onto it, and the renderer finds the sampled frame the player is on, with this one function.

/** What the grid needs of a run's window (a stored window, or the contract's RunWindowDto). */
export interface GridWindow {
  start: number;
  end: number;
  sampleTimes: readonly number[];
  status: string;
}

/** The sampled frame time nearest `t` among the answered ('ok') windows that cover `t`; null when none covers it. */
export function nearestSampleTime(windows: readonly GridWindow[], t: number): number | null {
  let best: number | null = null;
  for (const w of windows) {
    if (w.status !== 'ok' || !(t >= w.start && t <= w.end)) continue;
    for (const s of w.sampleTimes) if (best === null || Math.abs(s - t) < Math.abs(best - t)) best = s;
  }
  return best;
}
