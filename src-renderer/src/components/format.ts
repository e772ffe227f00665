// Small display helpers shared by the pages: times as m:ss.s, durations, ETAs.

/** Seconds as [h:]mm:ss.s. */
export function clock(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = (s % 60).toFixed(1).padStart(4, '0');
  return `${h ? `${h}:` : ''}${String(m).padStart(2, '0')}:${sec}`;
}

/** A time left in words ("about 3 min"). */
export function eta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'estimating…';
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s left`;
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min left`;
  return `about ${(seconds / 3600).toFixed(1)} h left`;
}

/** The file name of a path. */
export function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
