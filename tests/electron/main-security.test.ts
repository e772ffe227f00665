// Electron's security checklist, checked on the built main bundle (scripts/build-electron.mjs) loaded with a stand-in
// `electron` module: window settings, session handlers, both protocols' responses, navigation, window.open, IPC.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { IPC_INVOKE } from '../../src-main/api/bridge.js';
import { IPC_PICK_PATHS } from '../../src-main/api/dialog.js';
import { contentSecurityPolicy } from '../../src-main/serve/csp.js';
import { scratchDir } from '../helpers/tiny.js';
import {
  createStandIn,
  routeElectronTo,
  StandInWebContents,
  type Recorded,
  type StandInWindow,
} from './stand-in-electron.js';

const APP = 'app://molmoscope';
const CSP = contentSecurityPolicy([], ['media://molmoscope']);
let rec: Recorded;
let win: StandInWindow;
let restore = () => {};

/** Builds the Electron bundles into a scratch app folder (its own package.json and a two-file renderer). */
function buildApp(): string {
  const app = join(scratchDir('electron-main'), 'app');
  mkdirSync(join(app, 'dist-renderer', 'assets'), { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'molmoscope', version: '0.0.0-test' }));
  writeFileSync(join(app, 'dist-renderer', 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(app, 'dist-renderer', 'assets', 'app.js'), 'export {};');
  const r = spawnSync(
    process.execPath,
    [resolve('scripts/build-electron.mjs'), '--outdir', join(app, 'dist-electron')],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `build-electron failed: ${r.stderr}${r.stdout}`);
  return app;
}

before(async () => {
  const app = buildApp();
  process.env.MOLMOSCOPE_HOME = join(app, '..', 'home');
  const standIn = createStandIn(app);
  rec = standIn.rec;
  restore = routeElectronTo(standIn.electron);
  createRequire(import.meta.url)(join(app, 'dist-electron', 'main.cjs'));
  standIn.ready();
  for (let i = 0; i < 200 && rec.windows.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(rec.windows.length, 1, 'the main bundle opened no window');
  win = rec.windows[0]!;
});

after(() => restore());

const frame = (url: string, parent: unknown = null) => ({ senderFrame: { url, parent }, sender: win.webContents });

test('the window is sandboxed and isolated, without Node, with web security, and loads only the app', () => {
  const prefs = win.options.webPreferences ?? {};
  assert.equal(rec.sandboxEnabled, true, 'app.enableSandbox() was not called');
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.nodeIntegrationInWorker, false);
  assert.equal(prefs.nodeIntegrationInSubFrames, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.allowRunningInsecureContent, false);
  assert.equal(prefs.webviewTag, false);
  assert.match(String(prefs.preload), /dist-electron[\\/]preload\.cjs$/);
  assert.deepEqual(win.webContents.loaded, [`${APP}/index.html`]);
});

test('no remote content: the session cancels every request outside app:// and media://', () => {
  const cancelled = (url: string) => {
    let answer: { cancel?: boolean } | undefined;
    rec.beforeRequest!({ url } as never, ((r: { cancel?: boolean }) => (answer = r)) as never);
    return answer?.cancel;
  };
  for (const url of [
    'https://example.com/x.js',
    'http://127.0.0.1:8080/',
    'ws://127.0.0.1/events',
    'file:///etc/passwd',
    'ftp://x/',
  ]) {
    assert.equal(cancelled(url), true, url);
  }
  for (const url of [`${APP}/index.html`, 'media://molmoscope/recording/1', 'devtools://devtools/bundled/x.html']) {
    assert.equal(cancelled(url), false, url);
  }
  assert.doesNotMatch(CSP, /https?:|wss?:|\*/, 'the CSP names a remote source');
  assert.match(CSP, /default-src 'none'/);
});

