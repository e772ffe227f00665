// The `--adapter DIR` flag shared by index/count/track: the model directory to configure (base, or the base with
// the adapter merged into a cached copy — whose path, the hosts' model id, names base + adapter hash).
import { resolve } from 'node:path';
import { adapterModelDir } from '../../core/finetune/use-adapter.js';
import { modelCacheDir } from '../../core/platform/model-cache.js';
import type { CliIO } from '../command.js';

/** `modelDir` itself without an adapter, else the merged checkpoint directory. */
export function withAdapter(io: CliIO, modelDir: string, adapter: string | undefined): string {
  if (adapter === undefined) return modelDir;
  return adapterModelDir(modelDir, resolve(io.cwd, adapter), modelCacheDir(io.env, modelDir)).modelDir;
}
