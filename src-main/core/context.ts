// The core's runtime context: platform capabilities passed in by the host (paths, logger, clock, events).
// Hosts (CLI, serve, Electron) build one CoreContext and hand it to the operation handlers.
import type { EventName, EventPayload } from '../api/contract.js';
import type { MediaService } from './media/index.js';
import type { EngineLauncher } from './molmo2/engine/engine-process.js';
import type { AppPaths } from './platform/paths.js';

export interface Logger {
  debug(msg: string, data?: unknown): void;
  info(msg: string, data?: unknown): void;
  warn(msg: string, data?: unknown): void;
  error(msg: string, data?: unknown): void;
}

export interface Clock {
  now(): number;
}

export type EventSink = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

export interface CoreContext {
  host: 'cli' | 'serve' | 'electron';
  paths: AppPaths;
  logger: Logger;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  /** Publishes an event to every subscribed UI. */
  emit: EventSink;
  /** Starts the Molmo2 engine process (Electron: a utilityProcess); absent → fork the built engine entry under Node. */
  engine?: EngineLauncher;
  /** Probing, frame decoding and thumbnails, with the media layer's caches; disposed with the context. */
  media: MediaService;
  /** Per-context state that areas keep between calls (e.g. the open library); keyed by area name. */
  state: Map<string, unknown>;
  /** Disposes what the context owns (the media service: its caches and any ffmpeg child still running). */
  dispose(): void;
}
