// Persisted jobs: rows with kind, status, progress, checkpoint, attempts and error code, and the runner
// that claims one, runs its executor under an AbortSignal, heartbeats, and records how it ended.
import { rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { AppError, type ErrorCode, throwIfCancelled } from '../../api/errors.js';
import type { EventSink } from '../context.js';
import type { Library } from './store.js';
import { storageError } from './storage-errors.js';

export type JobStatus = 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

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
  control: 'pause' | 'cancel' | null;
  owner: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Errors of the GPU/engine or the disk that pause a job (resumable once fixed) instead of failing it. */
export const PAUSING_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['GPU_OOM', 'ENGINE_CRASHED', 'PROVIDER_UNAVAILABLE', 'DISK_FULL', 'IO_ERROR']);

interface JobDbRow {
  id: number; kind: string; status: JobStatus; params_json: string; progress_done: number; progress_total: number;
  checkpoint_json: string | null; attempts: number; error_code: ErrorCode | null; error_message: string | null;
  control: 'pause' | 'cancel' | null; owner: string | null; created_at: string; updated_at: string; started_at: string | null; finished_at: string | null;
}

function toJob(r: JobDbRow): Job {
  return {
    id: r.id, kind: r.kind, status: r.status, params: JSON.parse(r.params_json), done: r.progress_done, total: r.progress_total,
    checkpoint: r.checkpoint_json ? JSON.parse(r.checkpoint_json) : null, attempts: r.attempts, errorCode: r.error_code,
    errorMessage: r.error_message, control: r.control, owner: r.owner, createdAt: r.created_at, updatedAt: r.updated_at,
    startedAt: r.started_at, finishedAt: r.finished_at,
  };
}

const iso = () => new Date().toISOString();

/** Adds a queued job; returns it. */
export function createJob(lib: Library, kind: string, params: unknown, total = 0): Job {
  const t = iso();
  const id = Number(lib.db.prepare(`INSERT INTO jobs (kind, status, params_json, progress_total, created_at, updated_at)
    VALUES (?, 'queued', ?, ?, ?, ?)`).run(kind, JSON.stringify(params ?? {}), total, t, t).lastInsertRowid);
  return getJob(lib, id);
}

/** One job by id; JOB_NOT_FOUND if absent. */
export function getJob(lib: Library, id: number): Job {
  const r = lib.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobDbRow | undefined;
  if (!r) throw new AppError('JOB_NOT_FOUND', `No job ${id}.`);
  return toJob(r);
}

/** Jobs, newest first, optionally filtered by status or kind. */
export function listJobs(lib: Library, filter: { status?: JobStatus[]; kind?: string; limit?: number } = {}): Job[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filter.status?.length) { where.push(`status IN (${filter.status.map(() => '?').join(',')})`); args.push(...filter.status); }
  if (filter.kind) { where.push('kind = ?'); args.push(filter.kind); }
  const sql = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
  return (lib.db.prepare(sql).all(...args, filter.limit ?? 1000) as JobDbRow[]).map(toJob);
}

const live = new Map<string, AbortController>();
const liveKey = (lib: Library, id: number) => `${lib.path}#${id}`;

/** Pauses a job: a queued one at once, a running one at its next check (≤ 0.25 s, or at once in this process). */
export function pauseJob(lib: Library, id: number): Job {
  return control(lib, id, 'pause');
}

/** Cancels a job: queued/paused at once, running at its next check. Cancelled is final and is not a failure. */
export function cancelJob(lib: Library, id: number): Job {
  return control(lib, id, 'cancel');
}

function control(lib: Library, id: number, what: 'pause' | 'cancel'): Job {
  const job = getJob(lib, id);
  const t = iso();
  if (job.status === 'running') {
    lib.db.prepare('UPDATE jobs SET control = ?, updated_at = ? WHERE id = ?').run(what, t, id);
    live.get(liveKey(lib, id))?.abort(what);
  } else if (job.status === 'queued' || (job.status === 'paused' && what === 'cancel') || (job.status === 'failed' && what === 'cancel')) {
    lib.db.prepare('UPDATE jobs SET status = ?, control = NULL, updated_at = ?, finished_at = ? WHERE id = ?')
      .run(what === 'pause' ? 'paused' : 'cancelled', t, what === 'cancel' ? t : null, id);
  } else if (!(job.status === 'paused' && what === 'pause')) {
    throw new AppError('JOB_CONFLICT', `Job ${id} is ${job.status}; cannot ${what} it.`);
  }
  return getJob(lib, id);
}

