// Test helper: a LoRA adapter for a tiny checkpoint with seeded non-zero B matrices (so it changes the model's
// answers), saved as a PEFT folder the way training saves one.
import { openCheckpoint } from '../../src-main/core/molmo2/weights.js';
import { initLora, loraTargets, SeededRng } from '../../src-main/core/finetune/lora.js';
import { saveAdapter } from '../../src-main/core/finetune/adapter.js';

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
