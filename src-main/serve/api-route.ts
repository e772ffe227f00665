// POST /api/<operation> on the bridge: Bearer token, JSON body (bounded), then the one dispatcher; every outcome is
// the envelope with the HTTP status of its error code. Host/Origin were checked by the caller.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../api/errors.js';
import type { Dispatcher } from '../core/handlers/index.js';
import { bearerToken, tokenMatches } from './guard.js';
import { readBody, refuse, safeDecode, sendJson as send, statusFor } from './http-util.js';

/** Answers one API request. */
export async function handleApi(
  dispatcher: Dispatcher,
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
  op: string,
): Promise<void> {
  if (req.method !== 'POST') return refuse(res, { code: 'INVALID_INPUT', message: 'use POST for /api/<operation>' });
  if (!tokenMatches(bearerToken(req), token))
    return refuse(res, { code: 'UNAUTHORIZED', message: 'missing or wrong token (Authorization: Bearer <token>)' });
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    return refuse(res, { code: 'INVALID_INPUT', message: 'Content-Type must be application/json' });
  let payload: unknown;
  try {
    const text = await readBody(req);
    payload = text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    return refuse(
      res,
      err instanceof AppError
        ? err.toJSON()
        : { code: 'INVALID_INPUT', message: `body is not JSON: ${(err as Error).message}` },
    );
  }
  // A client that goes away cancels its operation.
  const ac = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  const name = safeDecode(op);
  if (name === null)
    return refuse(res, { code: 'INVALID_INPUT', message: 'malformed percent-encoding in the operation name' });
  const result = await dispatcher.dispatch(name, payload, ac.signal);
  if (res.destroyed) return;
  send(res, result.ok ? 200 : statusFor(result.error.code), result);
}
