// Electron's media://molmoscope/recording/<id> and /thumb/<id>?t=&w= (wiring only): the same core replies as the
// serve bridge's /media/ routes, streamed with Range support. Only the app's pages load in this session.
import { protocol } from 'electron';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { CoreContext } from '../core/context.js';
import { currentLibrary } from '../core/handlers/library.js';
import { mediaReply } from '../core/library/media-http.js';
import { mediaFilesOf } from '../core/library/media-files.js';
import { appResponseHeaders, MEDIA_SCHEME } from './schemes.js';

/** Serves recordings and thumbnails of the context's open library on media://molmoscope/…. */
export function serveMedia(ctx: CoreContext): void {
  protocol.handle(MEDIA_SCHEME, async (request) => {
    const url = new URL(request.url);
    let lib = null;
    try {
      lib = currentLibrary(ctx);
    } catch {
      lib = null;
    }
    const path = url.host === 'molmoscope' ? url.pathname : '/';
    const reply = await mediaReply(
      mediaFilesOf(ctx),
      lib,
      ctx.paths.cache,
      { method: request.method, path, query: url.searchParams, range: request.headers.get('range') },
      request.signal,
    );
    // The pages (app://molmoscope) load these cross-origin as <video>/<img>; only this session's pages can ask.
    const headers = { ...appResponseHeaders(reply.headers), 'Cross-Origin-Resource-Policy': 'cross-origin' };
    if (reply.error)
      return new Response(JSON.stringify({ ok: false, error: reply.error }), { status: reply.status, headers });
    const body = reply.file
      ? (Readable.toWeb(
          createReadStream('', { fd: reply.file.fd, start: reply.file.start, end: reply.file.end, autoClose: true }),
        ) as ReadableStream)
      : null;
    return new Response(body, { status: reply.status, headers });
  });
}
