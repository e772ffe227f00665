// Test helpers for the two in-process entry points: the CLI's main() with captured output, and a dispatcher whose
// op calls fail the test with the error code and message.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { main } from '../../src-main/cli/main.js';

/** The part of this process's environment a CLI run needs to find its tools (ffmpeg on PATH or FFMPEG_BIN). */
function toolEnv(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'FFMPEG_BIN', 'FFPROBE_BIN'] as const;
  return Object.fromEntries(keep.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]]])));
}

/** Runs `molmoscope <argv…>` in this process; returns its exit code and everything it wrote. */
export async function runCli(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: opts.env ?? toolEnv(),
    cwd: opts.cwd ?? process.cwd(),
  });
  return { code, out, err };
}

/** Valued CLI options in the object's key order: `{ library: db, 'max-frames': 2 }` → `--library db --max-frames 2`. */
export function cliFlags(flags: Record<string, string | number>): string[] {
  return Object.entries(flags).flatMap(([name, value]) => [`--${name}`, String(value)]);
}

/** `call(op, req)` for a dispatcher: the op's value, or the test fails with the op's error. */
export function opCaller(d: {
  dispatch(
    op: string,
    req: unknown,
  ): Promise<{ ok: true; value: unknown } | { ok: false; error: { code: string; message: string } }>;
}) {
  return async <T>(op: string, req: unknown): Promise<T> => {
    const r = await d.dispatch(op, req);
    if (!r.ok) assert.fail(`${op}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };
}
