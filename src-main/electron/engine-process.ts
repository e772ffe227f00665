// The engine as an Electron utilityProcess: the desktop app cannot fork itself as Node (the RunAsNode fuse is off),
// so the bundled engine entry runs as a utility process and speaks over parentPort / postMessage.
import { utilityProcess } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineLauncher, EngineProcess } from '../core/molmo2/engine/engine-process.js';
import type { EngineReply, EngineRequest } from '../core/molmo2/engine/protocol.js';

/** How long an exit waits for the rest of stderr, so a startup error's text arrives with the exit. */
const STDERR_DRAIN_MS = 500;

/** The bundled engine entry beside this bundle (dist-electron/engine-main.cjs, written by scripts/build-electron.mjs). */
export function bundledEngineEntry(): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'engine-main.cjs');
}

/** Starts `entry` as a utilityProcess per engine start. */
export function utilityEngineLauncher(entry: string = bundledEngineEntry()): EngineLauncher {
  return async () => startUtilityEngine(entry);
}

function startUtilityEngine(entry: string): EngineProcess {
  const child = utilityProcess.fork(entry, [], {
    stdio: ['ignore', 'ignore', 'pipe'],
    serviceName: 'Molmoscope engine',
  });
  const exits: ((code: number | null, signal: string | null) => void)[] = [];
  const stderr: ((text: string) => void)[] = [];
  let stderrEnded = child.stderr === null;
  child.stderr?.on('data', (b: Buffer) => {
    for (const cb of stderr) cb(b.toString());
  });
  child.stderr?.on('end', () => (stderrEnded = true));
  child.on('exit', (code) => {
    const report = () => {
      for (const cb of exits) cb(code, null);
    };
    if (stderrEnded) report();
    else {
      const t = setTimeout(report, STDERR_DRAIN_MS);
      child.stderr?.once('end', () => {
        clearTimeout(t);
        report();
      });
    }
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (msg: EngineRequest) => child.postMessage(msg),
    onMessage: (cb) => child.on('message', (m: unknown) => cb(m as EngineReply)),
    onStderr: (cb) => void stderr.push(cb),
    onExit: (cb) => void exits.push(cb),
    kill: () => {
      // SIGKILL, as with a forked engine: a graph that is running never looks at SIGTERM.
      if (child.pid !== undefined && process.platform !== 'win32') {
        try {
          process.kill(child.pid, 'SIGKILL');
          return;
        } catch {
          // already gone
        }
      }
      child.kill();
    },
  };
}
