// `npm start` where the desktop app cannot run: it says why, builds the renderer, starts `molmoscope serve`
// and prints a working URL; Ctrl-C stops it without leaving a server behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { scratchDir } from '../helpers/tiny.js';

test('start falls back to serve, explains why, and prints a URL that serves the app', async () => {
  const child = spawn(process.execPath, [resolve('scripts/start.mjs'), '--port', '0'], {
    env: { ...process.env, MOLMOSCOPE_NO_ELECTRON: '1', MOLMOSCOPE_HOME: scratchDir('start-home') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const url = await new Promise<string>((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 90 s:\n${out}`)), 90_000);
      child.stdout.on('data', () => {
        const m = /(http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolvePromise(m[1]!);
        }
      });
      child.once('exit', (c) => reject(new Error(`start exited (${c}) before printing a URL:\n${out}`)));
    });
    assert.match(out, /Not starting the desktop app: MOLMOSCOPE_NO_ELECTRON=1 is set/);
    const page = await fetch(url.replace(/#.*$/, ''));
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">/);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
  }
});
