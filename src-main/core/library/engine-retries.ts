// Bounded retries of a model call whose engine process died under it: the engine restarts on the next request, so a
// crash is asked again; one that repeats on the same window is a poison file, one that follows the job is not.
import { AppError } from '../../api/errors.js';

/** Engine crashes on one window before it is taken for a poison file (the engine restarts each time). */
export const ENGINE_CRASH_RETRIES = 2;

/** Shared by the calls of one job run: whether the last window given up on has had no success after it. */
export interface CrashState {
  poisoned: boolean;
}

/** True for the ENGINE_CRASHED that withEngineRetries throws for a poison window (the job skips it and goes on). */
export function isPoison(err: unknown): boolean {
  return (
    err instanceof AppError &&
    err.code === 'ENGINE_CRASHED' &&
    (err.details as { poison?: boolean } | undefined)?.poison === true
  );
}

/**
 * Runs `ask`, again when it fails with ENGINE_CRASHED, up to ENGINE_CRASH_RETRIES times. Then it throws ENGINE_CRASHED
 * marked as poison (details.poison: the caller rejects that file or window and goes on) — unless the previous window
 * given up on had no success after it: a crash that follows the job from window to window is the engine's (a broken
 * driver), so it is thrown as it is and the job pauses.
 */
export async function withEngineRetries<T>(
  ask: () => Promise<T>,
  signal: AbortSignal,
  crash: CrashState,
  what: string,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await ask();
      crash.poisoned = false;
      return r;
    } catch (err) {
      if (signal.aborted || !(err instanceof AppError) || err.code !== 'ENGINE_CRASHED') throw err;
      if (attempt < ENGINE_CRASH_RETRIES) continue;
      if (crash.poisoned) throw err;
      crash.poisoned = true;
      throw new AppError('ENGINE_CRASHED', `${what} crashed the engine ${attempt + 1} times in a row: ${err.message}`, {
        poison: true,
      });
    }
  }
}
