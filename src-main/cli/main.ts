// The `molmoscope` CLI: dispatches to subcommands and maps errors to exit codes.
// AppErrors print {"error":{code,message}} on stderr and exit 2; unexpected errors exit 1.
import { AppError, toApiError } from '../api/errors.js';
import type { CliIO } from './command.js';
import { commands } from './commands/index.js';

const VERSION = '0.1.0';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'molmoscope — search, count and track in video with Molmo2, on your own GPU.',
    '',
    'Usage: molmoscope <command> [options]   (molmoscope <command> --help for details)',
    '',
    'Commands:',
    ...lines,
    '',
    'Common options: --json (machine-readable output), --help',
    '',
  ].join('\n');
}

/** Runs the CLI with the given arguments; returns the process exit code. */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(VERSION + '\n');
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.stderr.write(
      JSON.stringify({
        error: { code: 'INVALID_INPUT', message: `unknown command "${name}" (see molmoscope --help)` },
      }) + '\n',
    );
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(cmd.usage.endsWith('\n') ? cmd.usage : cmd.usage + '\n');
    return 0;
  }
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await cmd.run(rest, io, ac.signal);
  } catch (err) {
    const e = toApiError(err);
    io.stderr.write(JSON.stringify({ error: { code: e.code, message: e.message } }) + '\n');
    return err instanceof AppError || e.code !== 'INTERNAL' ? 2 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function defaultIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}
