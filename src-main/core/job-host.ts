// Background jobs of a long-lived host (serve, Electron): runs the open library's queued jobs one at a time,
// with job.progress events, and picks up jobs a killed process left behind when a library is opened.
import { AppError } from '../api/errors.js';
import type { CoreContext } from './context.js';
import { runQueued, type JobExecutor } from './library/jobs.js';
import { hasQueuedJob } from './library/jobs-store.js';
import type { Library } from './library/store.js';
import { indexJobKind } from './library/index-host.js';
import { ANALYTICS_JOB_KINDS } from './analytics/run-jobs.js';
import { FINETUNE_JOB_KINDS } from './finetune/train-job.js';

/** Builds the executor of one job kind for a context (it may open the shared model lazily). */
export type JobKindFactory = (ctx: CoreContext) => JobExecutor;

/** Every job kind the hosts run, by kind; areas add theirs here (one import, one entry). */
export const JOB_KINDS: Record<string, JobKindFactory> = {
  index: (ctx) => indexJobKind(ctx),
  ...ANALYTICS_JOB_KINDS,
  ...FINETUNE_JOB_KINDS,
};

/** Errors of a job's start that looking again at once cannot mend: the loop stops until it is kicked again. */
const STOPS_LOOP: ReadonlySet<string> = new Set(['JOB_ALREADY_RUNNING', 'LIBRARY_CORRUPT', 'DISK_FULL', 'IO_ERROR']);

interface HostState {
  lib: Library;
  ac: AbortController;
  loop: Promise<void>;
  again: boolean;
}

const KEY = 'jobs.host';

/** Executors for every registered kind, bound to this context. */
export function jobExecutors(
  ctx: CoreContext,
  kinds: Record<string, JobKindFactory> = JOB_KINDS,
): Record<string, JobExecutor> {
  return Object.fromEntries(Object.entries(kinds).map(([k, f]) => [k, f(ctx)]));
}

/**
 * Makes sure queued jobs of `lib` run: starts the background loop, or tells a running one to look again once it
 * drains. Never throws; a job's own failure is recorded in its row by the runner.
 */
export function kickJobs(ctx: CoreContext, lib: Library): void {
  if (Object.keys(JOB_KINDS).length === 0) return;
  const cur = ctx.state.get(KEY) as HostState | undefined;
  if (cur && cur.lib === lib && !cur.ac.signal.aborted) {
    cur.again = true;
    return;
  }
  if (cur) cur.ac.abort();
  const st: HostState = { lib, ac: new AbortController(), loop: Promise.resolve(), again: false };
  st.loop = (async () => {
    const executors = jobExecutors(ctx);
    do {
      st.again = false;
      try {
        // A host that stops is not the user pausing: the job it interrupts waits in the queue for the next start.
        await runQueued(lib, executors, { signal: st.ac.signal, emit: ctx.emit, onInterrupt: 'queued' });
      } catch (err) {
        // Another process runs a job on this library (or the library failed its check): looking again at once would
        // spin; the next kick (a new job, a resume, a reopen) tries again.
        ctx.logger.error('job loop stopped', err);
        if (err instanceof AppError && STOPS_LOOP.has(err.code)) break;
      }
      // Yield once so a job queued while the last one finished is seen.
      await new Promise((r) => setImmediate(r));
    } while ((st.again || hasQueued(lib, executors)) && !st.ac.signal.aborted && lib.db.open);
  })().finally(() => {
    if (ctx.state.get(KEY) === st) ctx.state.delete(KEY);
  });
  ctx.state.set(KEY, st);
}

function hasQueued(lib: Library, executors: Record<string, JobExecutor>): boolean {
  if (!lib.db.open) return false;
  return hasQueuedJob(lib.db, Object.keys(executors));
}

/** Stops the background loop and waits for it; the job it interrupted goes back to the queue for the next start. */
export async function stopJobs(ctx: CoreContext): Promise<void> {
  const cur = ctx.state.get(KEY) as HostState | undefined;
  if (!cur) return;
  cur.ac.abort();
  await cur.loop;
}

/** Whether this host runs background jobs (the CLI runs them in the foreground instead). */
export function runsBackgroundJobs(ctx: CoreContext): boolean {
  return ctx.host !== 'cli';
}
