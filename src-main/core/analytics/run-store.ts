// SQLite storage of count/track runs (migration 004): runs, per-window outcomes with parsed points, and the
// finished results (instances + sightings + matches, tracks + points + stitch decisions). Model output is written once.
import { AppError, type ErrorCode } from '../../api/errors.js';
import { modelCoord, pixels, seconds } from '../../api/units.js';
import { parseAnswer } from '../molmo2/grammar/parse.js';
import type { JobStatus } from '../library/jobs.js';
import type { Library } from '../library/store.js';
import { toModelX, toModelY } from './geometry.js';
import type { WindowOutcome } from './jobs.js';
import type { CountInstance, CountResult, FrameSize, LocalTrack, Track, TrackSet, WindowPoint } from './types.js';

export type RunKind = 'count' | 'track';
export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
export type CountParsed = { points: WindowPoint[]; statedCount?: number | null };

export interface NewRun {
  kind: RunKind;
  query: string;
  recordingId: number;
  start: number;
  end: number;
  jobId: number | null;
  params: unknown;
  frame: FrameSize;
  videoFps: number | null;
  windowsTotal: number;
}

/** A run as listed: scope, model, job, status and how its windows went. */
export interface RunRow {
  id: number;
  kind: RunKind;
  query: string;
  recordingId: number;
  path: string;
  start: number;
  end: number;
  modelId: string | null;
  jobId: number | null;
  /** The job's status (a queued run of a cancelled or paused job says so here). */
  jobStatus: JobStatus | null;
  params: unknown;
  status: RunStatus;
  frame: FrameSize;
  videoFps: number | null;
  windowsTotal: number;
  windowsDone: number;
  windowsMalformed: number;
  windowsFailed: number;
  createdAt: string;
  finishedAt: string | null;
}

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

interface RunDbRow {
  id: number; kind: RunKind; query: string; recording_id: number; path: string; start_s: number; end_s: number; model_id: string | null;
  job_id: number | null; params_json: string; status: RunStatus; frame_w: number; frame_h: number; video_fps: number | null;
  windows_total: number; created_at: string; finished_at: string | null; job_status: JobStatus | null; n_done: number; n_malformed: number; n_failed: number;
}

const RUN_SELECT = `SELECT r.*, rec.path, j.status AS job_status,
  (SELECT count(*) FROM analytics_windows w WHERE w.run_id = r.id AND w.status != 'failed') AS n_done,
  (SELECT count(*) FROM analytics_windows w WHERE w.run_id = r.id AND w.status = 'malformed') AS n_malformed,
  (SELECT count(*) FROM analytics_windows w WHERE w.run_id = r.id AND w.status = 'failed') AS n_failed
  FROM analytics_runs r JOIN recordings rec ON rec.id = r.recording_id LEFT JOIN jobs j ON j.id = r.job_id`;

function toRun(r: RunDbRow): RunRow {
  return {
    id: r.id, kind: r.kind, query: r.query, recordingId: r.recording_id, path: r.path, start: r.start_s, end: r.end_s, modelId: r.model_id,
    jobId: r.job_id, jobStatus: r.job_status, params: JSON.parse(r.params_json), status: r.status, frame: { width: r.frame_w, height: r.frame_h }, videoFps: r.video_fps,
    windowsTotal: r.windows_total, windowsDone: r.n_done, windowsMalformed: r.n_malformed, windowsFailed: r.n_failed,
    createdAt: r.created_at, finishedAt: r.finished_at,
  };
}

/** Adds a queued run; returns its id. */
export function createRun(lib: Library, r: NewRun): number {
  const t = iso();
  return Number(lib.db.prepare(`INSERT INTO analytics_runs (kind, query, recording_id, start_s, end_s, job_id, params_json, status, frame_w, frame_h,
    video_fps, windows_total, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)`)
    .run(r.kind, r.query, r.recordingId, r.start, r.end, r.jobId, JSON.stringify(r.params ?? {}), r.frame.width, r.frame.height, r.videoFps, r.windowsTotal, t, t).lastInsertRowid);
}

