// Test input: the tiny Molmo2 checkpoint (seed 1) as an index job's captioner, run on CPU by the engine process of a
// real core context. Each test gives its context a model cache of its own and calls closeModel(ctx) in a finally.
import { join } from 'node:path';
import type { CoreContext } from '../../../src-main/core/context.js';
import { checkpointContentId } from '../../../src-main/core/library/molmo2-captioner.js';
import { configureModel } from '../../../src-main/core/molmo2/model-host.js';
import { createCoreContext, type ContextOptions } from '../../../src-main/core/platform/create-context.js';
import { tinyCheckpoint } from '../../helpers/tiny.js';

export const TINY_MODEL = tinyCheckpoint({ seed: 1 });

/** Index-job parameters for TINY_MODEL: dense captions of one-second windows, two frames each. */
export const TINY_INDEX_PARAMS = {
  modelId: checkpointContentId(TINY_MODEL),
  promptKind: 'dense' as const,
  windowLength: 1,
  overlap: 0,
  maxFrames: 2,
};

/** A core context (a CLI host unless `opts` says, model cache `dir/cache`) whose engine runs TINY_MODEL on CPU. */
export async function tinyEngineContext(
  dir: string,
  opts: Partial<Omit<ContextOptions, 'env'>> = {},
): Promise<CoreContext> {
  const env = { ...process.env, MOLMOSCOPE_CACHE: join(dir, 'cache') };
  const ctx = createCoreContext({ host: 'cli', ...opts, env });
  await configureModel(ctx, TINY_MODEL, 'cpu');
  return ctx;
}
