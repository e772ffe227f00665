// The `jobs` table: one row per persisted job with its status, progress, checkpoint, owner, heartbeat and end.
// The rules (who may claim, pause or resume what) live in jobs.ts; this file only reads and writes rows.
import type Database from 'better-sqlite3';
import type { ErrorCode } from '../../api/errors.js';

export type JobStatus = 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';
/** A pause or cancel asked for by another process, read by the runner. */
export type JobControl = 'pause' | 'cancel';

export interface Job {
  id: number;
  kind: string;
  status: JobStatus;
  params: unknown;
  done: number;
  total: number;
  checkpoint: unknown;
  attempts: number;
  errorCode: ErrorCode | null;
  errorMessage: string | null;
  /** A pause/cancel asked for by another process, seen by the runner within a second. */
  control: JobControl | null;
  owner: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A running job as the stale-job recovery and the one-job-per-library rule see it. */
export interface RunningJob {
  id: number;
  kind: string;
  owner: string | null;
  heartbeatAt: number | null;
}

/** How a run ended, as written to its row. */
export interface JobEndRow {
  status: JobStatus;
  errorCode: ErrorCode | null;
  errorMessage: string | null;
}

interface JobDbRow {
  id: number;
  kind: string;
  status: JobStatus;
  params_json: string;
  progress_done: number;
  progress_total: number;
  checkpoint_json: string | null;
  attempts: number;
  error_code: ErrorCode | null;
  error_message: string | null;
  control: JobControl | null;
  owner: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
}

function toJob(r: JobDbRow): Job {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    params: JSON.parse(r.params_json),
    done: r.progress_done,
    total: r.progress_total,
    checkpoint: r.checkpoint_json ? JSON.parse(r.checkpoint_json) : null,
    attempts: r.attempts,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    control: r.control,
    owner: r.owner,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(',');

/** Adds a queued job row; returns its id. */
export function insertJob(
  db: Database.Database,
  j: { kind: string; params: unknown; total: number; at: string },
): number {
  const sql = `INSERT INTO jobs (kind, status, params_json, progress_total, created_at, updated_at)
    VALUES (?, 'queued', ?, ?, ?, ?)`;
  return Number(db.prepare(sql).run(j.kind, JSON.stringify(j.params ?? {}), j.total, j.at, j.at).lastInsertRowid);
}

/** One job by id, or undefined. */
export function findJob(db: Database.Database, id: number): Job | undefined {
  const r = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobDbRow | undefined;
  return r && toJob(r);
}

/** Jobs, newest first, optionally by status or kind. */
export function selectJobs(db: Database.Database, f: { status?: JobStatus[]; kind?: string; limit: number }): Job[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.status?.length) {
    where.push(`status IN (${placeholders(f.status.length)})`);
    args.push(...f.status);
  }
  if (f.kind) {
    where.push('kind = ?');
    args.push(f.kind);
  }
  const sql = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
  return (db.prepare(sql).all(...args, f.limit) as JobDbRow[]).map(toJob);
}

/** Asks a running job to pause or cancel (its runner reads the control column). */
export function setJobControl(db: Database.Database, id: number, control: JobControl, at: string): void {
  db.prepare('UPDATE jobs SET control = ?, updated_at = ? WHERE id = ?').run(control, at, id);
}

/** Pauses or cancels a job that is not running (no runner to tell). */
export function stopIdleJob(
  db: Database.Database,
  id: number,
  status: 'paused' | 'cancelled',
  at: string,
  finishedAt: string | null,
): void {
  db.prepare('UPDATE jobs SET status = ?, control = NULL, updated_at = ?, finished_at = ? WHERE id = ?').run(
    status,
    at,
    finishedAt,
    id,
  );
}

/** Puts a job back in the queue with its checkpoint kept and its error cleared. */
export function requeueJob(db: Database.Database, id: number, at: string): void {
  const sql = `UPDATE jobs SET status = 'queued', control = NULL, error_code = NULL, error_message = NULL, finished_at = NULL,
    updated_at = ? WHERE id = ?`;
  db.prepare(sql).run(at, id);
}

/** Every running job with its owner and heartbeat. */
export function runningJobs(db: Database.Database): RunningJob[] {
  const rows = db.prepare("SELECT id, kind, owner, heartbeat_at FROM jobs WHERE status = 'running'").all() as Array<{
    id: number;
    kind: string;
    owner: string | null;
    heartbeat_at: number | null;
  }>;
  return rows.map((r) => ({ id: r.id, kind: r.kind, owner: r.owner, heartbeatAt: r.heartbeat_at }));
}

/**
 * A running job whose owner is gone becomes what its control asked for (cancelled, paused) or queued; false when the
 * row changed meanwhile (no longer running, or another owner).
 */
export function releaseStaleJob(db: Database.Database, id: number, owner: string | null, at: string): boolean {
  const sql = `UPDATE jobs SET status = CASE control WHEN 'cancel' THEN 'cancelled' WHEN 'pause' THEN 'paused' ELSE 'queued' END,
    control = NULL, owner = NULL, updated_at = ? WHERE id = ? AND status = 'running' AND owner IS ?`;
  return db.prepare(sql).run(at, id, owner).changes > 0;
}

/** The oldest running job other than `exceptId`, if any. */
export function firstRunningJob(db: Database.Database, exceptId?: number): Omit<RunningJob, 'heartbeatAt'> | undefined {
  type Row = { id: number; kind: string; owner: string | null };
  if (exceptId === undefined) {
    return db.prepare("SELECT id, kind, owner FROM jobs WHERE status = 'running' ORDER BY id LIMIT 1").get() as
      Row | undefined;
  }
  const sql = "SELECT id, kind, owner FROM jobs WHERE status = 'running' AND id != ? ORDER BY id LIMIT 1";
  return db.prepare(sql).get(exceptId) as Row | undefined;
}

/** Marks a queued job running for `owner` (one more attempt, error cleared); false when it was not queued. */
export function claimQueuedJob(
  db: Database.Database,
  id: number,
  owner: string,
  heartbeatAt: number,
  at: string,
): boolean {
  const sql = `UPDATE jobs SET status = 'running', owner = ?, heartbeat_at = ?, attempts = attempts + 1, control = NULL,
    error_code = NULL, error_message = NULL, started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ? AND status = 'queued'`;
  return db.prepare(sql).run(owner, heartbeatAt, at, at, id).changes > 0;
}

/** The statements a runner's watch uses four times a second, prepared once: heartbeat and control. */
export function jobWatchStatements(db: Database.Database): {
  beat(id: number, heartbeatAt: number): void;
  control(id: number): JobControl | null;
} {
  const beat = db.prepare('UPDATE jobs SET heartbeat_at = ? WHERE id = ?');
  const control = db.prepare('SELECT control FROM jobs WHERE id = ?').pluck();
  return {
    beat: (id, heartbeatAt) => void beat.run(heartbeatAt, id),
    control: (id) => (control.get(id) as JobControl | null | undefined) ?? null,
  };
}

/** The statements of a job's progress(), prepared once: write progress (and a checkpoint), read what is committed. */
export function jobProgressStatements(db: Database.Database): {
  write(
    id: number,
    p: { done: number; total: number; checkpointJson: string | null; heartbeatAt: number; at: string },
  ): void;
  committed(id: number): { done: number; total: number };
} {
  const upd =
    db.prepare(`UPDATE jobs SET progress_done = ?, progress_total = ?, checkpoint_json = COALESCE(?, checkpoint_json),
    heartbeat_at = ?, updated_at = ? WHERE id = ?`);
  const committed = db.prepare('SELECT progress_done AS done, progress_total AS total FROM jobs WHERE id = ?');
  return {
    write: (id, p) => void upd.run(p.done, p.total, p.checkpointJson, p.heartbeatAt, p.at, id),
    committed: (id) => committed.get(id) as { done: number; total: number },
  };
}

/** Writes how a run ended and lets go of it (no owner, no control). */
export function recordJobEnd(
  db: Database.Database,
  id: number,
  end: JobEndRow,
  at: string,
  finishedAt: string | null,
): void {
  const sql = `UPDATE jobs SET status = ?, error_code = ?, error_message = ?, control = NULL, owner = NULL, updated_at = ?,
    finished_at = ? WHERE id = ?`;
  db.prepare(sql).run(end.status, end.errorCode, end.errorMessage, at, finishedAt, id);
}

/** The oldest queued job of one of these kinds. */
export function nextQueuedJobId(db: Database.Database, kinds: string[]): number | undefined {
  const sql = `SELECT id FROM jobs WHERE status = 'queued' AND kind IN (${placeholders(kinds.length)}) ORDER BY id LIMIT 1`;
  return db
    .prepare(sql)
    .pluck()
    .get(...kinds) as number | undefined;
}

/** Whether a job of one of these kinds is queued. */
export function hasQueuedJob(db: Database.Database, kinds: string[]): boolean {
  const sql = `SELECT 1 FROM jobs WHERE status = 'queued' AND kind IN (${placeholders(kinds.length)}) LIMIT 1`;
  return db.prepare(sql).get(...kinds) !== undefined;
}

/** Replaces a job's parameters (a job queued with its runs learns their ids afterwards). */
export function setJobParams(db: Database.Database, id: number, params: unknown): void {
  db.prepare('UPDATE jobs SET params_json = ? WHERE id = ?').run(JSON.stringify(params), id);
}