/** Puts a paused or failed job back in the queue (its checkpoint is kept; the error is cleared). */
export function resumeJob(lib: Library, id: number): Job {
  const job = getJob(lib, id);
  if (job.status === 'queued') return job;
  if (job.status !== 'paused' && job.status !== 'failed') throw new AppError('JOB_CONFLICT', `Job ${id} is ${job.status}; only paused or failed jobs resume.`);
  lib.db.prepare("UPDATE jobs SET status = 'queued', control = NULL, error_code = NULL, error_message = NULL, finished_at = NULL, updated_at = ? WHERE id = ?").run(iso(), id);
  return getJob(lib, id);
}

/** This process's owner tag, host:pid. */
export const thisOwner = (): string => `${hostname()}:${process.pid}`;

function ownerAlive(owner: string | null, heartbeatAt: number | null, now: number): boolean {
  if (!owner) return false;
  const [host, pidStr] = owner.split(':');
  if (host === hostname()) {
    try {
      process.kill(Number(pidStr), 0);
      return heartbeatAt === null || now - heartbeatAt < 10 * 60_000; // a live pid that stopped beating for 10 min was reused
    } catch (err) {
      return (err as { code?: string }).code === 'EPERM';
    }
  }
  return heartbeatAt !== null && now - heartbeatAt < 2 * 60_000;
}

/** Re-queues 'running' jobs whose owner process is gone (killed, crashed); returns their ids. */
export function recoverStaleJobs(lib: Library, now = Date.now()): number[] {
  const rows = lib.db.prepare("SELECT id, owner, heartbeat_at FROM jobs WHERE status = 'running'").all() as Array<{ id: number; owner: string | null; heartbeat_at: number | null }>;
  const out: number[] = [];
  for (const r of rows) {
    if (r.owner === thisOwner() && live.has(liveKey(lib, r.id))) continue;
    if (r.owner !== thisOwner() && ownerAlive(r.owner, r.heartbeat_at, now)) continue;
    const n = lib.db.prepare("UPDATE jobs SET status = CASE control WHEN 'cancel' THEN 'cancelled' WHEN 'pause' THEN 'paused' ELSE 'queued' END, control = NULL, owner = NULL, updated_at = ? WHERE id = ? AND status = 'running' AND owner IS ?")
      .run(iso(), r.id, r.owner).changes;
    if (n) out.push(r.id);
  }
  return out;
}

/** What an executor gets: the job, its last checkpoint, a signal, and progress reporting. */
export interface JobRunContext {
  job: Job;
  lib: Library;
  signal: AbortSignal;
  /**
   * Records progress (and optionally a new checkpoint) in the job row. Call it inside the same transaction that
   * stores the unit of work, so a kill -9 leaves both or neither. Emits a throttled job.progress event.
   */
  progress(done: number, total: number, checkpoint?: unknown, message?: string): void;
}

export type JobExecutor = (ctx: JobRunContext) => Promise<void>;

export interface RunJobOptions {
  signal?: AbortSignal;
  emit?: EventSink;
  /** Minimum ms between job.progress events (default 250). */
  throttleMs?: number;
  now?: () => number;
  /**
   * What a job stopped by `signal` becomes: 'paused' (default: a CLI stopped by the user, resumed on request) or
   * 'queued' (a host shutting down: the next host start continues it).
   */
  onInterrupt?: 'paused' | 'queued';
}

/** JOB_ALREADY_RUNNING when another job of this library is running in a live process (a dead one's is re-queued first). */
export function assertNoRunningJob(lib: Library): void {
  recoverStaleJobs(lib);
  const other = lib.db.prepare("SELECT id, kind, owner FROM jobs WHERE status = 'running' ORDER BY id LIMIT 1").get() as { id: number; kind: string; owner: string | null } | undefined;
  if (other) throw alreadyRunning(lib, other);
}

function alreadyRunning(lib: Library, other: { id: number; kind: string; owner: string | null }): AppError {
  return new AppError('JOB_ALREADY_RUNNING', `Job #${other.id} (${other.kind}) is already running on ${lib.path} (process ${other.owner ?? '?'}); one job runs on a library at a time. Wait for it, or pause it (molmoscope jobs pause ${other.id} --library …), then try again.`, { jobId: other.id });
}

/** Marks a queued job running for this process unless another job of the library runs; false when it is not queued. */
function claimJob(lib: Library, id: number, now: number): boolean {
  return lib.db.transaction(() => {
    const other = lib.db.prepare("SELECT id, kind, owner FROM jobs WHERE status = 'running' AND id != ? ORDER BY id LIMIT 1").get(id) as { id: number; kind: string; owner: string | null } | undefined;
    if (other) throw alreadyRunning(lib, other);
    return lib.db.prepare(`UPDATE jobs SET status = 'running', owner = ?, heartbeat_at = ?, attempts = attempts + 1, control = NULL,
      error_code = NULL, error_message = NULL, started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ? AND status = 'queued'`)
      .run(thisOwner(), now, iso(), iso(), id).changes > 0;
  }).immediate();
}

