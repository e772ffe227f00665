// The shape of the API a UI sees: one function per contract operation plus event subscriptions.
// Electron's preload exposes it as `window.molmoscope`; the renderer's serve client implements the same shape.
import type { EventName, EventPayload, OpName, OpRequest, OpResponse } from './contract.js';
import type { Result } from './envelope.js';
import type { PickPathsRequest, PickPathsResponse } from './dialog.js';

export type OpFunctions = { [N in OpName]: (request: OpRequest<N>) => Promise<Result<OpResponse<N>>> };

export interface MolmoscopeBridge {
  /** Which host answers: the Electron preload or the serve bridge. */
  readonly transport: 'electron' | 'serve';
  /** One function per operation, by operation name. */
  readonly ops: OpFunctions;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** URL a <video> plays recording `recordingId` from (its playback proxy when needed); pages never see a path. */
  mediaUrl(recordingId: number): string;
  /** URL of a JPEG still of the recording at `t` seconds, `width` px wide (default 320). */
  thumbnailUrl(recordingId: number, t: number, width?: number): string;
  /** Desktop only: the native open dialog for video files or folders (absent in a browser). */
  readonly pickPaths?: (request: PickPathsRequest) => Promise<Result<PickPathsResponse>>;
  /** Desktop only: the local path of a file or folder dropped on the page ('' when it has none). */
  readonly pathForFile?: (file: File) => string;
}

/** The media path below the transport's media root, shared by both bridges so they cannot disagree. */
export function mediaPath(kind: 'recording' | 'thumb', recordingId: number, t?: number, width?: number): string {
  const id = Math.trunc(recordingId);
  if (kind === 'recording') return `/recording/${id}`;
  return `/thumb/${id}?t=${Math.max(0, Math.round((t ?? 0) * 1000) / 1000)}&w=${Math.round(width ?? 320)}`;
}

/** IPC channel names used between Electron's preload and main (kept here so both sides agree). */
export const IPC_INVOKE = 'molmoscope:invoke';
export const IPC_EVENT = 'molmoscope:event';
