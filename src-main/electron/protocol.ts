// The app:// protocol that serves the built renderer inside Electron, with the strict CSP and no path escapes.
// Local pages never load from file:// (which would grant them the whole disk's origin).
import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { contentSecurityPolicy, SECURITY_HEADERS } from '../serve/csp.js';
import { resolveStatic } from '../serve/static-files.js';
import { MEDIA_ORIGIN, MEDIA_SCHEME_PRIVILEGES } from './media-protocol.js';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://molmoscope`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2',
};

/** Must run before app 'ready': makes app:// a secure, standard scheme (fetch and ES modules work from it). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }, MEDIA_SCHEME_PRIVILEGES]);
}

/** Serves files of `rendererDir` on app://molmoscope/…; anything outside it is 404. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === 'molmoscope' ? resolveStatic(rendererDir, url.pathname) : null;
    if (!file) return new Response('not found', { status: 404 });
    const body = await readFile(file);
    return new Response(body, {
      headers: {
        ...SECURITY_HEADERS,
        'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Security-Policy': contentSecurityPolicy([], [MEDIA_ORIGIN]),
      },
    });
  });
}
