// The app:// protocol that serves the built renderer inside Electron, with the strict CSP and no path escapes.
// Local pages never load from file:// (which would grant them the whole disk's origin).
import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { resolveStatic } from '../serve/static-files.js';
import { APP_SCHEME, appResponseHeaders } from './schemes.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Serves files of `rendererDir` on app://molmoscope/…; anything outside it (or unreadable) is 404. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file =
      url.host === 'molmoscope' && request.method === 'GET' ? resolveStatic(rendererDir, url.pathname) : null;
    const body = file ? await readFile(file).catch(() => null) : null;
    if (!file || !body)
      return new Response('not found', {
        status: 404,
        headers: appResponseHeaders({ 'Content-Type': 'text/plain; charset=utf-8' }),
      });
    return new Response(body, {
      headers: appResponseHeaders({ 'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream' }),
    });
  });
}
