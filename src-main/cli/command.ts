// The shape of a CLI subcommand and the context it runs in.
// Commands print JSON with --json; input errors are AppErrors that main() turns into exit code 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from '../api/errors.js';

export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Command {
  /** Subcommand name as typed (`probe`, `model`). */
  name: string;
  /** One line for `molmoscope --help`. */
  summary: string;
  /** Full usage text for `molmoscope <name> --help`. */
  usage: string;
  /** Runs the command; returns the exit code. Throw AppError for input errors. */
  run(argv: string[], io: CliIO, signal: AbortSignal): Promise<number>;
}

/** parseArgs that reports unknown flags and bad values as INVALID_INPUT. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new AppError('INVALID_INPUT', (err as Error).message);
  }
}

/** How an argument is named in a message: `--name` for a flag's name, as given for `--flag` or a positional `RUN`. */
const argLabel = (name: string): string => (name.startsWith('-') || name === name.toUpperCase() ? name : `--${name}`);

/**
 * Parses a number flag (or a positional argument named in capitals, e.g. `RUN`); undefined stays undefined, anything
 * not a finite number is INVALID_INPUT.
 */
export function numberFlag(
  name: string,
  value: string | undefined,
  opts: { min?: number; integer?: boolean } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const label = argLabel(name);
  if (!Number.isFinite(n) || value.trim() === '')
    throw new AppError('INVALID_INPUT', `${label} must be a number, got "${value}"`);
  if (opts.integer && !Number.isInteger(n))
    throw new AppError('INVALID_INPUT', `${label} must be an integer, got "${value}"`);
  if (opts.min !== undefined && n < opts.min)
    throw new AppError('INVALID_INPUT', `${label} must be ≥ ${opts.min}, got ${n}`);
  return n;
}

/** Writes one JSON document (and a newline) to a stream. */
export function printJson(stream: NodeJS.WritableStream, value: unknown): void {
  stream.write(JSON.stringify(value, null, 2) + '\n');
}

/** The one positional argument a command takes; INVALID_INPUT with `message` when there are none or several. */
export function onePositional(positionals: readonly string[], message: string): string {
  const [only] = positionals;
  if (only === undefined || positionals.length !== 1) throw new AppError('INVALID_INPUT', message);
  return only;
}
