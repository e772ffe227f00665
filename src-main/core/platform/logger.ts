// Leveled JSON-lines logger writing to a stream (stderr by default), so stdout stays free for command output.
// The threshold comes from MOLMOSCOPE_LOG_LEVEL (debug|info|warn|error|silent).
import type { Logger } from '../context.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Parses a level name; anything unknown gives the fallback. */
export function parseLogLevel(value: string | undefined, fallback: LogLevel): LogLevel {
  return value && value in RANK ? (value as LogLevel) : fallback;
}

/** A logger that writes one JSON object per line for each message at or above `level`. */
export function createLogger(
  opts: { level?: LogLevel; stream?: NodeJS.WritableStream; scope?: string; now?: () => number } = {},
): Logger {
  const level = opts.level ?? 'info';
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? Date.now;
  const write = (lvl: Exclude<LogLevel, 'silent'>, msg: string, data?: unknown) => {
    if (RANK[lvl] < RANK[level]) return;
    const rec: Record<string, unknown> = { t: new Date(now()).toISOString(), level: lvl, msg };
    if (opts.scope) rec.scope = opts.scope;
    if (data !== undefined) rec.data = data instanceof Error ? { name: data.name, message: data.message } : data;
    try {
      stream.write(JSON.stringify(rec) + '\n');
    } catch {
      // A log line must never take the app down (e.g. a closed pipe).
    }
  };
  return {
    debug: (m, d) => write('debug', m, d),
    info: (m, d) => write('info', m, d),
    warn: (m, d) => write('warn', m, d),
    error: (m, d) => write('error', m, d),
  };
}
