// Runs ffmpeg/ffprobe children with a timeout and an AbortSignal; every child is killed (SIGKILL) when its call ends.
// A ChildTracker (one per media service) holds the live children, so tests can prove that none outlives its call.
import { spawn, type ChildProcess } from 'node:child_process';
import { AppError, cancelledError, throwIfCancelled } from '../../api/errors.js';

/** What a call of a disposed media service (or one in flight when it was disposed) ends with. */
export const disposedError = () => cancelledError('Media work (the media service was disposed)');

/** The children a media service has started and that are still running. */
export interface ChildTracker {
  add(child: ChildProcess): void;
  /** PIDs of the tracked children still running. */
  pids(): number[];
  /** True once closed: no child may start, and a run in flight ends with CANCELLED. */
  readonly closed: boolean;
  /** Closes the tracker and SIGKILLs every tracked child still running (the service's dispose). */
  close(): void;
}

/** An empty ChildTracker; a child leaves it when it exits or fails to start. */
export function createChildTracker(): ChildTracker {
  const live = new Set<ChildProcess>();
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    add(child) {
      live.add(child);
      child.once('exit', () => live.delete(child));
      child.once('error', () => live.delete(child));
    },
    pids: () => [...live].map((c) => c.pid ?? -1).filter((p) => p > 0),
    close() {
      closed = true;
      for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    },
  };
}

/** Spawns a child that is tracked (when a tracker is given), and killed on abort; the caller must call `dispose()` in a finally. */
export function spawnTracked(
  bin: string,
  args: string[],
  signal?: AbortSignal,
  stdin: 'ignore' | 'pipe' | number = 'ignore',
  stdout: 'pipe' | number = 'pipe',
  children?: ChildTracker,
): { child: ChildProcess; dispose: () => void } {
  throwIfCancelled(signal);
  if (children?.closed) throw disposedError();
  const child = spawn(bin, args, { stdio: [stdin, stdout, 'pipe'], windowsHide: true });
  children?.add(child);
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  signal?.addEventListener('abort', kill, { once: true });
  return {
    child,
    dispose: () => {
      signal?.removeEventListener('abort', kill);
      kill();
    },
  };
}

/** Resolves when the child has exited (exit code, or null when killed by a signal). */
export function waitExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((res) => {
    child.once('exit', (code) => res(code));
    child.once('error', () => res(-1));
  });
}

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a child to completion, collecting stdout/stderr; kills it on timeout (PROBE_TIMEOUT) or abort (CANCELLED). */
export async function runCollect(
  bin: string,
  args: string[],
  opts: { signal?: AbortSignal; timeoutMs?: number; maxStdout?: number; children?: ChildTracker } = {},
): Promise<RunResult> {
  const { child, dispose } = spawnTracked(bin, args, opts.signal, 'ignore', 'pipe', opts.children);
  const out: Buffer[] = [];
  let outLen = 0;
  let err = '';
  let timedOut = false;
  let tooBig = false;
  child.stdout!.on('data', (b: Buffer) => {
    outLen += b.length;
    if (opts.maxStdout && outLen > opts.maxStdout) {
      tooBig = true;
      dispose();
      return;
    }
    out.push(b);
  });
  child.stderr!.on('data', (b: Buffer) => {
    if (err.length < 64 * 1024) err += b.toString('utf8');
  });
  const timer = opts.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        dispose();
      }, opts.timeoutMs)
    : null;
  let spawnError: Error | null = null;
  child.once('error', (e) => {
    spawnError = e;
  });
  try {
    const code = await waitExit(child);
    // 'exit' can come before the last stdout/stderr chunks are read (seen under CPU load: an empty thumbnail).
    await Promise.all(
      [child.stdout, child.stderr].map((s) =>
        s && !s.readableEnded && !s.destroyed
          ? new Promise((r) => {
              s.once('end', r);
              s.once('close', r);
            })
          : null,
      ),
    );
    if (spawnError) {
      const e = spawnError as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') throw new AppError('FFMPEG_MISSING', `cannot run ${bin}: ${e.message}`);
      throw new AppError('FFMPEG_FAILED', `cannot run ${bin}: ${e.message}`);
    }
    throwIfCancelled(opts.signal);
    if (opts.children?.closed) throw disposedError();
    if (timedOut)
      throw new AppError(
        'PROBE_TIMEOUT',
        `${bin.split('/').pop()} did not finish within ${opts.timeoutMs} ms and was killed`,
      );
    if (tooBig)
      throw new AppError('FFMPEG_FAILED', `${bin.split('/').pop()} produced more than ${opts.maxStdout} bytes`);
    return { code, stdout: Buffer.concat(out), stderr: err };
  } finally {
    if (timer) clearTimeout(timer);
    dispose();
  }
}
