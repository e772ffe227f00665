// Operation handlers of the library area: open, import, recordings, search, and job control.
// The open library lives in ctx.state under 'library'; every other op answers LIBRARY_NOT_OPEN without one.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import type { CoreContext } from '../context.js';
import { openLibrary, type Library } from '../library/store.js';
import { importPaths } from '../library/import.js';
import { mediaSourceOver } from '../library/media-adapter.js';
import type { MediaSource } from '../library/media-source.js';
import { countRecordings, listRecordings } from '../library/recordings.js';
import { search } from '../library/search.js';
import { cancelJob, getJob, listJobs, pauseJob, resumeJob } from '../library/jobs.js';
import type { HandlerMap } from './types.js';
import { kickJobs, runsBackgroundJobs, stopJobs } from '../job-host.js';
import { configuredModelId, queueIndex } from '../library/index-host.js';
import { verifyMoments } from '../library/verify.js';
import { modelSession } from '../molmo2/model-host.js';
import { listWindows } from '../library/recordings.js';
import { applyLibraryAdapter } from '../finetune/adapters.js';

const LIBRARY_KEY = 'library';
/** ctx.state key under which a host or test may put another MediaSource (default: over the context's media service). */
export const MEDIA_SOURCE_KEY = 'library.media';

/** The open library of this context, or LIBRARY_NOT_OPEN. */
export function currentLibrary(ctx: CoreContext): Library {
  const lib = ctx.state.get(LIBRARY_KEY) as Library | undefined;
  if (!lib || !lib.db.open) throw new AppError('LIBRARY_NOT_OPEN', 'No library is open; open or create one first.');
  return lib;
}

/**
 * The open library once its full integrity check (started at open, on a worker thread) has passed: every operation
 * that writes waits here, and a library that failed the check answers LIBRARY_CORRUPT with the way out.
 */
export async function writableLibrary(ctx: CoreContext): Promise<Library> {
  const lib = currentLibrary(ctx);
  await lib.writable();
  return lib;
}

/** Starts the background check of a just-opened library at once and logs its verdict (writers learn it themselves). */
function checkInBackground(ctx: CoreContext, lib: Library): void {
  const t0 = ctx.clock.now();
  lib.writable().then(
    () => ctx.logger.info('library integrity check ok', { path: lib.path, ms: ctx.clock.now() - t0 }),
    (err: unknown) => {
      // A library closed before its check finished (a short CLI command, a switch to another library) is no fault.
      if (err instanceof AppError && err.code === 'LIBRARY_NOT_OPEN')
        ctx.logger.debug('library closed before its integrity check finished', { path: lib.path });
      else
        ctx.logger.warn('library integrity check failed: writes are refused', {
          path: lib.path,
          error: (err as Error).message,
        });
    },
  );
}

export const libraryHandlers: HandlerMap = {
  'library.open': async (req, ctx) => {
    const previous = ctx.state.get(LIBRARY_KEY) as Library | undefined;
    // better-sqlite3 throws an uncoded TypeError for a missing folder; say what is missing instead of INTERNAL.
    if (!existsSync(dirname(resolve(req.path))))
      throw new AppError('NOT_FOUND', `The folder of ${req.path} does not exist.`);
    // The full integrity check runs on a worker with its own read-only connection: the open answers at once, reads
    // go ahead, and writers wait for the verdict (writableLibrary). A library that must migrate is checked first.
    const lib = openLibrary(req.path, { create: req.create ?? true, integrity: 'background' });
    checkInBackground(ctx, lib);
    if (previous && previous !== lib) {
      // The running job belongs to the library being closed: stop it first (it goes back to that library's queue
      // and resumes when it is opened again) so nothing keeps writing through a closed handle.
      await stopJobs(ctx);
      previous.close();
    }
    ctx.state.set(LIBRARY_KEY, lib);
    await applyLibraryAdapter(ctx, lib); // the library's active adapter (if any) is the model its jobs run
    // Jobs queued earlier, and those a killed process left running, continue in the background.
    if (runsBackgroundJobs(ctx)) kickJobs(ctx, lib);
    ctx.logger.info('library opened', { path: lib.path, schemaVersion: lib.schemaVersion, created: lib.created });
    return { path: lib.path, schemaVersion: lib.schemaVersion, created: lib.created, recordings: countRecordings(lib) };
  },
  'library.import': async (req, ctx, signal) => {
    const lib = await writableLibrary(ctx);
    const media = (ctx.state.get(MEDIA_SOURCE_KEY) as MediaSource | undefined) ?? mediaSourceOver(ctx.media);
    let last = 0;
    return importPaths(lib, req.paths, {
      media,
      signal,
      extensions: req.extensions,
      onProgress: (done, total, path) => {
        if (done === total || ctx.clock.now() - last > 200) {
          last = ctx.clock.now();
          ctx.emit('library.import.progress', { done, total, path });
        }
      },
    });
  },
  'library.recordings': async (req, ctx) => ({
    recordings: listRecordings(currentLibrary(ctx), { status: req.status }),
  }),
  'library.search': async (req, ctx, signal) => {
    const lib = currentLibrary(ctx);
    const results = search(lib, req.query, { ...(req.filters ?? {}), limit: req.limit ?? 20 });
    if (!req.verify || results.length === 0) return { results };
    const modelId = configuredModelId(ctx);
    const v = await verifyMoments(lib, await modelSession(ctx), req.query, results, req.verify.topK ?? 5, signal);
    return { results: v.moments, verification: { ...v.cost, modelId } };
  },
  'library.index': async (req, ctx) => {
    const lib = await writableLibrary(ctx);
    const job = queueIndex(ctx, lib, req);
    if (runsBackgroundJobs(ctx)) kickJobs(ctx, lib);
    return job;
  },
  'library.windows': async (req, ctx) => ({
    windows: listWindows(currentLibrary(ctx), req.recordingId, req.limit ?? 10000),
  }),
  'jobs.list': async (req, ctx) => ({ jobs: listJobs(currentLibrary(ctx), req) }),
  'jobs.get': async (req, ctx) => getJob(currentLibrary(ctx), req.id),
  'jobs.pause': async (req, ctx) => pauseJob(await writableLibrary(ctx), req.id),
  'jobs.resume': async (req, ctx) => {
    const lib = await writableLibrary(ctx);
    const job = resumeJob(lib, req.id);
    if (runsBackgroundJobs(ctx)) kickJobs(ctx, lib);
    return job;
  },
  'jobs.cancel': async (req, ctx) => cancelJob(await writableLibrary(ctx), req.id),
};