/** One run by id; NOT_FOUND if absent. */
export function getRun(lib: Library, id: number): RunRow {
  const r = lib.db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(id) as RunDbRow | undefined;
  if (!r) throw new AppError('NOT_FOUND', `No count/track run ${id}.`);
  return toRun(r);
}

/** Runs, newest first, optionally by kind, recording or job. */
export function listRuns(lib: Library, f: { kind?: RunKind; recordingId?: number; jobId?: number; limit?: number } = {}): RunRow[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.kind) { where.push('r.kind = ?'); args.push(f.kind); }
  if (f.recordingId !== undefined) { where.push('r.recording_id = ?'); args.push(f.recordingId); }
  if (f.jobId !== undefined) { where.push('r.job_id = ?'); args.push(f.jobId); }
  const sql = `${RUN_SELECT} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY r.id DESC LIMIT ?`;
  return (lib.db.prepare(sql).all(...args, f.limit ?? 500) as RunDbRow[]).map(toRun);
}

/** Sets a run's status (and model id once known). */
export function setRunStatus(lib: Library, id: number, status: RunStatus, modelId?: string): void {
  const final = status === 'done' || status === 'failed' || status === 'cancelled';
  lib.db.prepare('UPDATE analytics_runs SET status = ?, model_id = COALESCE(?, model_id), updated_at = ?, finished_at = ? WHERE id = ?')
    .run(status, modelId ?? null, iso(), final ? iso() : null, id);
}

/** Every run of a job that has not finished becomes cancelled (the job was cancelled). */
export function cancelUnfinishedRuns(lib: Library, jobId: number): void {
  lib.db.prepare("UPDATE analytics_runs SET status = 'cancelled', updated_at = ?, finished_at = ? WHERE job_id = ? AND status != 'done'").run(iso(), iso(), jobId);
}

/**
 * Writes one window outcome (answer, status, dropped items, timings, parsed points); replaces a failed attempt.
 * Call it inside the transaction that records job progress so a kill -9 leaves the window whole or absent.
 */
