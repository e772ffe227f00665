// The engine process as the app sees it: a transport (send, replies, stderr, exit) that the host provides.
// Node hosts fork the built engine entry (here); the Electron host starts it as a utilityProcess
// (electron/engine-process.ts).
import { fork } from 'node:child_process';
import type { EngineReply, EngineRequest } from './protocol.js';

/** One running engine process, whatever started it. */
export interface EngineProcess {
  /** The OS process id, once known. */
  readonly pid: number | undefined;
  send(msg: EngineRequest): void;
  onMessage(cb: (m: EngineReply) => void): void;
  /** Text the engine wrote to stderr (startup errors, native crashes, onnxruntime's out-of-memory words). */
  onStderr(cb: (text: string) => void): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  /** Ends the process at once (a running graph cannot be interrupted otherwise). */
  kill(): void;
}

/** Starts one engine process: the platform capability a host passes in (house rule 2). */
export type EngineLauncher = () => Promise<EngineProcess>;

/** Options of a forked engine: Node flags, working directory and environment (default: this process's). */
export interface ForkOptions {
  execArgv?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Forks `entry` under this Node (structured-clone IPC, so typed arrays pass as they are). */
export function forkEngine(entry: string, opts: ForkOptions = {}): EngineProcess {
  const child = fork(entry, [], {
    execArgv: opts.execArgv ?? [],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  });
  const exits: ((code: number | null, signal: string | null) => void)[] = [];
  const stderr: ((text: string) => void)[] = [];
  let exited = false;
  const exit = (code: number | null, sig: string | null) => {
    if (exited) return;
    exited = true;
    for (const cb of exits) cb(code, sig);
  };
  // 'close', not 'exit': stderr is fully read by then, so a startup error's text is in hand when the exit is reported.
  child.on('close', exit);
  child.stderr?.on('data', (b: Buffer) => {
    for (const cb of stderr) cb(b.toString());
  });
  // A failed spawn (EAGAIN, ENOMEM) is an 'error' with no 'exit' guaranteed: report it as an exit without a code.
  child.on('error', (err) => {
    if (child.pid === undefined) {
      for (const cb of stderr) cb(`${err.name}: ${err.message}\n`);
      exit(null, null);
    }
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (msg) => {
      if (child.connected) child.send(msg);
    },
    onMessage: (cb) => child.on('message', (m) => cb(m as EngineReply)),
    onStderr: (cb) => void stderr.push(cb),
    onExit: (cb) => void exits.push(cb),
    kill: () => {
      child.kill('SIGKILL');
    },
  };
}
