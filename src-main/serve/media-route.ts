// GET/HEAD /media/recording/<id> and /media/thumb/<id>?t=&w= on the bridge: token from ?token= (media elements
// cannot send headers), compared in constant time; the reply itself comes from the core (library/media-http.ts).
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CoreContext } from '../core/context.js';
import { currentLibrary } from '../core/handlers/library.js';
import type { Library } from '../core/library/store.js';
import { closeReply, mediaReply } from '../core/library/media-http.js';
import { mediaFilesOf } from '../core/library/media-files.js';
import { SECURITY_HEADERS } from './csp.js';
import { tokenMatches } from './guard.js';

function openLibraryOrNull(ctx: CoreContext): Library | null {
  try {
    return currentLibrary(ctx);
  } catch {
    return null;
  }
}

/** Answers one /media/ request (Host/Origin were checked by the caller). */
export function sendMedia(ctx: CoreContext, req: IncomingMessage, res: ServerResponse, url: URL, token: string): void {
  const json = (status: number, body: unknown, extra: Record<string, string> = {}) => {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      ...extra,
    });
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
  };
  if (!tokenMatches(url.searchParams.get('token'), token)) {
    return json(401, {
      ok: false,
      error: { code: 'UNAUTHORIZED', message: 'missing or wrong token (?token=<token>)' },
    });
  }
  const ac = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  const path = url.pathname.slice('/media'.length);
  const request = { method: req.method ?? 'GET', path, query: url.searchParams, range: req.headers.range ?? null };
  mediaReply(mediaFilesOf(ctx), openLibraryOrNull(ctx), ctx.paths.cache, request, ac.signal)
    .then((reply) => {
      if (res.destroyed) return closeReply(reply);
      if (reply.error) return json(reply.status, { ok: false, error: reply.error }, reply.headers);
      res.writeHead(reply.status, { ...SECURITY_HEADERS, ...reply.headers });
      if (!reply.file) return res.end();
      // The bytes come from the descriptor whose identity was checked, not from the path again.
      const { fd, start, end } = reply.file;
      // pipeline closes the file when the client goes away mid-stream (pipe() would leave the descriptor open).
      pipeline(createReadStream('', { fd, start, end, autoClose: true }), res, () => {});
    })
    .catch((err: unknown) => {
      ctx.logger.error('media request failed', err);
      if (!res.headersSent)
        json(500, { ok: false, error: { code: 'INTERNAL', message: String((err as Error)?.message ?? err) } });
    });
}
