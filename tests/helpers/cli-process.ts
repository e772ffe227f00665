// Runs the installed `molmoscope` bin as its own process (own process group, chosen cwd) and reports its exit code,
// output, wall time, and whether any process it started outlived it.
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const BIN = resolve('bin/molmoscope.mjs');

export interface BinResult {
  code: number | null;
  out: string;
  err: string;
  ms: number;
  /** True when a process of its group (the engine, ffmpeg, …) was still alive after it exited. */
  leftover: boolean;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `molmoscope <argv…>` in `cwd`; killed (whole group) after `timeoutMs`, which then shows as code null. */
export async function runBin(
  argv: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<BinResult> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, ...argv], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const pgid = child.pid!;
  const timer = setTimeout(() => groupAlive(pgid) && process.kill(-pgid, 'SIGKILL'), opts.timeoutMs ?? 120_000);
  const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
  const ms = performance.now() - t0;
  clearTimeout(timer);
  // A child that is being reaped can linger for a moment after its parent's exit; give it that moment.
  let leftover = groupAlive(pgid);
  for (let i = 0; leftover && i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    leftover = groupAlive(pgid);
  }
  if (leftover) {
    err += `\nleft over:\n${spawnSync('ps', ['-o', 'pid,ppid,stat,etime,args', '-g', String(pgid)]).stdout?.toString()}`;
    process.kill(-pgid, 'SIGKILL');
  }
  return { code, out, err, ms, leftover };
}
