// Persisted jobs: rows with kind, status, progress, checkpoint, attempts and error code, and the runner
// that claims one, runs its executor under an AbortSignal, heartbeats, and records how it ended.
import { rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { AppError, type ErrorCode, throwIfCancelled } from '../../api/errors.js';
import type { EventSink } from '../context.js';
import type { Library } from './store.js';
import { storageError } from './storage-errors.js';
import {
  claimQueuedJob,
  findJob,
  firstRunningJob,
  insertJob,
  jobProgressStatements,
  jobWatchStatements,
  nextQueuedJobId,
  recordJobEnd,
  releaseStaleJob,
  requeueJob,
  runningJobs,
  selectJobs,
  setJobControl,
  stopIdleJob,
  type Job,
  type JobEndRow,
  type JobStatus,
} from './jobs-store.js';

export type { Job, JobStatus } from './jobs-store.js';

/** Errors of the GPU/engine or the disk that pause a job (resumable once fixed) instead of failing it. */
export const PAUSING_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'GPU_OOM',
  'ENGINE_CRASHED',
  'PROVIDER_UNAVAILABLE',
  'DISK_FULL',
  'IO_ERROR',
]);

const iso = () => new Date().toISOString();

/** Adds a queued job; returns it. */
export function createJob(lib: Library, kind: string, params: unknown, total = 0): Job {
  const t = iso();
  const id = insertJob(lib.db, { kind, params, total, at: t });
  return getJob(lib, id);
}

/** One job by id; JOB_NOT_FOUND if absent. */
export function getJob(lib: Library, id: number): Job {
  const job = findJob(lib.db, id);
  if (!job) throw new AppError('JOB_NOT_FOUND', `No job ${id}.`);
  return job;
}

/** Jobs, newest first, optionally filtered by status or kind. */
export function listJobs(lib: Library, filter: { status?: JobStatus[]; kind?: string; limit?: number } = {}): Job[] {
  return selectJobs(lib.db, { ...filter, limit: filter.limit ?? 1000 });
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
    setJobControl(lib.db, id, what, t);
    live.get(liveKey(lib, id))?.abort(what);
  } else if (
    job.status === 'queued' ||
    (job.status === 'paused' && what === 'cancel') ||
    (job.status === 'failed' && what === 'cancel')
  ) {
    stopIdleJob(lib.db, id, what === 'pause' ? 'paused' : 'cancelled', t, what === 'cancel' ? t : null);
  } else if (!(job.status === 'paused' && what === 'pause')) {
    throw new AppError('JOB_CONFLICT', `Job ${id} is ${job.status}; cannot ${what} it.`);
  }
  return getJob(lib, id);
}

