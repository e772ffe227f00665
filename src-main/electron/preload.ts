// Preload (sandboxed): exposes window.molmoscope = one function per contract operation, event subscriptions, the
// open dialog and dropped files' paths, frozen. The renderer never sees ipcRenderer; main checks every sender.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { IPC_EVENT, IPC_INVOKE, mediaPath, type MolmoscopeBridge, type OpFunctions } from '../api/bridge.js';
import { OP_NAMES, type EventName, type EventPayload } from '../api/contract.js';
import { IPC_PICK_PATHS, type PickPathsRequest, type PickPathsResponse } from '../api/dialog.js';
import type { Result } from '../api/envelope.js';

const ops = Object.freeze(
  Object.fromEntries(
    OP_NAMES.map((name) => [
      name,
      (request: unknown) => ipcRenderer.invoke(IPC_INVOKE, name, request) as Promise<Result<unknown>>,
    ]),
  ),
) as unknown as OpFunctions;

const bridge: MolmoscopeBridge = Object.freeze({
  transport: 'electron',
  ops,
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
    const handler = (_e: IpcRendererEvent, msg: { event: string; payload: unknown }) => {
      if (msg && msg.event === event) listener(msg.payload as EventPayload<E>);
    };
    ipcRenderer.on(IPC_EVENT, handler);
    return () => {
      ipcRenderer.off(IPC_EVENT, handler);
    };
  },
  // media://molmoscope is served by src-main/electron/media-protocol.ts (the preload is sandboxed: no imports of it).
  mediaUrl: (id: number) => `media://molmoscope${mediaPath('recording', id)}`,
  thumbnailUrl: (id: number, t: number, width?: number) => `media://molmoscope${mediaPath('thumb', id, t, width)}`,
  pickPaths: (request: PickPathsRequest) =>
    ipcRenderer.invoke(IPC_PICK_PATHS, request) as Promise<Result<PickPathsResponse>>,
  // A dropped File carries no path in the page; only the preload can ask for it (Electron removed File.path).
  pathForFile: (file: File) => {
    try {
      return webUtils.getPathForFile(file);
    } catch {
      return '';
    }
  },
} as const);

contextBridge.exposeInMainWorld('molmoscope', bridge);
