// Builds the CoreContext a host hands to the handlers: paths, logger, clock, event sink, media service and state.
// Each host (CLI, serve, Electron) calls this once and passes its own event sink.
import type { CoreContext, EventSink, Logger, Clock } from '../context.js';
import { createMediaService, type MediaService } from '../media/index.js';
import { resolveAppPaths, type AppPaths } from './paths.js';
import { createLogger, parseLogLevel } from './logger.js';
import { systemClock } from './clock.js';

export interface ContextOptions {
  host: CoreContext['host'];
  env?: NodeJS.ProcessEnv;
  emit?: EventSink;
  logger?: Logger;
  paths?: AppPaths;
  clock?: Clock;
  /** How the engine process is started (the Electron host passes its utilityProcess launcher). */
  engine?: CoreContext['engine'];
  /** A media service to use instead of a fresh one (it is then disposed with this context all the same). */
  media?: MediaService;
}

/** A CoreContext with the real platform capabilities, overridable per option. */
export function createCoreContext(opts: ContextOptions): CoreContext {
  const env = opts.env ?? process.env;
  const media = opts.media ?? createMediaService({ env });
  return {
    host: opts.host,
    env,
    paths: opts.paths ?? resolveAppPaths(env),
    logger: opts.logger ?? createLogger({ level: parseLogLevel(env.MOLMOSCOPE_LOG_LEVEL, 'warn') }),
    clock: opts.clock ?? systemClock,
    emit: opts.emit ?? (() => {}),
    ...(opts.engine ? { engine: opts.engine } : {}),
    media,
    state: new Map(),
    dispose: () => media.dispose(),
  };
}