test('every response of app:// and media:// carries the CSP and the security headers', async () => {
  assert.deepEqual([...rec.protocolHandlers.keys()].sort(), ['app', 'media'], 'a scheme has no handler');
  const app = rec.protocolHandlers.get('app')!;
  const media = rec.protocolHandlers.get('media')!;
  const cases: Array<[typeof app, string, string, number | null]> = [
    [app, `${APP}/index.html`, 'GET', 200],
    [app, `${APP}/`, 'GET', 200],
    [app, `${APP}/assets/app.js`, 'GET', 200],
    [app, `${APP}/missing.js`, 'GET', 404],
    [app, `${APP}/..%2f..%2fpackage.json`, 'GET', 404],
    [app, `${APP}/%2e%2e/%2e%2e/package.json`, 'GET', 404],
    [app, 'app://elsewhere/index.html', 'GET', 404],
    [app, `${APP}/index.html`, 'POST', 404],
    [media, 'media://molmoscope/recording/1', 'GET', null],
    [media, 'media://molmoscope/thumb/1?t=0&w=99999', 'GET', null],
    [media, 'media://molmoscope/../../etc/passwd', 'GET', null],
    [media, 'media://other/recording/1', 'GET', null],
  ];
  for (const [handler, url, method, status] of cases) {
    const res = await handler(new Request(url, { method }));
    if (status !== null) assert.equal(res.status, status, `${method} ${url}`);
    else assert.ok(res.status >= 400, `${url} answered ${res.status} with no library open`);
    assert.equal(res.headers.get('content-security-policy'), CSP, `${method} ${url} has no CSP`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${method} ${url}`);
  }
  const page = await app(new Request(`${APP}/index.html`));
  assert.match(await page.text(), /<div id="root">/);
  const privileges = new Map(rec.privilegedSchemes.map((s) => [s.scheme, s.privileges]));
  assert.equal(privileges.get('app')?.secure, true);
  assert.equal(privileges.get('media')?.stream, true);
  assert.equal(privileges.get('app')?.bypassCSP, undefined, 'app:// must not bypass the CSP');
});

test('navigation away, redirects, webviews and window.open are refused (links to listed hosts open outside)', () => {
  const wc = win.webContents;
  for (const url of [
    'https://example.com/',
    'file:///etc/passwd',
    'http://127.0.0.1:1/',
    'app://elsewhere/x',
    'javascript:alert(1)',
  ]) {
    assert.equal(wc.attempt('will-navigate', url), true, `navigate ${url}`);
    assert.equal(wc.attempt('will-redirect', url), true, `redirect ${url}`);
    assert.equal(wc.attempt('will-frame-navigate', url), true, `frame navigate ${url}`);
  }
  assert.equal(wc.attempt('will-navigate', `${APP}/index.html#/search`), false);
  assert.equal(wc.attempt('will-attach-webview', `${APP}/index.html`), true);
  for (const url of [
    'https://example.com/',
    'http://huggingface.co/',
    'file:///etc/passwd',
    `${APP}/index.html`,
    'https://huggingface.co.evil.com/',
  ]) {
    assert.deepEqual(wc.windowOpenHandler!({ url }), { action: 'deny' }, url);
  }
  assert.deepEqual(rec.openExternal, []);
  assert.deepEqual(wc.windowOpenHandler!({ url: 'https://huggingface.co/allenai' }), { action: 'deny' });
  assert.deepEqual(rec.openExternal, ['https://huggingface.co/allenai']);
  // Any other web contents the app creates gets the same guards.
  const other = new StandInWebContents();
  for (const l of rec.appListeners.get('web-contents-created') ?? [])
    (l as (e: unknown, c: unknown) => void)({}, other);
  assert.equal(other.attempt('will-navigate', 'https://example.com/'), true);
  assert.deepEqual(other.windowOpenHandler!({ url: 'https://example.com/' }), { action: 'deny' });
});

test('every permission request, permission check and device permission is denied', () => {
  for (const perm of [
    'media',
    'geolocation',
    'notifications',
    'clipboard-read',
    'fullscreen',
    'openExternal',
    'unknown',
  ]) {
    let granted: boolean | undefined;
    rec.permissionRequest!(win.webContents as never, perm as never, ((g: boolean) => (granted = g)) as never);
    assert.equal(granted, false, perm);
    assert.equal(rec.permissionCheck!(win.webContents as never, perm as never), false, perm);
  }
  assert.equal(rec.devicePermission!({ deviceType: 'usb' } as never), false);
});

test('IPC from a frame that is not the app top frame is refused before the dispatcher sees it', async () => {
  const invoke = rec.ipcHandlers.get(IPC_INVOKE)!;
  const trusted = (await invoke(frame(`${APP}/index.html`), 'library.recordings', {})) as {
    ok: boolean;
    error?: { code: string };
  };
  assert.equal(trusted.error?.code, 'LIBRARY_NOT_OPEN', 'the app frame reaches the dispatcher');
  const untrusted = [
    frame('https://evil.example/'),
    frame(`${APP}/index.html`, { url: `${APP}/index.html` }),
    frame('app://molmoscope.evil.example/'),
    frame('app://molmoscope@evil.example/'),
    frame('file:///tmp/x.html'),
    frame('not a url'),
    { senderFrame: null, sender: win.webContents },
  ];
  for (const event of untrusted) {
    const r = (await invoke(event, 'library.recordings', {})) as { ok: boolean; error?: { code: string } };
    assert.equal(r.error?.code, 'FORBIDDEN_ORIGIN', JSON.stringify(event.senderFrame));
  }
});

test('the open dialog answers only the app frame, validates its request, and returns the chosen paths', async () => {
  const pick = rec.ipcHandlers.get(IPC_PICK_PATHS)!;
  const refused = (await pick(frame('https://evil.example/'), { kind: 'files' })) as { error?: { code: string } };
  assert.equal(refused.error?.code, 'FORBIDDEN_ORIGIN');
  assert.equal(rec.dialogs.length, 0, 'a refused call showed a dialog');
  for (const bad of [
    { kind: 'everything' },
    { kind: 'files', defaultPath: '/etc' },
    null,
    'files',
    { kind: ['files'] },
  ]) {
    const r = (await pick(frame(`${APP}/index.html`), bad)) as { error?: { code: string } };
    assert.equal(r.error?.code, 'INVALID_INPUT', JSON.stringify(bad));
  }
  assert.equal(rec.dialogs.length, 0);
  const files = (await pick(frame(`${APP}/index.html`), { kind: 'files' })) as {
    ok: boolean;
    value: { paths: string[] };
  };
  assert.deepEqual(files, { ok: true, value: { paths: ['/picked/one.mp4', '/picked/two'] } });
  const folders = (await pick(frame(`${APP}/index.html`), { kind: 'folders' })) as { ok: boolean };
  assert.equal(folders.ok, true);
  assert.deepEqual(
    rec.dialogs.map((d) => [d.window, d.options.properties]),
    [
      [true, ['openFile', 'multiSelections']],
      [true, ['openDirectory', 'multiSelections']],
    ],
  );
});
