// Who may talk to the bridge: the per-run token, the Host header (DNS-rebinding defence) and the Origin header.
// Each check answers null (allowed) or the ApiError to refuse with.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ApiError } from '../api/errors.js';

/** A fresh random token for one run of the bridge (256 bits, URL-safe). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison of a presented token with the expected one. */
export function tokenMatches(presented: string | null | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The Host values this server answers to: the loopback names with its own port, nothing else. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

/** The origins allowed to call the bridge (the pages it serves itself). */
export function allowedOrigins(port: number): Set<string> {
  return new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
}

/** Refuses a request whose Host is not this loopback server, or whose Origin (when sent) is not the app. */
export function checkHostAndOrigin(req: IncomingMessage, port: number): ApiError | null {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!allowedHosts(port).has(host)) {
    // A page on another site that rebinds its DNS name to 127.0.0.1 still sends its own name as Host.
    return { code: 'FORBIDDEN_ORIGIN', message: `host "${host}" is not this app (expected 127.0.0.1:${port})` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedOrigins(port).has(origin.toLowerCase())) {
    return { code: 'FORBIDDEN_ORIGIN', message: `origin "${origin}" may not call this app` };
  }
  return null;
}

/** The token from `Authorization: Bearer <token>`, or null. */
export function bearerToken(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1]! : null;
}
