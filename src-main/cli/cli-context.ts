// A CoreContext for one CLI command that needs the core's services (the media service, the engine), disposed when the
// command ends so no cache or ffmpeg child outlives it.
import type { CoreContext } from '../core/context.js';
import { createCoreContext, type ContextOptions } from '../core/platform/create-context.js';
import type { CliIO } from './command.js';

/** Runs `fn` with a fresh CLI context over `io.env` and disposes the context however `fn` ends. */
export async function withCliContext<T>(
  io: CliIO,
  fn: (ctx: CoreContext) => Promise<T>,
  opts: Omit<ContextOptions, 'host' | 'env'> = {},
): Promise<T> {
  const ctx = createCoreContext({ ...opts, host: 'cli', env: io.env });
  try {
    return await fn(ctx);
  } finally {
    ctx.dispose();
  }
}