export function writeWindow(lib: Library, runId: number, kind: RunKind, frame: FrameSize, o: WindowOutcome<CountParsed | LocalTrack[]>): void {
  const db = lib.db;
  const dropped = o.answer ? parseAnswer(o.answer, { kind: 'video', width: frame.width, height: frame.height }).dropped : [];
  const stated = kind === 'count' && o.parsed ? ((o.parsed as CountParsed).statedCount ?? null) : null;
  db.prepare('DELETE FROM analytics_windows WHERE run_id = ? AND idx = ?').run(runId, o.window.index);
  db.prepare(`INSERT INTO analytics_windows (run_id, idx, start_s, end_s, sample_times, status, answer, stated_count, error_code, error_message,
    dropped_json, tokens, timings_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    runId, o.window.index, o.window.start, o.window.end, JSON.stringify(o.meta?.sampleTimes ?? []), o.status, o.answer, stated,
    o.error?.code ?? null, o.error?.message ?? null, JSON.stringify(dropped.map((d) => ({ text: d.text, reason: d.reason }))),
    o.meta?.tokens ?? null, o.meta?.timings ? JSON.stringify(o.meta.timings) : null, iso());
  if (o.status !== 'ok' || !o.parsed) return;
  const put = db.prepare('INSERT INTO analytics_points (run_id, window_idx, local_id, t, x, y, mx, my) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const pts = kind === 'count'
    ? (o.parsed as CountParsed).points.map((p) => ({ id: p.localId, t: p.t, x: p.x, y: p.y }))
    : (o.parsed as LocalTrack[]).flatMap((tr) => tr.points.map((p) => ({ id: tr.id, t: p.t, x: p.x, y: p.y })));
  for (const p of pts) put.run(runId, o.window.index, p.id, p.t, p.x, p.y, toModelX(p.x, frame), toModelY(p.y, frame));
}

interface WinDbRow {
  idx: number; start_s: number; end_s: number; sample_times: string; status: StoredWindow['status']; answer: string | null; stated_count: number | null;
  error_code: ErrorCode | null; error_message: string | null; dropped_json: string; tokens: number | null; timings_json: string | null; n_points: number;
}

/** Every stored window of a run, in order. */
export function storedWindows(lib: Library, runId: number): StoredWindow[] {
  const rows = lib.db.prepare(`SELECT w.*, (SELECT count(*) FROM analytics_points p WHERE p.run_id = w.run_id AND p.window_idx = w.idx) AS n_points
    FROM analytics_windows w WHERE w.run_id = ? ORDER BY w.idx`).all(runId) as WinDbRow[];
  return rows.map((r) => ({
    index: r.idx, start: r.start_s, end: r.end_s, sampleTimes: JSON.parse(r.sample_times) as number[], status: r.status, answer: r.answer,
    statedCount: r.stated_count, points: r.n_points, errorCode: r.error_code, errorMessage: r.error_message,
    dropped: JSON.parse(r.dropped_json) as StoredWindow['dropped'], tokens: r.tokens, timings: r.timings_json ? JSON.parse(r.timings_json) : null,
  }));
}

/** The stored outcome of one window (for resume), with its parsed points rebuilt from the rows. */
export function loadWindow(lib: Library, runId: number, kind: RunKind, index: number): WindowOutcome<CountParsed | LocalTrack[]> | undefined {
  const w = lib.db.prepare('SELECT * FROM analytics_windows WHERE run_id = ? AND idx = ?').get(runId, index) as WinDbRow | undefined;
  if (!w) return undefined;
  const window = { index: w.idx, start: seconds(w.start_s), end: seconds(w.end_s) };
  const error = w.error_code ? { code: w.error_code, message: w.error_message ?? '' } : undefined;
  if (w.status !== 'ok') return { window, status: w.status, answer: w.answer, parsed: null, ...(error ? { error } : {}) };
  const pts = lib.db.prepare('SELECT local_id, t, x, y FROM analytics_points WHERE run_id = ? AND window_idx = ? ORDER BY rowid').all(runId, index) as Array<{ local_id: number; t: number; x: number; y: number }>;
  if (kind === 'count') {
    return { window, status: 'ok', answer: w.answer, parsed: { points: pts.map((p) => ({ localId: p.local_id, t: seconds(p.t), x: pixels(p.x), y: pixels(p.y) })), statedCount: w.stated_count } };
  }
  const byId = new Map<number, LocalTrack>();
  for (const p of pts) {
    const tr = byId.get(p.local_id) ?? { id: p.local_id, points: [] };
    tr.points.push({ t: seconds(p.t), x: pixels(p.x), y: pixels(p.y) });
    byId.set(p.local_id, tr);
  }
  return { window, status: 'ok', answer: w.answer, parsed: [...byId.values()] };
}

/** Stores a finished count (instances, sightings, matches) in one transaction, replacing an earlier result. */
export function storeCountResult(lib: Library, runId: number, r: CountResult): void {
  const db = lib.db;
  db.transaction(() => {
    db.prepare('DELETE FROM count_sightings WHERE run_id = ?').run(runId);
    db.prepare('DELETE FROM count_matches WHERE run_id = ?').run(runId);
    const s = db.prepare('INSERT INTO count_sightings (run_id, instance_id, seq, window_idx, local_id, t, x, y, mx, my) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    for (const inst of r.instances) inst.evidence.forEach((e, i) => s.run(runId, inst.id, i, e.window, e.localId, e.t, e.x, e.y, e.mx, e.my));
    const m = db.prepare('INSERT INTO count_matches (run_id, window_a, local_a, window_b, local_b, instance_id, cost) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const x of r.matches) m.run(runId, x.windowA, x.localA, x.windowB, x.localB, x.instanceId, x.cost);
  })();
}

/** A finished count read back: total, instances with evidence, per-window counts (from the stored points) and matches. */
export function loadCountResult(lib: Library, runId: number): CountResult {
  const db = lib.db;
  const rows = db.prepare('SELECT * FROM count_sightings WHERE run_id = ? ORDER BY instance_id, seq').all(runId) as Array<{
    instance_id: number; window_idx: number; local_id: number; t: number; x: number; y: number; mx: number; my: number }>;
  const instances: CountInstance[] = [];
  for (const r of rows) {
    let inst = instances[instances.length - 1];
    if (!inst || inst.id !== r.instance_id) instances.push((inst = { id: r.instance_id, evidence: [] }));
    inst.evidence.push({ window: r.window_idx, localId: r.local_id, t: seconds(r.t), x: pixels(r.x), y: pixels(r.y), mx: modelCoord(r.mx), my: modelCoord(r.my) });
  }
  const perWindow = (db.prepare(`SELECT w.idx, w.start_s, w.end_s, (SELECT count(*) FROM analytics_points p WHERE p.run_id = w.run_id AND p.window_idx = w.idx) AS n
    FROM analytics_windows w WHERE w.run_id = ? AND w.status = 'ok' ORDER BY w.idx`).all(runId) as Array<{ idx: number; start_s: number; end_s: number; n: number }>)
    .map((w) => ({ window: w.idx, start: seconds(w.start_s), end: seconds(w.end_s), count: w.n }));
  const matches = (db.prepare('SELECT * FROM count_matches WHERE run_id = ? ORDER BY rowid').all(runId) as Array<{
    window_a: number; local_a: number; window_b: number; local_b: number; instance_id: number; cost: number }>)
    .map((m) => ({ windowA: m.window_a, localA: m.local_a, windowB: m.window_b, localB: m.local_b, instanceId: m.instance_id, cost: m.cost }));
  return { total: instances.length, instances, perWindow, matches };
}

/** Stores a finished track set (tracks, points, stitch decisions) in one transaction, replacing an earlier result. */
export function storeTrackSet(lib: Library, runId: number, set: TrackSet): void {
  const db = lib.db;
  db.transaction(() => {
    for (const t of ['analytics_track_points', 'analytics_tracks', 'stitch_decisions']) db.prepare(`DELETE FROM ${t} WHERE run_id = ?`).run(runId);
    const tr = db.prepare('INSERT INTO analytics_tracks (run_id, track_id, label, first_s, last_s) VALUES (?, ?, ?, ?, ?)');
    const pt = db.prepare('INSERT INTO analytics_track_points (run_id, track_id, t, x, y, mx, my, window_idx, local_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    for (const t of set.tracks) {
      if (t.points.length === 0) continue;
      tr.run(runId, t.id, t.label, t.points[0].t, t.points[t.points.length - 1].t);
      for (const p of t.points) pt.run(runId, t.id, p.t, p.x, p.y, p.mx, p.my, p.window, p.localId);
    }
    const d = db.prepare('INSERT INTO stitch_decisions (run_id, seq, window_a, local_a, window_b, local_b, global_id, cost, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    set.decisions.forEach((x, i) => d.run(runId, i, x.windowA, x.localA, x.windowB, x.localB, x.globalId, x.cost, x.reason));
  })();
}

/** The model's track set of a run as stored (before corrections). */
export function loadTrackSet(lib: Library, runId: number): TrackSet {
  const run = getRun(lib, runId);
  const db = lib.db;
  const tracks: Track[] = (db.prepare('SELECT track_id, label FROM analytics_tracks WHERE run_id = ? ORDER BY track_id').all(runId) as Array<{ track_id: number; label: string }>)
    .map((t) => ({ id: t.track_id, label: t.label, points: [] }));
  const byId = new Map(tracks.map((t) => [t.id, t]));
  const pts = db.prepare('SELECT * FROM analytics_track_points WHERE run_id = ? ORDER BY track_id, t').all(runId) as Array<{
    track_id: number; t: number; x: number; y: number; mx: number; my: number; window_idx: number; local_id: number }>;
  for (const p of pts) byId.get(p.track_id)?.points.push({ t: seconds(p.t), x: pixels(p.x), y: pixels(p.y), mx: modelCoord(p.mx), my: modelCoord(p.my), window: p.window_idx, localId: p.local_id });
  const decisions = (db.prepare('SELECT * FROM stitch_decisions WHERE run_id = ? ORDER BY seq').all(runId) as Array<{
    window_a: number | null; local_a: number | null; window_b: number; local_b: number; global_id: number; cost: number; reason: 'overlap' | 'reid' | 'new' }>)
    .map((d) => ({ windowA: d.window_a, localA: d.local_a, windowB: d.window_b, localB: d.local_b, globalId: d.global_id, cost: d.cost, reason: d.reason }));
  return { frame: run.frame, label: run.query, tracks, decisions };
}
