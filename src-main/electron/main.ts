// Electron main: wiring only — app:// and media:// protocols, hardened session and window, IPC to the shared
// dispatcher and the open dialog, event forwarding. All logic lives in the core and the modules beside this file.
import { app, BrowserWindow } from 'electron';
import { join } from 'node:path';
import { createCoreContext } from '../core/platform/create-context.js';
import { createDispatcher } from '../core/handlers/index.js';
import { appRoot } from '../core/platform/app-root.js';
import { shutdownHost } from '../core/host-shutdown.js';
import { registerAppSchemes } from './schemes.js';
import { serveRenderer } from './protocol.js';
import { createMainWindow, guardAllWebContents, hardenSession } from './window.js';
import { broadcastEvents, registerDialogIpc, registerIpc } from './ipc.js';
import { serveMedia } from './media-protocol.js';
import { useElectronSqlite } from './native-binding.js';
import { utilityEngineLauncher } from './engine-process.js';

registerAppSchemes();
app.enableSandbox();
guardAllWebContents();

const root = appRoot() ?? app.getAppPath();
const ctx = createCoreContext({ host: 'electron', emit: broadcastEvents, engine: utilityEngineLauncher() });
const sqliteWarning = useElectronSqlite(root);
if (sqliteWarning) ctx.logger.warn(sqliteWarning);
let shuttingDown = false;

void app.whenReady().then(() => {
  hardenSession();
  serveRenderer(join(root, 'dist-renderer'));
  serveMedia(ctx);
  registerIpc(createDispatcher(ctx));
  registerDialogIpc();
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
