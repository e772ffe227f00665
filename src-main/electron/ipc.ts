// IPC between the preload and main: one invoke channel answered by the shared dispatcher, the open dialog, and the
// event channel. Every call is checked to come from the app's own top frame before anything else happens.
import {
  BrowserWindow,
  dialog,
  ipcMain,
  type IpcMainInvokeEvent,
  type OpenDialogOptions,
  type WebFrameMain,
} from 'electron';
import { IPC_EVENT, IPC_INVOKE } from '../api/bridge.js';
import { IPC_PICK_PATHS, PickPathsRequest, type PickPathsResponse } from '../api/dialog.js';
import type { Result } from '../api/envelope.js';
import { toApiError } from '../api/errors.js';
import type { Dispatcher } from '../core/handlers/index.js';
import type { EventSink } from '../core/context.js';
import { DEFAULT_VIDEO_EXTENSIONS } from '../core/library/import.js';
import { APP_ORIGIN } from './schemes.js';

const REFUSED = {
  ok: false,
  error: { code: 'FORBIDDEN_ORIGIN', message: 'IPC from a frame that is not the app' },
} as const;

/** True when the frame is a top-level frame showing the app's own pages. */
export function isTrustedFrame(frame: WebFrameMain | null | undefined): boolean {
  if (!frame || frame.parent !== null) return false;
  try {
    return new URL(frame.url).origin === APP_ORIGIN || frame.url.startsWith(`${APP_ORIGIN}/`);
  } catch {
    return false;
  }
}

/** Answers IPC_INVOKE through the dispatcher (after the sender check). */
export function registerIpc(dispatcher: Dispatcher): void {
  ipcMain.handle(IPC_INVOKE, async (event, opName: unknown, payload: unknown): Promise<Result<unknown>> => {
    if (!isTrustedFrame(event.senderFrame)) return REFUSED;
    return dispatcher.dispatch(String(opName), payload);
  });
}

/** The dialog's options for a request: video files (several) or folders (several). */
function dialogOptions(req: PickPathsRequest): OpenDialogOptions {
  if (req.kind === 'folders') return { title: 'Import folders', properties: ['openDirectory', 'multiSelections'] };
  return {
    title: 'Import video files',
    properties: ['openFile', 'multiSelections'],
    filters: [
      { name: 'Video', extensions: DEFAULT_VIDEO_EXTENSIONS },
      { name: 'All files', extensions: ['*'] },
    ],
  };
}

/** Shows the native open dialog for the sender's window; the answer is the chosen paths ([] when cancelled). */
async function pickPaths(event: IpcMainInvokeEvent, payload: unknown): Promise<Result<PickPathsResponse>> {
  if (!isTrustedFrame(event.senderFrame)) return REFUSED;
  const req = PickPathsRequest.safeParse(payload);
  if (!req.success)
    return { ok: false, error: { code: 'INVALID_INPUT', message: req.error.issues[0]?.message ?? 'bad request' } };
  try {
    const win = BrowserWindow.fromWebContents(event.sender);
    const options = dialogOptions(req.data);
    const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return { ok: true, value: { paths: r.canceled ? [] : r.filePaths } };
  } catch (err) {
    return { ok: false, error: toApiError(err) };
  }
}

/** Answers IPC_PICK_PATHS (after the sender check and the payload's schema). */
export function registerDialogIpc(): void {
  ipcMain.handle(IPC_PICK_PATHS, pickPaths);
}

/** An EventSink that forwards core events to every app window. */
export const broadcastEvents: EventSink = (name, payload) => {
  for (const win of BrowserWindow.getAllWindows()) {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT, { event: name, payload });
  }
};
