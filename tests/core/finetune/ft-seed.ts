// Shared seed for the fine-tune tests: a library with two generated recordings, a finished count run with real
// Molmo2 answer strings and verdicts, a finished track run with a correction, and a typed answer on a clip.
import { join } from 'node:path';
import { createCoreContext } from '../../../src-main/core/platform/create-context.js';
import { createDispatcher } from '../../../src-main/core/handlers/index.js';
import { currentLibrary } from '../../../src-main/core/handlers/library.js';
import { finishRun, queueAnalyticsJob, recordWindowAnswer } from '../../../src-main/core/analytics/run-jobs.js';
import { planWindows } from '../../../src-main/core/analytics/run-plan.js';
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

/** Opens a fresh library with the seed above (through the contract ops where the user would act). */
export async function seedLibrary(prefix: string): Promise<Seeded> {
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
  const count = queueAnalyticsJob(lib, 'count', {
    query: 'Person',
    scope: { recordingId: 1 },
    settings: COUNT_SETTINGS,
  }).runs[0]!;
  for (const w of planWindows('count', { start: 0, end: 4 }, 10, COUNT_SETTINGS)) {
    const t = (w.times[1]! - w.start).toFixed(1);
    recordWindowAnswer(
      lib,
      count.id,
      w,
      `Counting the <points coords="${t} 1 100 500 2 600 400">person</points> shows a total of 2.`,
    );
  }
  finishRun(lib, count.id);
  const track = queueAnalyticsJob(lib, 'track', { query: 'car', scope: { recordingId: 2 }, settings: TRACK_SETTINGS })
    .runs[0]!;
  for (const w of planWindows('track', { start: 0, end: 4 }, 10, TRACK_SETTINGS)) {
    recordWindowAnswer(
      lib,
      track.id,
      w,
      '<tracks coords="0.0 1 100 500 2 800 500;0.5 1 110 500 2 790 500;1.0 1 120 500">car</tracks>',
    );
  }
  finishRun(lib, track.id);
  return { dir, ctx, call, dispatch: d.dispatch, lib, countRun: count.id, trackRun: track.id };
}
