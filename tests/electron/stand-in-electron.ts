// A stand-in for the `electron` module at the one boundary the app cannot cross here (Electron's binary): it records
// what the built main and preload bundles ask of Electron (windows, session handlers, protocols, IPC) for the tests.
import { EventEmitter } from 'node:events';
import Module from 'node:module';

type Fn = (...args: never[]) => unknown;

/** What the bundles did to Electron, for the tests to inspect and drive. */
export interface Recorded {
  sandboxEnabled: boolean;
  privilegedSchemes: Array<{ scheme: string; privileges: Record<string, boolean> }>;
  protocolHandlers: Map<string, (request: Request) => Promise<Response>>;
  ipcHandlers: Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>;
  appListeners: Map<string, Fn[]>;
  windows: StandInWindow[];
  permissionRequest: Fn | null;
  permissionCheck: Fn | null;
  devicePermission: Fn | null;
  beforeRequest: Fn | null;
  openExternal: string[];
  dialogs: Array<{ window: boolean; options: { properties?: string[]; filters?: unknown[] } }>;
  exposed: Map<string, unknown>;
  invokes: Array<{ channel: string; args: unknown[] }>;
}

/** A web contents: an event emitter that remembers its window-open handler and what it loaded. */
export class StandInWebContents extends EventEmitter {
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  loaded: string[] = [];
  sent: Array<{ channel: string; payload: unknown }> = [];
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.windowOpenHandler = h;
  }
  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    return Promise.resolve();
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  /** Emits a cancellable event as Electron does; true when a listener called preventDefault(). */
  attempt(name: string, url: string): boolean {
    let prevented = false;
    const event = { url, preventDefault: () => (prevented = true) };
    this.emit(name, event, url);
    return prevented;
  }
}

/** A BrowserWindow that records its options. */
export class StandInWindow extends EventEmitter {
  readonly webContents = new StandInWebContents();
  constructor(readonly options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>) {
    super();
  }
  show(): void {}
  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }
  isDestroyed(): boolean {
    return false;
  }
}

/** A fresh stand-in and its record; `ready()` resolves app.whenReady(). */
export function createStandIn(appPath: string): {
  electron: Record<string, unknown>;
  rec: Recorded;
  ready: () => void;
} {
  const rec: Recorded = {
    sandboxEnabled: false,
    privilegedSchemes: [],
    protocolHandlers: new Map(),
    ipcHandlers: new Map(),
    appListeners: new Map(),
    windows: [],
    permissionRequest: null,
    permissionCheck: null,
    devicePermission: null,
    beforeRequest: null,
    openExternal: [],
    dialogs: [],
    exposed: new Map(),
    invokes: [],
  };
  let ready!: () => void;
  const whenReady = new Promise<void>((r) => (ready = r));
  const BrowserWindow = class extends StandInWindow {
    constructor(options: StandInWindow['options']) {
      super(options);
      rec.windows.push(this);
      for (const l of rec.appListeners.get('web-contents-created') ?? [])
        (l as (e: unknown, c: unknown) => void)({}, this.webContents);
    }
    static getAllWindows = () => rec.windows;
    static fromWebContents = (wc: unknown) => rec.windows.find((w) => w.webContents === wc) ?? null;
  };
  const session = {
    defaultSession: {
      setPermissionRequestHandler: (h: Fn) => (rec.permissionRequest = h),
      setPermissionCheckHandler: (h: Fn) => (rec.permissionCheck = h),
      setDevicePermissionHandler: (h: Fn) => (rec.devicePermission = h),
      webRequest: { onBeforeRequest: (h: Fn) => (rec.beforeRequest = h) },
    },
  };
  const electron: Record<string, unknown> = {
    app: {
      enableSandbox: () => (rec.sandboxEnabled = true),
      whenReady: () => whenReady,
      on: (name: string, l: Fn) => rec.appListeners.set(name, [...(rec.appListeners.get(name) ?? []), l]),
      getAppPath: () => appPath,
      getPath: () => appPath,
      quit: () => {},
      isPackaged: false,
    },
    BrowserWindow,
    session,
    protocol: {
      registerSchemesAsPrivileged: (list: Recorded['privilegedSchemes']) => rec.privilegedSchemes.push(...list),
      handle: (scheme: string, h: (r: Request) => Promise<Response>) => rec.protocolHandlers.set(scheme, h),
    },
    ipcMain: {
      handle: (channel: string, h: (e: unknown, ...a: unknown[]) => Promise<unknown>) =>
        rec.ipcHandlers.set(channel, h),
    },
    dialog: {
      showOpenDialog: (a: unknown, b?: unknown) => {
        const options = (b ?? a) as Recorded['dialogs'][number]['options'];
        rec.dialogs.push({ window: b !== undefined, options });
        return Promise.resolve({ canceled: false, filePaths: ['/picked/one.mp4', '/picked/two'] });
      },
    },
    shell: { openExternal: (url: string) => (rec.openExternal.push(url), Promise.resolve()) },
    utilityProcess: { fork: () => Object.assign(new EventEmitter(), { postMessage() {}, kill: () => true, pid: 0 }) },
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => rec.exposed.set(key, api) },
    ipcRenderer: {
      invoke: (channel: string, ...args: unknown[]) => (
        rec.invokes.push({ channel, args }),
        Promise.resolve({ ok: true, value: null })
      ),
      on: () => {},
      off: () => {},
    },
    webUtils: { getPathForFile: (f: { standInPath?: string }) => f.standInPath ?? '' },
  };
  return { electron, rec, ready };
}

/** Makes `require('electron')` answer `electron` until the returned function is called. */
export function routeElectronTo(electron: Record<string, unknown>): () => void {
  const mod = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const original = mod._load;
  mod._load = function load(request: string, parent: unknown, isMain: boolean) {
    return request === 'electron' ? electron : original.call(this, request, parent, isMain);
  };
  return () => {
    mod._load = original;
  };
}
