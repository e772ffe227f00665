// `molmoscope serve`: the HTTP + WebSocket bridge that serves the renderer and the API contract on 127.0.0.1.
// POST /api/<op> (Bearer token) answers the envelope; WS /events?token= pushes contract events; GET serves the UI.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { events, type EventName } from '../api/contract.js';
import { AppError } from '../api/errors.js';
import type { CoreContext } from '../core/context.js';
import { createCoreContext } from '../core/platform/create-context.js';
import { appRoot } from '../core/platform/app-root.js';
import { createDispatcher } from '../core/handlers/index.js';
import { checkHostAndOrigin, newToken } from './guard.js';
import { handleStatic } from './static-files.js';
import { sendMedia } from './media-route.js';
import { eventSockets } from './events-socket.js';
import { handleApi } from './api-route.js';
import { parseTarget, refuse } from './http-util.js';

export interface ServeOptions {
  /** TCP port; 0 picks a free one. */
  port?: number;
  /** Only loopback is allowed: '127.0.0.1' (default) or 'localhost'. */
  host?: string;
  /** Directory of the built renderer (default: <app root>/dist-renderer). */
  rendererDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Use this token instead of a random one (tests). */
  token?: string;
  /** Build the context from these options instead of the defaults. */
  context?: (emit: CoreContext['emit']) => CoreContext;
}

export interface RunningServer {
  url: string;
  /** The URL to open in a browser: the token travels in the fragment, which is never sent over HTTP. */
  openUrl: string;
  port: number;
  token: string;
  ctx: CoreContext;
  close(): Promise<void>;
}

/** Starts the bridge; resolves once it listens. */
export async function startServer(opts: ServeOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== 'localhost') {
    throw new AppError('INVALID_INPUT', `serve only listens on loopback (127.0.0.1); refusing host "${host}"`);
  }
  const token = opts.token ?? newToken();
  let port = 0;
  const stream = eventSockets(
    () => port,
    token,
    () => ctx.logger,
  );
  const emit = socketEmitter(stream, (opts.env ?? process.env).NODE_ENV !== 'production');
  const ctx: CoreContext = opts.context
    ? opts.context(emit)
    : createCoreContext({ host: 'serve', env: opts.env, emit });
  const route = router({
    ctx,
    token,
    dispatcher: createDispatcher(ctx),
    port: () => port,
    rendererDir: opts.rendererDir ?? join(appRoot() ?? process.cwd(), 'dist-renderer'),
  });
  const server = createServer((req, res) => {
    // No request may end the process: whatever a handler throws becomes the INTERNAL envelope.
    try {
      route(req, res);
    } catch (err) {
      ctx.logger.error('bridge request failed', err);
      refuse(res, { code: 'INTERNAL', message: String((err as Error)?.message ?? err) });
    }
  });
  server.on('upgrade', stream.upgrade);
  port = await listen(server, opts.port);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    openUrl: `${url}/#token=${token}`,
    port,
    token,
    ctx,
    close: () =>
      new Promise<void>((resolvePromise) => {
        stream.close();
        server.close(() => resolvePromise());
        server.closeAllConnections();
      }),
  };
}

/** The context's emit: each event (checked against the contract outside production) goes to every open socket. */
function socketEmitter(stream: ReturnType<typeof eventSockets>, strict: boolean): CoreContext['emit'] {
  return (name, payload) => {
    if (strict) events[name as EventName].parse(payload);
    const msg = JSON.stringify({ event: name, payload });
    for (const s of stream.sockets) if (s.readyState === s.OPEN) s.send(msg);
  };
}

interface RouteDeps {
  ctx: CoreContext;
  dispatcher: ReturnType<typeof createDispatcher>;
  token: string;
  rendererDir: string;
  /** The port listened on (0 until then): the Host/Origin check and the static pages need it. */
  port: () => number;
}

/** Routes one request: Host/Origin check, then /api/<op>, /media/…, the /events refusal, or the renderer's files. */
function router(d: RouteDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const port = d.port();
    const denied = checkHostAndOrigin(req, port);
    if (denied) return refuse(res, denied);
    const url = parseTarget(req.url, port);
    if (!url) return refuse(res, { code: 'INVALID_INPUT', message: 'malformed request target' });
    if (url.pathname.startsWith('/api/')) {
      handleApi(d.dispatcher, d.token, req, res, url.pathname.slice('/api/'.length)).catch((err: unknown) => {
        d.ctx.logger.error('bridge request failed', err);
        refuse(res, { code: 'INTERNAL', message: String((err as Error)?.message ?? err) });
      });
      return;
    }
    if (url.pathname.startsWith('/media/')) return sendMedia(d.ctx, req, res, url, d.token);
    if (url.pathname === '/events')
      return refuse(res, { code: 'INVALID_INPUT', message: '/events is a WebSocket endpoint' });
    handleStatic(d.rendererDir, port, req, res, url.pathname);
  };
}

/** Listens on 127.0.0.1 (port 0 picks a free one); resolves with the port, or INVALID_INPUT when it is taken. */
function listen(server: Server, port = 0): Promise<number> {
  return new Promise<number>((resolvePromise, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new AppError('INVALID_INPUT', e.code === 'EADDRINUSE' ? `port ${port} is already in use` : e.message)),
    );
    server.listen(port, '127.0.0.1', () => resolvePromise((server.address() as AddressInfo).port));
  });
}
