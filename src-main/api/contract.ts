// The one API contract: every operation's request and response schema, and every event.
// Preload, Electron main, the serve bridge and the renderer all derive their types from here.
import type { z } from 'zod';
import { appOps } from './ops/app.js';
import { libraryOps } from './ops/library.js';
import { mediaOps } from './ops/media.js';
import { analyticsOps } from './ops/analytics.js';
import { modelsOps } from './ops/models.js';
import { finetuneOps } from './ops/finetune.js';
import { events } from './events.js';

/** Every operation of the contract, by name. */
export const operations = {
  ...appOps,
  ...libraryOps,
  ...mediaOps,
  ...analyticsOps,
  ...modelsOps,
  ...finetuneOps,
} as const;

export type Operations = typeof operations;
export type OpName = keyof Operations;
export type OpRequest<N extends OpName> = z.input<Operations[N]['request']>;
export type OpResponse<N extends OpName> = z.infer<Operations[N]['response']>;
export const OP_NAMES = Object.keys(operations) as OpName[];

export { events };
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.infer<Events[E]>;
export const EVENT_NAMES = Object.keys(events) as EventName[];

/** True when `name` is an operation of the contract (for hosts that receive names as strings). */
export function isOpName(name: string): name is OpName {
  return Object.prototype.hasOwnProperty.call(operations, name);
}
