// Starts the real `molmoscope serve` CLI as a child process on a random port and reads its JSON line, optionally on a
// library of imported files, and sends it raw HTTP requests. The process is killed by stop(); tests call it in a
// finally (or after()) so no server outlives its test.
import { spawn, type ChildProcess } from 'node:child_process';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join, resolve } from 'node:path';
import { importPaths } from '../../src-main/core/library/import.js';
import { openLibrary } from '../../src-main/core/library/store.js';
import { testMediaSource } from './media-source.js';
import { scratchDir } from './tiny.js';

export interface ServeProcess {
  url: string;
  openUrl: string;
  port: number;
  token: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs `node bin/molmoscope.mjs serve --json --port 0 …extra` with MOLMOSCOPE_HOME in a scratch dir (in `cwd` if given). */
export function startServeProcess(
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
  cwd?: string,
): Promise<ServeProcess> {
  const home = scratchDir('serve-home');
  const child = spawn(process.execPath, [resolve('bin/molmoscope.mjs'), 'serve', '--json', '--port', '0', ...extra], {
    env: { ...process.env, MOLMOSCOPE_HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd ? { cwd } : {}),
  });
  const stop = () =>
    new Promise<void>((r) => {
      if (child.exitCode !== null || child.signalCode !== null) return r();
      child.once('exit', () => r());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`serve did not start in 30 s; stderr: ${err}`));
    }, 30_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        const info = JSON.parse(out.slice(0, nl)) as { url: string; openUrl: string; port: number; token: string };
        resolvePromise({ ...info, child, stop });
      } catch (e) {
        void stop();
        reject(new Error(`serve printed something other than JSON: ${out} ${String(e)}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited early with ${code}; stderr: ${err}`));
    });
  });
}

/** Imports `files` (name → path) into a new library `dir/lib.db` and serves it; returns each name's recording id. */
export async function serveImported(
  dir: string,
  files: Record<string, string>,
): Promise<{ srv: ServeProcess; ids: Record<string, number> }> {
  const db = join(dir, 'lib.db');
  const lib = openLibrary(db, { create: true });
  const rep = await importPaths(lib, Object.values(files), {
    media: testMediaSource(),
    signal: new AbortController().signal,
  });
  lib.close();
  const ids: Record<string, number> = {};
  for (const [name, path] of Object.entries(files)) {
    const id = rep.results.find((r) => r.path === path)?.recordingId;
    if (typeof id !== 'number') throw new Error(`${path} was not imported: ${JSON.stringify(rep.results)}`);
    ids[name] = id;
  }
  return { srv: await startServeProcess(['--library', db]), ids };
}

/** What the server answered a raw request. */
export interface ServeAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A raw HTTP request (node:http lets a test set Host and Origin freely, unlike fetch); Host is the server's unless set. */
export function requestServe(
  srv: Pick<ServeProcess, 'port'>,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<ServeAnswer> {
  return new Promise((resolvePromise, reject) => {
    const headers = { host: `127.0.0.1:${srv.port}`, ...opts.headers };
    const req = request({ host: '127.0.0.1', port: srv.port, method: opts.method ?? 'GET', path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () =>
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    const timeoutMs = opts.timeoutMs;
    if (timeoutMs !== undefined) {
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s for ${path}`)));
    }
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
