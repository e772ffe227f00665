// Watching a job from a test: an event sink that keeps its job.progress events, and a poll that waits until a
// condition holds (failing the test, naming what it waited for, after a timeout).
import assert from 'node:assert/strict';
import type { EventPayload } from '../../src-main/api/contract.js';
import type { EventSink } from '../../src-main/core/context.js';

/** An event sink that appends every job.progress event to `into` and ignores the others. */
export function keepJobProgress(into: EventPayload<'job.progress'>[]): EventSink {
  return (name, payload) => {
    if (name === 'job.progress') into.push(payload as EventPayload<'job.progress'>);
  };
}

/** Polls `f` every 20 ms until it holds; fails the test after `timeoutMs`, saying it was waiting for `what`. */
export async function waitUntil(f: () => boolean, what: string, timeoutMs = 180_000): Promise<void> {
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
