// Small HTTP pieces of the bridge: status codes for error codes, JSON envelopes, bounded request bodies and request
// targets parsed without throwing (a malformed target is a 400, never an exception in a handler).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, type ApiError, type ErrorCode } from '../api/errors.js';
import { SECURITY_HEADERS } from './csp.js';

/** Largest API request body the bridge reads (the biggest valid payload is a few hundred kB of paths). */
export const MAX_BODY = 4 * 1024 * 1024;

/** HTTP status for an error code (the body is always the envelope). */
export function statusFor(code: ErrorCode): number {
  switch (code) {
    case 'INVALID_INPUT':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN_ORIGIN':
      return 403;
    case 'UNKNOWN_OPERATION':
    case 'NOT_FOUND':
    case 'JOB_NOT_FOUND':
      return 404;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'INTERNAL':
      return 500;
    default:
      return 422;
  }
}

/** Writes a JSON body with the security headers (no-store); a response already started is left alone. */
export function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(JSON.stringify(body));
}

/** Answers the error envelope with the status of its code. */
export function refuse(res: ServerResponse, error: ApiError): void {
  sendJson(res, statusFor(error.code), { ok: false, error });
}

/**
 * The request target as a URL on this server, or null when it is not one (`//`, `http://[`, …): `new URL` throws on
 * those, and a throw inside a request or upgrade handler would end the process.
 */
export function parseTarget(target: string | undefined, port: number): URL | null {
  try {
    return new URL(target ?? '/', `http://127.0.0.1:${port}`);
  } catch {
    return null;
  }
}

/** decodeURIComponent that answers null for a malformed percent-encoding instead of throwing URIError. */
export function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', `request body larger than ${MAX_BODY} bytes`);

/** Bytes of an oversized body read and dropped before the 413 goes out; past this the connection is simply closed. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

/**
 * Reads the body as UTF-8, at most MAX_BODY bytes. A larger body is refused (PAYLOAD_TOO_LARGE) once it has been
 * read to its end and dropped (up to DRAIN_LIMIT): answering earlier makes Node close the connection while the client
 * is still sending, the kernel then resets it, and the client never sees the envelope.
 */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > DRAIN_LIMIT) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > DRAIN_LIMIT) return reject(tooLarge());
      if (size > MAX_BODY) chunks.length = 0;
      else chunks.push(c);
    });
    req.on('end', () =>
      size > MAX_BODY ? reject(tooLarge()) : resolvePromise(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}
