// The media endpoints as transport-free replies: /recording/<id> (HTTP Range, HEAD) and /thumb/<id>?t=&w=.
// The serve bridge writes a reply to node:http; Electron's media:// protocol turns the same reply into a Response.
import { closeSync } from 'node:fs';
import { AppError, toApiError, type ApiError } from '../../api/errors.js';
import type { Library } from './store.js';
import { playableFile, thumbnailFile, type MediaFiles } from './media-files.js';
import type { OpenFile } from './media-identity.js';

export interface MediaRequest {
  method: string;
  /** Path below the media root: "/recording/12" or "/thumb/12". */
  path: string;
  query: URLSearchParams;
  range: string | null;
}

export interface MediaReply {
  status: number;
  headers: Record<string, string>;
  /**
   * Bytes [start, end] (inclusive) of the open file `fd` are the body; absent for HEAD and errors. The receiver owns
   * `fd`: it streams from it (and closes it) or calls `closeReply`.
   */
  file?: { fd: number; start: number; end: number };
  /** A JSON error envelope body. */
  error?: ApiError;
}

export type ByteRange = { start: number; end: number } | 'unsatisfiable' | null;

/** Parses a Range header against a size: null = serve it whole, 'unsatisfiable' = 416, else one inclusive range. */
export function parseRange(header: string | null | undefined, size: number): ByteRange {
  if (!header) return null;
  const list = /^\s*bytes\s*=\s*(.*)$/i.exec(header)?.[1];
  if (list === undefined) return null; // a unit other than bytes is ignored (RFC 9110 §14.2)
  const [spec, ...more] = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (spec === undefined) return 'unsatisfiable';
  // One range is what media elements ask for; a multipart reply buys nothing, so several ranges get the whole file.
  if (more.length) return null;
  const r = /^(\d*)-(\d*)$/.exec(spec);
  if (!r || (r[1] === '' && r[2] === '')) return 'unsatisfiable';
  if (r[1] === '') {
    const suffix = Number(r[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(r[1]);
  const end = r[2] === '' ? size - 1 : Math.min(Number(r[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

const STATUS: Partial<Record<ApiError['code'], number>> = {
  INVALID_INPUT: 400,
  NOT_FOUND: 404,
  LIBRARY_NOT_OPEN: 409,
  CANCELLED: 499,
};

function errorReply(err: unknown): MediaReply {
  const error = toApiError(err);
  return {
    status: STATUS[error.code] ?? (error.code === 'INTERNAL' ? 500 : 422),
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
    error,
  };
}

/** Closes the descriptor of a reply that will not be streamed (the client went away). */
export function closeReply(reply: MediaReply): void {
  if (reply.file) closeSync(reply.file.fd);
}

/** The reply for an open file; the descriptor is kept only when the reply has a body, else closed here. */
function fileReply(f: OpenFile, contentType: string, req: MediaRequest, cache: string): MediaReply {
  const reply = fileHeaders(f, contentType, req, cache);
  if (!reply.file) closeSync(f.fd);
  return reply;
}

function fileHeaders(f: OpenFile, contentType: string, req: MediaRequest, cache: string): MediaReply {
  const { size, fd } = f;
  const base = { 'Content-Type': contentType, 'Accept-Ranges': 'bytes', 'Cache-Control': cache };
  const range = parseRange(req.range, size);
  if (range === 'unsatisfiable') {
    return {
      status: 416,
      headers: { ...base, 'Content-Type': 'application/json; charset=utf-8', 'Content-Range': `bytes */${size}` },
      error: { code: 'INVALID_INPUT', message: `Range "${req.range}" is not satisfiable for ${size} bytes.` },
    };
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const headers: Record<string, string> = { ...base, 'Content-Length': String(Math.max(0, end - start + 1)) };
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  return {
    status: range ? 206 : 200,
    headers,
    ...(req.method === 'HEAD' || size === 0 ? {} : { file: { fd, start, end } }),
  };
}

/** Answers one media request for the open library (callers check the token/origin first). */
export async function mediaReply(
  svc: MediaFiles,
  lib: Library | null,
  cacheDir: string,
  req: MediaRequest,
  signal?: AbortSignal,
): Promise<MediaReply> {
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new AppError('INVALID_INPUT', `method ${req.method} not allowed for media`);
    const m = /^\/(recording|thumb)\/(\d{1,15})$/.exec(req.path);
    // Only numeric ids of the open library resolve; no part of a request ever names a file.
    if (!m) throw new AppError('NOT_FOUND', `no such media: ${req.path}`);
    if (!lib || !lib.db.open) throw new AppError('LIBRARY_NOT_OPEN', 'No library is open; open or create one first.');
    const id = Number(m[2]);
    if (m[1] === 'recording') {
      const f = await playableFile(svc, lib, id, cacheDir, signal);
      return fileReply(f, f.contentType, req, 'private, no-cache');
    }
    const t = Number(req.query.get('t') ?? '0');
    const w = Number(req.query.get('w') ?? '320');
    const file = await thumbnailFile(svc, lib, id, t, w, cacheDir, signal);
    return fileReply(file, 'image/jpeg', req, 'private, max-age=3600');
  } catch (err) {
    return errorReply(err);
  }
}