/** Bytes set aside beside the library while a job runs: enough WAL room to record the job's end on a full disk. */
const RESERVE_BYTES = 64 * 1024;

interface SpaceReserve {
  release(): void;
}

/**
 * Sets aside RESERVE_BYTES in `<library>-reserve` (a full disk is then noticed before the job claims anything, as
 * DISK_FULL); release() frees them. Left behind by a killed process, the file is simply rewritten by the next run.
 */
function reserveSpace(lib: Library): SpaceReserve {
  const file = `${lib.path}-reserve`;
  try {
    writeFileSync(file, Buffer.alloc(RESERVE_BYTES));
  } catch (err) {
    rmSync(file, { force: true });
    throw err;
  }
  return { release: () => rmSync(file, { force: true }) };
}

/** Waits for the library's check, sets the disk reserve aside and claims the job; the reserve to release at the end. */
async function startRun(lib: Library, id: number, now: number): Promise<SpaceReserve> {
  await lib.writable();
  recoverStaleJobs(lib);
  let reserve: SpaceReserve;
  let claimed: boolean;
  try {
    reserve = reserveSpace(lib);
  } catch (err) {
    throw storageError(err, lib.path) ?? err;
  }
  try {
    claimed = claimJob(lib, id, now);
  } catch (err) {
    reserve.release();
    throw storageError(err, lib.path) ?? err;
  }
  if (!claimed) {
    reserve.release();
    throw new AppError('JOB_CONFLICT', `Job ${id} is ${getJob(lib, id).status}; only queued jobs can start.`);
  }
  return reserve;
}

/**
 * Heartbeats the job row once a second and reads a pause or cancel asked for by another process 4× a second
 * (cancel is promised within 2 s), aborting `ac` with it. Returns the stop function.
 */
function watchControl(lib: Library, id: number, ac: AbortController, now: () => number): () => void {
  const beat = lib.db.prepare('UPDATE jobs SET heartbeat_at = ? WHERE id = ?');
  const readControl = lib.db.prepare('SELECT control FROM jobs WHERE id = ?').pluck();
  let ticks = 0;
  const timer = setInterval(() => {
    try {
      if (ticks++ % 4 === 0) beat.run(now(), id);
      const c = readControl.get(id) as 'pause' | 'cancel' | null;
      if (c && !ac.signal.aborted) ac.abort(c);
    } catch {
      // Busy for a moment: the next tick retries; the run itself surfaces real DB errors.
    }
  }, 250);
  timer.unref();
  return () => clearInterval(timer);
}

interface ProgressReporter {
  progress: JobRunContext['progress'];
  emit(status: JobStatus, extra?: { message?: string; errorCode?: ErrorCode }): void;
}

/**
 * The job's progress(): writes the row, and announces only what is committed. progress() is called inside the
 * transaction that stores the work, so the event waits until that transaction has ended and reports what the row
 * holds then (a failed COMMIT, e.g. on a full disk, leaves the old count and nothing is announced).
 */
function progressReporter(lib: Library, job: Job, opts: RunJobOptions, now: () => number): ProgressReporter {
  const db = lib.db;
  const upd = db.prepare('UPDATE jobs SET progress_done = ?, progress_total = ?, checkpoint_json = COALESCE(?, checkpoint_json), heartbeat_at = ?, updated_at = ? WHERE id = ?');
  const committed = db.prepare('SELECT progress_done AS done, progress_total AS total FROM jobs WHERE id = ?');
  const startedAt = now();
  let lastEmit = 0;
  let done = job.done;
  let total = job.total;
  const emit: ProgressReporter['emit'] = (status, extra = {}) => {
    if (!opts.emit) return;
    const rate = (now() - startedAt) / Math.max(1, done - job.done);
    const eta = status === 'running' && done > job.done ? ((total - done) * rate) / 1000 : null;
    opts.emit('job.progress', { jobId: job.id, kind: job.kind, status, done, total, etaSeconds: eta, ...extra });
  };
  const announce = (message: string | undefined) => {
    if (db.inTransaction) return;
    const row = committed.get(job.id) as { done: number; total: number };
    const changed = row.done !== done || row.total !== total;
    done = row.done;
    total = row.total;
    if (changed && (now() - lastEmit >= (opts.throttleMs ?? 250) || done === total)) {
      lastEmit = now();
      emit('running', message ? { message } : {});
    }
  };
  const progress: JobRunContext['progress'] = (d, t, checkpoint, message) => {
    upd.run(d, t, checkpoint === undefined ? null : JSON.stringify(checkpoint), now(), iso(), job.id);
    if (db.inTransaction) queueMicrotask(() => announce(message));
    else announce(message);
  };
  return { progress, emit };
}

