// The main window and its hardening: isolated sandboxed renderer, no Node, no permissions, no navigation away,
// no new windows, and no request leaving the app's own schemes (Electron's security checklist).
import { app, BrowserWindow, session, shell, type WebContents } from 'electron';
import { APP_ORIGIN, MEDIA_ORIGIN } from './schemes.js';

/** Hosts whose https links open in the user's browser (never inside the app); anything else is dropped. */
const EXTERNAL_HOSTS: ReadonlySet<string> = new Set(['huggingface.co', 'github.com']);

/** The window's webPreferences: every renderer is sandboxed, isolated and without Node. */
export const WEB_PREFERENCES = Object.freeze({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  experimentalFeatures: false,
  navigateOnDragDrop: false,
  spellcheck: false,
});

/** True for a URL of the app's own pages or media (the only content a window may load). */
export function isAppUrl(url: string): boolean {
  return url.startsWith(`${APP_ORIGIN}/`) || url.startsWith(`${MEDIA_ORIGIN}/`);
}

/** True for requests the session lets through: the app's schemes, devtools and in-memory data. */
function isAllowedRequest(url: string): boolean {
  return isAppUrl(url) || /^(devtools|data|blob):/.test(url);
}

/** Opens an https link to a listed host in the user's browser; every other URL is ignored. */
function openExternalIfListed(url: string): void {
  try {
    const u = new URL(url);
    if (u.protocol === 'https:' && EXTERNAL_HOSTS.has(u.hostname)) void shell.openExternal(u.href);
  } catch {
    // not a URL: nothing to open
  }
}

/** Denies every permission request and check, and cancels any request to a scheme other than the app's. */
export function hardenSession(): void {
  const s = session.defaultSession;
  s.setPermissionRequestHandler((_wc, _perm, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
  s.setDevicePermissionHandler(() => false);
  s.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(details.url) }));
}

/** Navigation, redirects, new windows and <webview> are refused for every web contents the app ever creates. */
export function guardWebContents(contents: WebContents): void {
  const refuse = (event: { preventDefault(): void }, url: string) => {
    if (!isAppUrl(url)) event.preventDefault();
  };
  contents.on('will-navigate', refuse);
  contents.on('will-redirect', refuse);
  contents.on('will-frame-navigate', (event) => refuse(event, event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternalIfListed(url);
    return { action: 'deny' };
  });
}

/** Applies guardWebContents to every web contents created from now on (windows, devtools, anything). */
export function guardAllWebContents(): void {
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));
}

/** Creates the app window on app://molmoscope/index.html with the given preload script. */
export function createMainWindow(preloadPath: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    backgroundColor: '#0b0f17',
    title: 'Molmoscope',
    show: false,
    webPreferences: { ...WEB_PREFERENCES, preload: preloadPath },
  });
  win.once('ready-to-show', () => win.show());
  guardWebContents(win.webContents);
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}
