// The shape of the API a UI sees: one function per contract operation plus event subscriptions.
// Electron's preload exposes it as `window.molmoscope`; the renderer's serve client implements the same shape.
import type { EventName, EventPayload, OpName, OpRequest, OpResponse } from './contract.js';
import type { Result } from './envelope.js';

export type OpFunctions = { [N in OpName]: (request: OpRequest<N>) => Promise<Result<OpResponse<N>>> };

export interface MolmoscopeBridge {
  /** Which host answers: the Electron preload or the serve bridge. */
  readonly transport: 'electron' | 'serve';
  /** One function per operation, by operation name. */
  readonly ops: OpFunctions;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** IPC channel names used between Electron's preload and main (kept here so both sides agree). */
export const IPC_INVOKE = 'molmoscope:invoke';
export const IPC_EVENT = 'molmoscope:event';
