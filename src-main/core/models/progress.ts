// Download progress: bytes done of total, a rate over the last few seconds and the time left, reported at most
// every `everyMs` (plus the final report), so a fast loopback download does not flood the UI.
export interface ByteProgress {
  doneBytes: number;
  totalBytes: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
}

const WINDOW_MS = 5_000;

/** A meter fed with byte deltas; `report` receives throttled snapshots. */
export function createByteMeter(
  totalBytes: number,
  startBytes: number,
  now: () => number,
  report: (p: ByteProgress) => void,
  everyMs = 250,
) {
  let done = startBytes;
  let lastReport = -Infinity;
  // Never empty: it starts with one sample and is trimmed to no fewer than two.
  const samples: Array<{ t: number; done: number }> = [{ t: now(), done }];
  const snapshot = (): ByteProgress => {
    const t = now();
    while (samples.length > 2 && t - samples[0]!.t > WINDOW_MS) samples.shift();
    const first = samples[0]!;
    const dt = (t - first.t) / 1000;
    const rate = dt > 0.2 ? Math.max(0, (done - first.done) / dt) : 0;
    const left = Math.max(0, totalBytes - done);
    return {
      doneBytes: done,
      totalBytes,
      bytesPerSecond: Math.round(rate),
      etaSeconds: rate > 0 ? left / rate : left === 0 ? 0 : null,
    };
  };
  return {
    add(n: number): void {
      done = Math.min(totalBytes, Math.max(0, done + n));
      const t = now();
      if (samples[samples.length - 1]!.t + 100 <= t) samples.push({ t, done });
      if (t - lastReport >= everyMs) {
        lastReport = t;
        report(snapshot());
      }
    },
    flush(): ByteProgress {
      const s = snapshot();
      report(s);
      return s;
    },
  };
}
