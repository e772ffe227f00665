// Serves the built renderer (dist-renderer/) read-only: no path escapes, no directory listings, known types only.
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { contentSecurityPolicy, SECURITY_HEADERS } from './csp.js';
import { refuse } from './http-util.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** The file under `root` for a URL path, or null when it escapes root, does not exist or is not a file. */
export function resolveStatic(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const base = resolve(root);
  const file = resolve(base, normalize(rel));
  if (file !== base && !file.startsWith(base + sep)) return null;
  if (!existsSync(file)) return null;
  const st = statSync(file);
  if (st.isDirectory()) {
    const index = join(file, 'index.html');
    return existsSync(index) ? index : null;
  }
  return st.isFile() ? file : null;
}

/** Streams a file with its content type and the given headers. */
export function sendFile(res: ServerResponse, file: string, headers: Record<string, string>): void {
  const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': String(statSync(file).size) });
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

/** Answers GET/HEAD for the UI: the file with the CSP (the bridge's ws:// origins allowed), or 404/503. */
export function handleStatic(
  rendererDir: string,
  port: number,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): void {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return refuse(res, { code: 'INVALID_INPUT', message: `method ${req.method} not allowed` });
  const file = resolveStatic(rendererDir, path);
  if (!file) {
    if (path === '/' || path === '/index.html') {
      res.writeHead(503, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`The renderer is not built (no ${rendererDir}/index.html). Run \`npm run build:renderer\` and reload.\n`);
      return;
    }
    return refuse(res, { code: 'NOT_FOUND', message: `no such file: ${path}` });
  }
  const csp = contentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]);
  // The app shell is public code and carries no data; every API call, event stream and media read needs the token.
  const cache = file.endsWith('index.html') ? 'no-store' : 'public, max-age=31536000, immutable';
  sendFile(res, file, { ...SECURITY_HEADERS, 'Content-Security-Policy': csp, 'Cache-Control': cache });
}
