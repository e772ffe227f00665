// Orderly end of a long-lived host (serve, Electron): stop background jobs (re-queued for the next start),
// stop the engine process, close the library file, dispose the context (media caches, any ffmpeg still running).
import type { CoreContext } from './context.js';
import { stopJobs } from './job-host.js';
import { closeModel } from './molmo2/model-host.js';
import { stopDownloads } from './models/download-host.js';
import type { Library } from './library/store.js';

/** Stops jobs, the engine and the open library of this context, then disposes it; safe to call twice. */
export async function shutdownHost(ctx: CoreContext): Promise<void> {
  await stopJobs(ctx);
  await stopDownloads(ctx);
  await closeModel(ctx);
  const lib = ctx.state.get('library') as Library | undefined;
  if (lib?.db.open) lib.close();
  ctx.state.delete('library');
  ctx.dispose();
}
