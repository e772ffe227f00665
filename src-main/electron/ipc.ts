// IPC between the preload and the core: one invoke channel answered by the shared dispatcher, one event channel.
// Every call is checked to come from the app's own top frame before it reaches the dispatcher.
import { BrowserWindow, ipcMain, type WebFrameMain } from 'electron';
import { IPC_EVENT, IPC_INVOKE } from '../api/bridge.js';
import type { Result } from '../api/envelope.js';
import type { Dispatcher } from '../core/handlers/index.js';
import type { EventSink } from '../core/context.js';
import { APP_ORIGIN } from './protocol.js';

/** True when the frame is a top-level frame showing the app's own pages. */
export function isTrustedFrame(frame: WebFrameMain | null): boolean {
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
    if (!isTrustedFrame(event.senderFrame)) {
      return { ok: false, error: { code: 'FORBIDDEN_ORIGIN', message: 'IPC from a frame that is not the app' } };
    }
    return dispatcher.dispatch(String(opName), payload);
  });
}

/** An EventSink that forwards core events to every app window. */
export const broadcastEvents: EventSink = (name, payload) => {
  for (const win of BrowserWindow.getAllWindows()) {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT, { event: name, payload });
  }
};
