// The `analytics_runs` table (migration 004): one row per count or track run over a recording (or a range of it),
// listed with its job's status and how its windows went. Windows, points and results have their own stores:
// run-windows-store.ts, count-results-store.ts, track-results-store.ts.
import { AppError } from '../../api/errors.js';
import type { JobStatus } from '../library/jobs.js';
import type { Library } from '../library/store.js';
import type { FrameSize } from './types.js';
import { runAdapterOf } from './analytics-runs-adapter-store.js';
import type { AdapterRefDto } from '../../api/ops/library.js';

export type RunKind = 'count' | 'track';
export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

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
  /** The LoRA adapter the run's model used (migration 006), null for the base model. */
  adapter: AdapterRefDto | null;
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
const iso = () => new Date().toISOString();

interface RunDbRow {
  id: number;
  kind: RunKind;
  query: string;
  recording_id: number;
  path: string;
  start_s: number;
  end_s: number;
  model_id: string | null;
  job_id: number | null;
  params_json: string;
  status: RunStatus;
  frame_w: number;
  frame_h: number;
  video_fps: number | null;
  windows_total: number;
  created_at: string;
  finished_at: string | null;
  job_status: JobStatus | null;
  n_done: number;
  n_malformed: number;
  n_failed: number;
  adapter_sha256?: string | null;
  adapter_name?: string | null;
}

const RUN_SELECT = `SELECT r.*, rec.path, j.status AS job_status,
  (SELECT count(*) FROM analytics_windows w WHERE w.run_id = r.id AND w.status != 'failed') AS n_done,
  (SELECT count(*) FROM analytics_windows w WHERE w.run_id = r.id AND w.status = 'malformed') AS n_malformed,
  (SELECT count(*) FROM analytics_windows w WHERE w.run_id = r.id AND w.status = 'failed') AS n_failed
  FROM analytics_runs r JOIN recordings rec ON rec.id = r.recording_id LEFT JOIN jobs j ON j.id = r.job_id`;

function toRun(r: RunDbRow): RunRow {
  return {
    id: r.id,
    kind: r.kind,
    query: r.query,
    recordingId: r.recording_id,
    path: r.path,
    start: r.start_s,
    end: r.end_s,
    modelId: r.model_id,
    adapter: runAdapterOf(r),
    jobId: r.job_id,
    jobStatus: r.job_status,
    params: JSON.parse(r.params_json),
    status: r.status,
    frame: { width: r.frame_w, height: r.frame_h },
    videoFps: r.video_fps,
    windowsTotal: r.windows_total,
    windowsDone: r.n_done,
    windowsMalformed: r.n_malformed,
    windowsFailed: r.n_failed,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

/** Adds a queued run; returns its id. */
export function createRun(lib: Library, r: NewRun): number {
  const t = iso();
  return Number(
    lib.db
      .prepare(
        `INSERT INTO analytics_runs (kind, query, recording_id, start_s, end_s, job_id, params_json, status, frame_w, frame_h,
    video_fps, windows_total, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.kind,
        r.query,
        r.recordingId,
        r.start,
        r.end,
        r.jobId,
        JSON.stringify(r.params ?? {}),
        r.frame.width,
        r.frame.height,
        r.videoFps,
        r.windowsTotal,
        t,
        t,
      ).lastInsertRowid,
  );
}

/** One run by id; NOT_FOUND if absent. */
export function getRun(lib: Library, id: number): RunRow {
  const r = lib.db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(id) as RunDbRow | undefined;
  if (!r) throw new AppError('NOT_FOUND', `No count/track run ${id}.`);
  return toRun(r);
}

/** Runs, newest first, optionally by kind, recording or job. */
export function listRuns(
  lib: Library,
  f: { kind?: RunKind; recordingId?: number; jobId?: number; limit?: number } = {},
): RunRow[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.kind) {
    where.push('r.kind = ?');
    args.push(f.kind);
  }
  if (f.recordingId !== undefined) {
    where.push('r.recording_id = ?');
    args.push(f.recordingId);
  }
  if (f.jobId !== undefined) {
    where.push('r.job_id = ?');
    args.push(f.jobId);
  }
  const sql = `${RUN_SELECT} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY r.id DESC LIMIT ?`;
  return (lib.db.prepare(sql).all(...args, f.limit ?? 500) as RunDbRow[]).map(toRun);
}

/** Sets a run's status (and model id once known). */
export function setRunStatus(lib: Library, id: number, status: RunStatus, modelId?: string): void {
  const final = status === 'done' || status === 'failed' || status === 'cancelled';
  lib.db
    .prepare(
      'UPDATE analytics_runs SET status = ?, model_id = COALESCE(?, model_id), updated_at = ?, finished_at = ? WHERE id = ?',
    )
    .run(status, modelId ?? null, iso(), final ? iso() : null, id);
}

/** Every run of a job that has not finished becomes cancelled (the job was cancelled). */
export function cancelUnfinishedRuns(lib: Library, jobId: number): void {
  lib.db
    .prepare(
      "UPDATE analytics_runs SET status = 'cancelled', updated_at = ?, finished_at = ? WHERE job_id = ? AND status != 'done'",
    )
    .run(iso(), iso(), jobId);
}