/**
 * Claims a queued job and runs it to done/paused/cancelled/failed; returns the final row. Throws JOB_CONFLICT if not
 * queued, JOB_ALREADY_RUNNING if another job runs on the library, LIBRARY_CORRUPT if the library failed its check,
 * DISK_FULL if there is no room to start.
 */
export async function runJob(lib: Library, id: number, executors: Record<string, JobExecutor>, opts: RunJobOptions = {}): Promise<Job> {
  const now = opts.now ?? Date.now;
  const reserve = await startRun(lib, id, now());
  const job = getJob(lib, id);
  const exec = executors[job.kind];
  const ac = new AbortController();
  live.set(liveKey(lib, id), ac);
  const onOuter = () => ac.abort('interrupt');
  opts.signal?.addEventListener('abort', onOuter, { once: true });
  if (opts.signal?.aborted) ac.abort('interrupt');
  const stopWatching = watchControl(lib, id, ac, now);
  const reporter = progressReporter(lib, job, opts, now);
  reporter.emit('running');
  let end: JobEnd;
  try {
    if (!exec) throw new AppError('INVALID_INPUT', `No executor for job kind "${job.kind}".`);
    await exec({ job, lib, signal: ac.signal, progress: reporter.progress });
    throwIfCancelled(ac.signal);
    end = { status: 'done', errorCode: null, errorMessage: null };
  } catch (err) {
    end = jobEnd(err, ac.signal.aborted ? ac.signal.reason : null, opts.onInterrupt ?? 'paused', lib.path);
  } finally {
    stopWatching();
    opts.signal?.removeEventListener('abort', onOuter);
    live.delete(liveKey(lib, id));
  }
  await Promise.resolve(); // let a pending announcement of the last stored unit go out first
  reserve.release(); // on a full disk, what lets the end itself be written
  recordEnd(lib, id, end);
  reporter.emit(end.status, { ...(end.errorMessage ? { message: end.errorMessage } : {}), ...(end.errorCode ? { errorCode: end.errorCode } : {}) });
  return getJob(lib, id);
}

interface JobEnd { status: JobStatus; errorCode: ErrorCode | null; errorMessage: string | null }

/** How a run that threw ends: the abort reason first (cancel/pause/interrupt), then pausing errors, else failed. */
function jobEnd(err: unknown, reason: unknown, onInterrupt: 'paused' | 'queued', path: string): JobEnd {
  const none = { errorCode: null, errorMessage: null };
  if (reason === 'cancel') return { status: 'cancelled', ...none };
  if (reason === 'pause') return { status: 'paused', ...none };
  if (reason === 'interrupt' && onInterrupt === 'queued') return { status: 'queued', ...none };
  if (reason === 'interrupt') return { status: 'paused', errorCode: null, errorMessage: 'Interrupted (the app or CLI stopped); resume to continue.' };
  const e = storageError(err, path) ?? err;
  if (e instanceof AppError && PAUSING_ERROR_CODES.has(e.code)) return { status: 'paused', errorCode: e.code, errorMessage: e.message };
  if (e instanceof AppError && e.code === 'CANCELLED') return { status: 'cancelled', ...none };
  return { status: 'failed', errorCode: e instanceof AppError ? e.code : 'INTERNAL', errorMessage: e instanceof Error ? e.message : String(e) };
}

/**
 * Writes how the run ended. On a full disk this small update may fail too: then the row stays 'running' with this
 * process as owner and no live runner, which recoverStaleJobs turns back into 'queued' (nothing is lost either way).
 */
function recordEnd(lib: Library, id: number, end: JobEnd): void {
  const final = end.status === 'done' || end.status === 'cancelled' || end.status === 'failed';
  try {
    lib.db.prepare(`UPDATE jobs SET status = ?, error_code = ?, error_message = ?, control = NULL, owner = NULL, updated_at = ?,
      finished_at = ? WHERE id = ?`).run(end.status, end.errorCode, end.errorMessage, iso(), final ? iso() : null, id);
  } catch (err) {
    if (!storageError(err, lib.path)) throw err;
  }
}

/** Runs queued jobs of the given kinds one after another until none is left or the signal aborts. */
export async function runQueued(lib: Library, executors: Record<string, JobExecutor>, opts: RunJobOptions = {}): Promise<Job[]> {
  recoverStaleJobs(lib);
  const out: Job[] = [];
  const kinds = Object.keys(executors);
  for (;;) {
    if (opts.signal?.aborted) break;
    const next = lib.db.prepare(`SELECT id FROM jobs WHERE status = 'queued' AND kind IN (${kinds.map(() => '?').join(',')}) ORDER BY id LIMIT 1`).pluck().get(...kinds) as number | undefined;
    if (next === undefined) break;
    out.push(await runJob(lib, next, executors, opts));
  }
  return out;
}
