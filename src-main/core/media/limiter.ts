// A bounded pool for ffmpeg work started by requests (thumbnails): at most `size` tasks run at once, the rest wait
// in order; a waiting task whose signal aborts leaves the queue at once.
import { cancelledError } from '../../api/errors.js';

export interface Limiter {
  /** Runs `task` when a slot is free; rejects CANCELLED when `signal` aborts while it waits. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Tasks running now and tasks waiting (for tests and diagnostics). */
  stats(): { running: number; waiting: number; peak: number };
}

interface Waiter {
  start: () => void;
  signal?: AbortSignal;
}

/** A limiter of `size` concurrent tasks (size ≥ 1). */
export function createLimiter(size: number): Limiter {
  const max = Math.max(1, Math.floor(size));
  const queue: Waiter[] = [];
  let running = 0;
  let peak = 0;
  const next = () => {
    while (running < max && queue.length) {
      const w = queue.shift()!;
      if (!w.signal?.aborted) w.start();
    }
  };
  const run = <T>(task: () => Promise<T>, signal?: AbortSignal) =>
    new Promise<T>((resolvePromise, reject) => {
      if (signal?.aborted) return reject(cancelledError());
      const waiter: Waiter = { signal, start: () => {} };
      const onAbort = () => {
        const i = queue.indexOf(waiter);
        if (i >= 0) queue.splice(i, 1);
        reject(cancelledError());
      };
      waiter.start = () => {
        signal?.removeEventListener('abort', onAbort);
        running++;
        peak = Math.max(peak, running);
        task()
          .then(resolvePromise, reject)
          .finally(() => {
            running--;
            next();
          });
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
      next();
    });
  return { run, stats: () => ({ running, waiting: queue.length, peak }) };
}
