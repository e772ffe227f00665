#!/usr/bin/env node
// `npm start`: builds and launches the Electron app when Electron's binary is installed; otherwise explains why
// and starts `molmoscope serve`, printing the URL to open in a browser (air-gapped or headless machines).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installedElectron } from './rebuild-native.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function headless() {
  return process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Builds better-sqlite3 for Electron's ABI (a no-op when it is up to date); null on success, else why not. */
function rebuildForElectron() {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'rebuild-native.mjs')], { cwd: root, stdio: 'inherit' });
  return r.status === 0 ? null : "better-sqlite3 could not be built for Electron's ABI (see above)";
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const electron = installedElectron();
const reason =
  process.env.MOLMOSCOPE_NO_ELECTRON === '1'
    ? 'MOLMOSCOPE_NO_ELECTRON=1 is set'
    : !electron.ok
      ? electron.why
      : headless()
        ? 'there is no display (DISPLAY/WAYLAND_DISPLAY unset)'
        : rebuildForElectron();

if (!reason) {
  run(npm, ['run', 'build']);
  const child = spawn(electron.bin, [root], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(`Not starting the desktop app: ${reason}.`);
  console.log('Starting the local server instead; open the URL below in a browser on this machine.\n');
  if (!existsSync(join(root, 'dist-renderer', 'index.html')) || process.env.MOLMOSCOPE_REBUILD !== '0')
    run(npm, ['run', 'build:renderer', '--silent']);
  const args = [join(root, 'bin', 'molmoscope.mjs'), 'serve', ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 0));
}
