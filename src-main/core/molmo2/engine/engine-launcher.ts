// How a Node host starts the engine: fork the built engine entry found relative to this code (the bundle's
// engine-main.cjs beside it, or a build of the sources made on demand in the cache), never resolved from the cwd.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveAppPaths } from '../../platform/paths.js';
import { builtEngineEntry } from './engine-build.js';
import { forkEngine, type EngineLauncher } from './engine-process.js';

/** File name of the bundled engine entry that scripts/build-electron.mjs writes beside the bundled main. */
export const BUNDLED_ENGINE_ENTRY = 'engine-main.cjs';

/**
 * The engine entry to run: in a bundle (import.meta.url is the bundle's file), engine-main.cjs beside it; from the
 * TypeScript sources, the on-demand build of engine-main.ts in `cacheRoot`; from compiled JavaScript, engine-main.js.
 */
export async function engineEntry(cacheRoot: string, here: string = fileURLToPath(import.meta.url)): Promise<string> {
  const bundled = join(dirname(here), BUNDLED_ENGINE_ENTRY);
  if (existsSync(bundled)) return bundled;
  if (here.endsWith('.ts')) return builtEngineEntry(join(dirname(here), 'engine-main.ts'), cacheRoot);
  return join(dirname(here), 'engine-main.js');
}

/** Forks the engine entry under this Node; builds of the sources go to the app cache of `env`. */
export function nodeEngineLauncher(env: NodeJS.ProcessEnv = process.env): EngineLauncher {
  return async () => forkEngine(await engineEntry(resolveAppPaths(env).cache));
}
