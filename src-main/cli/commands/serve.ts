// `molmoscope serve`: runs the HTTP + WebSocket bridge on 127.0.0.1 and prints the URL (with its token) to open.
import { resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import { startServer } from '../../serve/server.js';
import { adapterFlag } from './adapter-flag.js';
import { configureModel } from '../../core/molmo2/model-host.js';
import { shutdownHost } from '../../core/host-shutdown.js';
import { createDispatcher } from '../../core/handlers/index.js';
import { numberFlag, parseFlags, type Command } from '../command.js';
import { precisionFlag } from './precision-flag.js';

const usage = `Usage:
  molmoscope serve [--port N] [--host 127.0.0.1] [--renderer DIR] [--model DIR [--adapter DIR]] [--ep cpu|webgpu|cuda]
                   [--library DB] [--json]
      Serve the app's UI and API on 127.0.0.1 (loopback only) until interrupted (Ctrl-C).
      A random token is made for each run; the printed URL carries it (in the #fragment).
      --port N        TCP port (default: a free port)
      --host H        127.0.0.1 (default) or localhost; anything else is refused
      --renderer DIR  built renderer to serve (default: dist-renderer/ of the app)
      --model DIR     Molmo2 checkpoint for indexing, counting and tracking (default: $MOLMOSCOPE_MODEL, else the default model)
      --adapter DIR   a PEFT LoRA adapter for --model (a branch in the graphs; results record it)
      --ep NAME       execution provider (default: best available, cuda → webgpu → cpu)
      --precision P   weight precision fp32|fp16|int8|int4 (default: per provider and memory; see doctor)
      --library DB    open (or create) this library file at start
      --json          print {"url","openUrl","port","token"} as one JSON line instead of text
`;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the UI and API on 127.0.0.1 for a browser (token-protected).',
  usage,
  async run(argv, io, signal) {
    const { values } = parseFlags(
      argv,
      {
        port: { type: 'string' },
        host: { type: 'string' },
        renderer: { type: 'string' },
        model: { type: 'string' },
        adapter: { type: 'string' },
        ep: { type: 'string' },
        precision: { type: 'string' },
        library: { type: 'string' },
        json: { type: 'boolean' },
      },
      false,
    );
    if (values.adapter !== undefined && !values.model)
      throw new AppError('INVALID_INPUT', '--adapter needs --model DIR (the base checkpoint)');
    const port = numberFlag('port', values.port, { integer: true, min: 0 }) ?? 0;
    const precision = precisionFlag(values.precision); // refused before the server starts
    // Validate the adapter before the server starts: a bad adapter must not leave a server running.
    const modelDir = values.model ? resolve(io.cwd, values.model) : undefined;
    const adapter = modelDir ? adapterFlag(io, modelDir, values.adapter) : undefined;
    const server = await startServer({
      port,
      host: values.host ?? '127.0.0.1',
      env: precision && !values.model ? { ...io.env, MOLMOSCOPE_PRECISION: precision } : io.env,
      ...(values.renderer ? { rendererDir: resolve(io.cwd, values.renderer) } : {}),
    });
    if (modelDir) await configureModel(server.ctx, modelDir, values.ep, precision, adapter);
    if (values.library) {
      const r = await createDispatcher(server.ctx).dispatch('library.open', { path: resolve(io.cwd, values.library) });
      if (!r.ok) {
        await server.close();
        throw new AppError(r.error.code, r.error.message);
      }
    }
    if (values.json)
      io.stdout.write(
        JSON.stringify({ url: server.url, openUrl: server.openUrl, port: server.port, token: server.token }) + '\n',
      );
    else {
      io.stdout.write(`Molmoscope is serving on ${server.url}\n`);
      io.stdout.write(`Open this URL (it carries this run's access token):\n  ${server.openUrl}\n`);
      io.stdout.write('Press Ctrl-C to stop.\n');
    }
    if (!signal.aborted) await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
    await shutdownHost(server.ctx);
    await server.close();
    return 0;
  },
};
