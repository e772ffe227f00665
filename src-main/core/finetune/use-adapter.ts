// Inference with a LoRA adapter: the model directory to open instead of the base (the adapter merged into a cached
// copy of the weights) and the record a result carries of which adapter produced it.
import { openCheckpoint } from '../molmo2/weights.js';
import { loadAdapter, mergedCheckpointDir } from './adapter.js';

/** What results record about the adapter that produced them. */
export interface AdapterRecord {
  dir: string;
  sha256: string;
  rank: number;
  alpha: number;
}

/** Validates the adapter against the base checkpoint and returns the merged model directory to run. */
export function adapterModelDir(baseDir: string, adapterDir: string, cacheDir: string): { modelDir: string; adapter: AdapterRecord } {
  const ck = openCheckpoint(baseDir);
  const a = loadAdapter(adapterDir, ck);
  return { modelDir: mergedCheckpointDir(ck, a, cacheDir), adapter: { dir: adapterDir, sha256: a.hash, rank: a.spec.rank, alpha: a.spec.alpha } };
}
