// Inference with a LoRA adapter: the record a result carries of which adapter produced it, checked against the base
// checkpoint before anything runs. The engine runs the adapter as a branch in the decoder graphs (lora-feeds.ts);
// merging into a cached copy of the weights (adapterModelDir) is kept as the reference the branch is tested against.
import { basename } from 'node:path';
import { openCheckpoint } from '../molmo2/weights.js';
import { loadAdapter, mergedCheckpointDir } from './adapter.js';

/** What results record about the adapter that produced them. */
export interface AdapterRecord {
  /** The adapter folder as given (absolute). */
  dir: string;
  /** Display name: the folder's name. */
  name: string;
  /** sha256 of adapter_model.safetensors + adapter_config.json. */
  sha256: string;
  rank: number;
  alpha: number;
}

/** What an adapter adds to a model id (so captions of base and adapted runs never collide). */
export const adapterIdSuffix = (a: Pick<AdapterRecord, 'sha256'>): string => `+lora@${a.sha256.slice(0, 16)}`;

/** Validates the adapter against the base checkpoint (config, key names, shapes, finite values) and identifies it. */
export function adapterRecord(baseDir: string, adapterDir: string): AdapterRecord {
  const a = loadAdapter(adapterDir, openCheckpoint(baseDir));
  return { dir: adapterDir, name: basename(adapterDir), sha256: a.hash, rank: a.spec.rank, alpha: a.spec.alpha };
}

/** The adapter merged into a cached copy of the base checkpoint (see mergedCheckpointDir): the merged reference. */
export function adapterModelDir(
  baseDir: string,
  adapterDir: string,
  cacheDir: string,
): { modelDir: string; adapter: AdapterRecord } {
  const ck = openCheckpoint(baseDir);
  const a = loadAdapter(adapterDir, ck);
  const adapter = {
    dir: adapterDir,
    name: basename(adapterDir),
    sha256: a.hash,
    rank: a.spec.rank,
    alpha: a.spec.alpha,
  };
  return { modelDir: mergedCheckpointDir(ck, a, cacheDir), adapter };
}
