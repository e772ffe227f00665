// Test helpers for the two in-process entry points: the CLI's main() with captured output (and readers of what its
// --json runs print), and a dispatcher whose op calls fail the test with the error code and message.
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src-main/cli/main.js';
import type { ApiError } from '../../src-main/api/errors.js';
import { requiredSample } from './media-fixtures.js';

/** The part of this process's environment a CLI run needs to find its tools (ffmpeg on PATH or FFMPEG_BIN). */
function toolEnv(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'FFMPEG_BIN', 'FFPROBE_BIN'] as const;
  return Object.fromEntries(keep.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]]])));
}

/**
 * Runs `molmoscope <argv…>` in this process (`stdin`: what it reads there, else a stream that never ends); returns its
 * exit code and everything it wrote.
 */
export async function runCli(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string } = {},
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
    stdin: opts.stdin === undefined ? new PassThrough() : Readable.from([opts.stdin]),
    env: opts.env ?? toolEnv(),
    cwd: opts.cwd ?? process.cwd(),
  });
  return { code, out, err };
}

/** The JSON objects of an NDJSON output, one per non-empty line (the events of a --json run). */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** The last line of an output as JSON: the summary of a --json run on stdout, or its error on stderr. */
export function lastJsonLine<T = Record<string, unknown>>(text: string): T {
  return JSON.parse(text.trim().split('\n').pop() ?? '') as T;
}

/** The `{code, message}` a failed --json run wrote as the last line of its stderr. */
export function cliError(stderr: string): ApiError {
  return lastJsonLine<{ error: ApiError }>(stderr).error;
}

/** `index` argv for a short-tier caption run on the CPU with 2 s windows at 0.5 overlap, with --json progress. */
export function shortIndexArgv(db: string, model: string): string[] {
  const windows = ['--tier', 'short', '--window', '2', '--overlap', '0.5'];
  return ['index', '--library', db, '--model', model, '--ep', 'cpu', ...windows, '--json'];
}

/** `ask` flags for the shared sample video with `model` on the CPU (the question and other flags follow). */
export function sampleVideoFlags(model: string): string[] {
  return ['--model', model, '--video', requiredSample('concourse-crowd-720p.avi'), '--ep', 'cpu'];
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
