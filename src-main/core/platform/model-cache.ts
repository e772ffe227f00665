// Where the app keeps per-checkpoint derived files (compiled graphs, converted weights): one directory per
// checkpoint path under $MOLMOSCOPE_CACHE (default ~/.cache/molmoscope).
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The app model cache directory for one checkpoint. */
export function modelCacheDir(env: NodeJS.ProcessEnv, modelDir: string): string {
  const root = env.MOLMOSCOPE_CACHE ?? join(homedir(), '.cache', 'molmoscope');
  return join(root, 'models', createHash('sha256').update(modelDir).digest('hex').slice(0, 16));
}