/** Puts a paused or failed job back in the queue (its checkpoint is kept; the error is cleared). */
export function resumeJob(lib: Library, id: number): Job {
  const job = getJob(lib, id);
  if (job.status === 'queued') return job;
  if (job.status !== 'paused' && job.status !== 'failed')
    throw new AppError('JOB_CONFLICT', `Job ${id} is ${job.status}; only paused or failed jobs resume.`);
  requeueJob(lib.db, id, iso());
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
  const out: number[] = [];
  for (const r of runningJobs(lib.db)) {
    if (r.owner === thisOwner() && live.has(liveKey(lib, r.id))) continue;
    if (r.owner !== thisOwner() && ownerAlive(r.owner, r.heartbeatAt, now)) continue;
    if (releaseStaleJob(lib.db, r.id, r.owner, iso())) out.push(r.id);
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
  const other = firstRunningJob(lib.db);
  if (other) throw alreadyRunning(lib, other);
}

function alreadyRunning(lib: Library, other: { id: number; kind: string; owner: string | null }): AppError {
  return new AppError(
    'JOB_ALREADY_RUNNING',
    `Job #${other.id} (${other.kind}) is already running on ${lib.path} (process ${other.owner ?? '?'}); one job runs on a library at a time. Wait for it, or pause it (molmoscope jobs pause ${other.id} --library …), then try again.`,
    { jobId: other.id },
  );
}

/** Marks a queued job running for this process unless another job of the library runs; false when it is not queued. */
function claimJob(lib: Library, id: number, now: number): boolean {
  return lib.db
    .transaction(() => {
      const other = firstRunningJob(lib.db, id);
      if (other) throw alreadyRunning(lib, other);
      return claimQueuedJob(lib.db, id, thisOwner(), now, iso());
    })
    .immediate();
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
  // On a failing disk (EIO, or a file system the kernel turned read-only) the unlink can fail too: the run's end must
  // still be reported, and a reserve left behind is rewritten by the next run.
  return {
    release: () => {
      try {
        rmSync(file, { force: true });
      } catch {
        /* see above */
      }
    },
  };
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
  const rows = jobWatchStatements(lib.db);
  let ticks = 0;
  const timer = setInterval(() => {
    try {
      if (ticks++ % 4 === 0) rows.beat(id, now());
      const c = rows.control(id);
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
  const rows = jobProgressStatements(db);
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
    const row = rows.committed(job.id);
    const changed = row.done !== done || row.total !== total;
    done = row.done;
    total = row.total;
    if (changed && (now() - lastEmit >= (opts.throttleMs ?? 250) || done === total)) {
      lastEmit = now();
      emit('running', message ? { message } : {});
    }
  };
  const progress: JobRunContext['progress'] = (d, t, checkpoint, message) => {
    const checkpointJson = checkpoint === undefined ? null : JSON.stringify(checkpoint);
    rows.write(job.id, { done: d, total: t, checkpointJson, heartbeatAt: now(), at: iso() });
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
export async function runJob(
  lib: Library,
  id: number,
  executors: Record<string, JobExecutor>,
  opts: RunJobOptions = {},
): Promise<Job> {
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
  reporter.emit(end.status, {
    ...(end.errorMessage ? { message: end.errorMessage } : {}),
    ...(end.errorCode ? { errorCode: end.errorCode } : {}),
  });
  return getJob(lib, id);
}

type JobEnd = JobEndRow;

/** How a run that threw ends: the abort reason first (cancel/pause/interrupt), then pausing errors, else failed. */
function jobEnd(err: unknown, reason: unknown, onInterrupt: 'paused' | 'queued', path: string): JobEnd {
  const none = { errorCode: null, errorMessage: null };
  if (reason === 'cancel') return { status: 'cancelled', ...none };
  if (reason === 'pause') return { status: 'paused', ...none };
  if (reason === 'interrupt' && onInterrupt === 'queued') return { status: 'queued', ...none };
  if (reason === 'interrupt')
    return {
      status: 'paused',
      errorCode: null,
      errorMessage: 'Interrupted (the app or CLI stopped); resume to continue.',
    };
  const e = storageError(err, path) ?? err;
  if (e instanceof AppError && PAUSING_ERROR_CODES.has(e.code))
    return { status: 'paused', errorCode: e.code, errorMessage: e.message };
  if (e instanceof AppError && e.code === 'CANCELLED') return { status: 'cancelled', ...none };
  return {
    status: 'failed',
    errorCode: e instanceof AppError ? e.code : 'INTERNAL',
    errorMessage: e instanceof Error ? e.message : String(e),
  };
}

/**
 * Writes how the run ended. On a full disk this small update may fail too: then the row stays 'running' with this
 * process as owner and no live runner, which recoverStaleJobs turns back into 'queued' (nothing is lost either way).
 */
function recordEnd(lib: Library, id: number, end: JobEnd): void {
  const final = end.status === 'done' || end.status === 'cancelled' || end.status === 'failed';
  try {
    recordJobEnd(lib.db, id, end, iso(), final ? iso() : null);
  } catch (err) {
    if (!storageError(err, lib.path)) throw err;
  }
}

/** Runs queued jobs of the given kinds one after another until none is left or the signal aborts. */
export async function runQueued(
  lib: Library,
  executors: Record<string, JobExecutor>,
  opts: RunJobOptions = {},
): Promise<Job[]> {
  recoverStaleJobs(lib);
  const out: Job[] = [];
  const kinds = Object.keys(executors);
  for (;;) {
    if (opts.signal?.aborted) break;
    const next = nextQueuedJobId(lib.db, kinds);
    if (next === undefined) break;
    out.push(await runJob(lib, next, executors, opts));
  }
  return out;
}
