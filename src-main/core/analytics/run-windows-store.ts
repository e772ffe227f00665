// The `analytics_windows` and `analytics_points` tables (migration 004): each window outcome of a run (answer
// verbatim, status, dropped items, timings) and the points parsed from it. Model output is written once per window.
import type { ErrorCode } from '../../api/errors.js';
import { pixels, seconds } from '../../api/units.js';
import { parseAnswer } from '../molmo2/grammar/parse.js';
import type { Library } from '../library/store.js';
import { toModelX, toModelY } from './geometry.js';
import type { WindowOutcome } from './count-track-loop.js';
import type { RunKind } from './run-store.js';
import type { FrameSize, LocalTrack, WindowPoint } from './types.js';

/** What a count window's answer parses to: its points and the count it states, if any. */
export type CountParsed = { points: WindowPoint[]; statedCount?: number | null };

/** A stored window outcome as the API shows it (answer verbatim). */
export interface StoredWindow {
  index: number;
  start: number;
  end: number;
  sampleTimes: number[];
  status: 'ok' | 'malformed' | 'failed';
  answer: string | null;
  statedCount: number | null;
  points: number;
  errorCode: ErrorCode | null;
  errorMessage: string | null;
  dropped: { text: string; reason: string }[];
  tokens: number | null;
  timings: Record<string, number | null> | null;
}

const iso = () => new Date().toISOString();

/**
 * Writes one window outcome (answer, status, dropped items, timings, parsed points); replaces a failed attempt.
 * Call it inside the transaction that records job progress so a kill -9 leaves the window whole or absent.
 */
export function writeWindow(
  lib: Library,
  runId: number,
  kind: RunKind,
  frame: FrameSize,
  o: WindowOutcome<CountParsed | LocalTrack[]>,
): void {
  const db = lib.db;
  const dropped = o.answer
    ? parseAnswer(o.answer, { kind: 'video', width: frame.width, height: frame.height }).dropped
    : [];
  const stated = kind === 'count' && o.parsed ? ((o.parsed as CountParsed).statedCount ?? null) : null;
  db.prepare('DELETE FROM analytics_windows WHERE run_id = ? AND idx = ?').run(runId, o.window.index);
  db.prepare(
    `INSERT INTO analytics_windows (run_id, idx, start_s, end_s, sample_times, status, answer, stated_count, error_code, error_message,
    dropped_json, tokens, timings_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    runId,
    o.window.index,
    o.window.start,
    o.window.end,
    JSON.stringify(o.meta?.sampleTimes ?? []),
    o.status,
    o.answer,
    stated,
    o.error?.code ?? null,
    o.error?.message ?? null,
    JSON.stringify(dropped.map((d) => ({ text: d.text, reason: d.reason }))),
    o.meta?.tokens ?? null,
    o.meta?.timings ? JSON.stringify(o.meta.timings) : null,
    iso(),
  );
  if (o.status !== 'ok' || !o.parsed) return;
  const put = db.prepare(
    'INSERT INTO analytics_points (run_id, window_idx, local_id, t, x, y, mx, my) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const pts =
    kind === 'count'
      ? (o.parsed as CountParsed).points.map((p) => ({ id: p.localId, t: p.t, x: p.x, y: p.y }))
      : (o.parsed as LocalTrack[]).flatMap((tr) => tr.points.map((p) => ({ id: tr.id, t: p.t, x: p.x, y: p.y })));
  for (const p of pts) put.run(runId, o.window.index, p.id, p.t, p.x, p.y, toModelX(p.x, frame), toModelY(p.y, frame));
}

interface WinDbRow {
  idx: number;
  start_s: number;
  end_s: number;
  sample_times: string;
  status: StoredWindow['status'];
  answer: string | null;
  stated_count: number | null;
  error_code: ErrorCode | null;
  error_message: string | null;
  dropped_json: string;
  tokens: number | null;
  timings_json: string | null;
  n_points: number;
}

/** Every stored window of a run, in order. */
export function storedWindows(lib: Library, runId: number): StoredWindow[] {
  const rows = lib.db
    .prepare(
      `SELECT w.*, (SELECT count(*) FROM analytics_points p WHERE p.run_id = w.run_id AND p.window_idx = w.idx) AS n_points
    FROM analytics_windows w WHERE w.run_id = ? ORDER BY w.idx`,
    )
    .all(runId) as WinDbRow[];
  return rows.map((r) => ({
    index: r.idx,
    start: r.start_s,
    end: r.end_s,
    sampleTimes: JSON.parse(r.sample_times) as number[],
    status: r.status,
    answer: r.answer,
    statedCount: r.stated_count,
    points: r.n_points,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    dropped: JSON.parse(r.dropped_json) as StoredWindow['dropped'],
    tokens: r.tokens,
    timings: r.timings_json ? JSON.parse(r.timings_json) : null,
  }));
}

/** The stored outcome of one window (for resume), with its parsed points rebuilt from the rows. */
export function loadWindow(
  lib: Library,
  runId: number,
  kind: RunKind,
  index: number,
): WindowOutcome<CountParsed | LocalTrack[]> | undefined {
  const w = lib.db.prepare('SELECT * FROM analytics_windows WHERE run_id = ? AND idx = ?').get(runId, index) as
    WinDbRow | undefined;
  if (!w) return undefined;
  const window = { index: w.idx, start: seconds(w.start_s), end: seconds(w.end_s) };
  const error = w.error_code ? { code: w.error_code, message: w.error_message ?? '' } : undefined;
  if (w.status !== 'ok')
    return { window, status: w.status, answer: w.answer, parsed: null, ...(error ? { error } : {}) };
  const pts = lib.db
    .prepare('SELECT local_id, t, x, y FROM analytics_points WHERE run_id = ? AND window_idx = ? ORDER BY rowid')
    .all(runId, index) as Array<{ local_id: number; t: number; x: number; y: number }>;
  if (kind === 'count') {
    return {
      window,
      status: 'ok',
      answer: w.answer,
      parsed: {
        points: pts.map((p) => ({ localId: p.local_id, t: seconds(p.t), x: pixels(p.x), y: pixels(p.y) })),
        statedCount: w.stated_count,
      },
    };
  }
  const byId = new Map<number, LocalTrack>();
  for (const p of pts) {
    const tr = byId.get(p.local_id) ?? { id: p.local_id, points: [] };
    tr.points.push({ t: seconds(p.t), x: pixels(p.x), y: pixels(p.y) });
    byId.set(p.local_id, tr);
  }
  return { window, status: 'ok', answer: w.answer, parsed: [...byId.values()] };
}
