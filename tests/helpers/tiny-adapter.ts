// Test helper: a LoRA adapter for a tiny checkpoint with seeded non-zero B matrices (so it changes the model's
// answers), saved as a PEFT folder the way training saves one.
import { openCheckpoint } from '../../src-main/core/molmo2/weights.js';
import { initLora, loraTargets, SeededRng } from '../../src-main/core/finetune/lora.js';
import { saveAdapter } from '../../src-main/core/finetune/adapter.js';
import { adapterRecord } from '../../src-main/core/finetune/use-adapter.js';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { makeClip } from '../core/library/clips.js';
import { runCli } from './cli.js';
import { scratchDir } from './tiny.js';
import { openLibrary } from '../../src-main/core/library/store.js';
import { insertAdapter, setActiveAdapter } from '../../src-main/core/finetune/ft-adapters-store.js';

/** Writes the adapter for `model` into `dir`; returns `dir`. */
export function makeTinyAdapter(model: string, dir: string): string {
  const ck = openCheckpoint(model);
  const spec = { rank: 2, alpha: 4 };
  const p = initLora(loraTargets(ck), spec, 5);
  const rng = new SeededRng(9);
  for (const t of loraTargets(ck)) p.get(t.keyB)?.forEach((_, i, b) => (b[i] = (2 * rng.next() - 1) * 0.3));
  saveAdapter(dir, ck, spec, p, model);
  return dir;
}

/**
 * A scratch library with one imported 3 s clip and an adapter folder "my-adapter" for `model` (not registered in
 * the library); `cli` runs the CLI with a private model cache.
 */
export async function adapterScratch(model: string, prefix: string) {
  const dir = scratchDir(prefix);
  const env = { MOLMOSCOPE_CACHE: join(dir, 'cache'), PATH: process.env.PATH, FFMPEG_BIN: process.env.FFMPEG_BIN };
  const cli = (...argv: string[]) => runCli(argv, { env });
  const db = join(dir, 'lib.db');
  makeClip(join(dir, 'footage', 'a.mp4'), { seconds: 3 });
  assert.equal((await cli('import', join(dir, 'footage'), '--library', db, '--json')).code, 0);
  const adapter = makeTinyAdapter(model, join(dir, 'my-adapter'));
  return { dir, env, cli, db, adapter, sha: adapterRecord(model, adapter).sha256 };
}

/**
 * Registers an adapter folder in library `db` as training does (sha256 computed against its base unless given) and,
 * unless `active` is false, makes it the library's active adapter; returns its id.
 */
export function registerAdapter(
  db: string,
  a: { dir: string; name: string; baseModel: string; sha256?: string; active?: boolean },
): number {
  const lib = openLibrary(db, { create: false });
  try {
    const settings = { steps: 1, lr: 1e-4, rank: 2, alpha: 4, accumulate: 1, warmup: 0, seed: 0, checkpointEvery: 1 };
    const row = insertAdapter(lib, {
      name: a.name,
      dir: a.dir,
      sha256: a.sha256 ?? adapterRecord(a.baseModel, a.dir).sha256,
      datasetId: null,
      datasetLabel: 'test',
      baseModel: a.baseModel,
      jobId: null,
      settings,
    });
    if (a.active !== false) setActiveAdapter(lib, row.id);
    return row.id;
  } finally {
    lib.close();
  }
}
