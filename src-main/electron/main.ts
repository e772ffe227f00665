// Electron main: wiring only — app:// protocol, hardened window, IPC to the shared dispatcher, event forwarding.
// All logic lives in the core (src-main/core) and in the small modules beside this file.
import { app, BrowserWindow } from 'electron';
import { join } from 'node:path';
import { createCoreContext } from '../core/platform/create-context.js';
import { createDispatcher } from '../core/handlers/index.js';
import { appRoot } from '../core/platform/app-root.js';
import { registerAppScheme, serveRenderer } from './protocol.js';
import { createMainWindow, denyAllPermissions } from './window.js';
import { broadcastEvents, registerIpc } from './ipc.js';
import { serveMedia } from './media-protocol.js';
import { shutdownHost } from '../core/host-shutdown.js';

registerAppScheme();
app.enableSandbox();

const ctx = createCoreContext({ host: 'electron', emit: broadcastEvents });
let shuttingDown = false;

void app.whenReady().then(() => {
  const root = appRoot() ?? app.getAppPath();
  denyAllPermissions();
  serveRenderer(join(root, 'dist-renderer'));
  serveMedia(ctx);
  registerIpc(createDispatcher(ctx));
  const preload = join(root, 'dist-electron', 'preload.cjs');
  createMainWindow(preload);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(preload);
  });
});

// Jobs go back to the queue and the engine stops before the app exits.
app.on('before-quit', (e) => {
  if (shuttingDown) return;
  shuttingDown = true;
  e.preventDefault();
  void shutdownHost(ctx).finally(() => app.quit());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
