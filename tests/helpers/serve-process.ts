// Starts the real `molmoscope serve` CLI as a child process on a random port and reads its JSON line.
// The process is killed by stop(); tests call it in a finally so no server outlives its test.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
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
