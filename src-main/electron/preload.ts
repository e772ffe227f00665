// Preload (sandboxed): exposes window.molmoscope = one function per contract operation + event subscriptions.
// The renderer never sees ipcRenderer; each function forwards to the main process's single dispatcher.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_EVENT, IPC_INVOKE, mediaPath, type MolmoscopeBridge, type OpFunctions } from '../api/bridge.js';
import { OP_NAMES, type EventName, type EventPayload } from '../api/contract.js';
import type { Result } from '../api/envelope.js';

const ops = Object.fromEntries(
  OP_NAMES.map((name) => [name, (request: unknown) => ipcRenderer.invoke(IPC_INVOKE, name, request) as Promise<Result<unknown>>]),
) as unknown as OpFunctions;

const bridge: MolmoscopeBridge = {
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
  mediaUrl: (id) => `media://molmoscope${mediaPath('recording', id)}`,
  thumbnailUrl: (id, t, width) => `media://molmoscope${mediaPath('thumb', id, t, width)}`,
};

contextBridge.exposeInMainWorld('molmoscope', bridge);
