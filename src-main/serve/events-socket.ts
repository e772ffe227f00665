// The /events WebSocket of the bridge: the upgrade is checked (Host, Origin, path, token) before ws sees it, and
// every socket gets an error listener, so a malformed frame closes that socket instead of ending the process.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiError } from '../api/errors.js';
import type { Logger } from '../core/context.js';
import { checkHostAndOrigin, tokenMatches } from './guard.js';
import { parseTarget, statusFor } from './http-util.js';

/** The event stream's sockets and the upgrade handler that adds to them. */
export interface EventSockets {
  sockets: Set<WebSocket>;
  /** The `upgrade` listener of the HTTP server; never throws. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

function denial(req: IncomingMessage, port: number, token: string): ApiError | null {
  const hostDenied = checkHostAndOrigin(req, port);
  if (hostDenied) return hostDenied;
  const url = parseTarget(req.url, port);
  if (!url) return { code: 'INVALID_INPUT', message: 'malformed request target' };
  if (url.pathname !== '/events') return { code: 'NOT_FOUND', message: 'no such WebSocket endpoint' };
  return tokenMatches(url.searchParams.get('token'), token)
    ? null
    : { code: 'UNAUTHORIZED', message: 'missing or wrong token' };
}

function refuseUpgrade(socket: Duplex, denied: ApiError): void {
  const body = JSON.stringify({ ok: false, error: denied });
  socket.end(
    `HTTP/1.1 ${statusFor(denied.code)} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Builds the event-stream endpoint; `port()` and `logger()` are read when used (both are known only later). */
export function eventSockets(port: () => number, token: string, logger: () => Logger): EventSockets {
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const accept = (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    // ws reports a bad frame (invalid UTF-8, reserved bits, unknown opcode, bad close code, too large) here and
    // closes with the matching status; without a listener the 'error' event would throw out of the process.
    ws.on('error', (err) => {
      logger().warn('events socket closed on a protocol error', String(err?.message ?? err));
      sockets.delete(ws);
      ws.terminate();
    });
    // The events stream is one-way; anything a client sends is ignored.
    ws.on('message', () => {});
  };
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      const denied = denial(req, port(), token);
      if (denied) return refuseUpgrade(socket, denied);
      wss.handleUpgrade(req, socket, head, accept);
    } catch (err) {
      logger().error('events upgrade failed', err);
      socket.destroy();
    }
  };
  const close = () => {
    for (const ws of sockets) ws.terminate();
    wss.close();
  };
  return { sockets, upgrade, close };
}
