// Shared seed for the fine-tune tests: a library with two generated recordings, a finished count run with real
// Molmo2 answer strings and verdicts, a finished track run with a correction, and a typed answer on a clip.
import { join } from 'node:path';
import { createCoreContext } from '../../../src-main/core/platform/create-context.js';
import { createDispatcher } from '../../../src-main/core/handlers/index.js';
import { currentLibrary } from '../../../src-main/core/handlers/library.js';
import type { queueAnalyticsJob } from '../../../src-main/core/analytics/run-jobs.js';
import { seedRun } from '../../helpers/seed-run.js';
import type { Library } from '../../../src-main/core/library/store.js';
import type { CoreContext } from '../../../src-main/core/context.js';
import { makeClip } from '../library/clips.js';
import { opCaller } from '../../helpers/cli.js';
import { scratchDir } from '../../helpers/tiny.js';

export const COUNT_SETTINGS = { windowLength: 2, overlap: 0.5, maxFrames: 3 };
export const TRACK_SETTINGS = { windowLength: 2, overlap: 0.5, maxFrames: 4 };

export interface Seeded {
  dir: string;
  ctx: CoreContext;
  call: ReturnType<typeof opCaller>;
  dispatch: ReturnType<typeof createDispatcher>['dispatch'];
  lib: Library;
  countRun: number;
  trackRun: number;
}

type RunSettings = NonNullable<Parameters<typeof queueAnalyticsJob>[2]['settings']>;

/**
 * Two finished runs from real Molmo2 answer strings: `count` on recording 1 (two people in every window) and a track
 * of two cars on recording 2 (TRACK_SETTINGS); both recordings at least 4 s long.
 */
export function seedRuns(
  lib: Library,
  count: { query: string; settings: RunSettings },
): { countRun: number; trackRun: number } {
  const countRun = seedRun(lib, 'count', {
    query: count.query,
    recordingId: 1,
    settings: count.settings,
    answer: (w) => {
      const t1 = w.times[1];
      if (t1 === undefined) throw new Error(`the count window at ${w.start} s has fewer than two frames`);
      const t = (t1 - w.start).toFixed(1);
      return `Counting the <points coords="${t} 1 100 500 2 600 400">person</points> shows a total of 2.`;
    },
  });
  const trackRun = seedRun(lib, 'track', {
    query: 'car',
    recordingId: 2,
    settings: TRACK_SETTINGS,
    answer: () => '<tracks coords="0.0 1 100 500 2 800 500;0.5 1 110 500 2 790 500;1.0 1 120 500">car</tracks>',
  });
  return { countRun, trackRun };
}

/**
 * Opens a fresh library with the seed above (through the contract ops where the user would act); `count` is the
 * count run's query and settings (default "Person" with COUNT_SETTINGS).
 */
export async function seedLibrary(
  prefix: string,
  count: { query: string; settings: RunSettings } = { query: 'Person', settings: COUNT_SETTINGS },
): Promise<Seeded> {
  const dir = scratchDir(prefix);
  const ctx = createCoreContext({
    host: 'cli',
    env: { ...process.env, MOLMOSCOPE_HOME: join(dir, 'home'), MOLMOSCOPE_LOG_LEVEL: 'silent' },
  });
  const d = createDispatcher(ctx, { validateResponses: true });
  const call = opCaller(d);
  const a = makeClip(join(dir, 'media', 'a.mp4'), { seconds: 4, pattern: 'testsrc' });
  const b = makeClip(join(dir, 'media', 'b.mp4'), { seconds: 4, pattern: 'smptebars' });
  await call('library.open', { path: join(dir, 'lib.db') });
  await call('library.import', { paths: [a, b] });
  const lib = currentLibrary(ctx);
  const runs = seedRuns(lib, count);
  return { dir, ctx, call, dispatch: d.dispatch, lib, ...runs };
}
