// Where the app keeps its data, models and caches: XDG-style per-user directories, or one root from MOLMOSCOPE_HOME.
// Pure: computes paths from the environment; creating them is left to the code that writes there.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export interface AppPaths {
  /** Root of the app's data (settings, default library). */
  data: string;
  /** Downloaded model checkpoints. */
  models: string;
  /** Caches: compiled graphs, converted weights, thumbnails. */
  cache: string;
}

/** App directories for this environment; MOLMOSCOPE_HOME (if set) holds data, models/ and cache/ under one root. */
export function resolveAppPaths(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): AppPaths {
  const home = env.HOME || env.USERPROFILE || homedir();
  const abs = (p: string | undefined): string | null => (p && isAbsolute(p) ? p : null);
  if (env.MOLMOSCOPE_HOME) {
    const root = resolve(env.MOLMOSCOPE_HOME);
    return { data: root, models: join(root, 'models'), cache: join(root, 'cache') };
  }
  if (platform === 'darwin') {
    const data = join(home, 'Library', 'Application Support', 'Molmoscope');
    return { data, models: join(data, 'models'), cache: join(home, 'Library', 'Caches', 'Molmoscope') };
  }
  if (platform === 'win32') {
    const data = join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'Molmoscope');
    return {
      data,
      models: join(data, 'models'),
      cache: join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'Molmoscope', 'Cache'),
    };
  }
  // XDG base directories; relative values are invalid per the spec and are ignored.
  const data = join(abs(env.XDG_DATA_HOME) ?? join(home, '.local', 'share'), 'molmoscope');
  const cache = join(abs(env.XDG_CACHE_HOME) ?? join(home, '.cache'), 'molmoscope');
  return { data, models: join(data, 'models'), cache };
}
