// Inference with a LoRA adapter as a branch in the decoder graphs: which linears carry it (the compiler's
// LoraBranchSpec from the PEFT targets) and the feeds a run adds (every A/B factor under its PEFT key, and α/r).
import * as ort from 'onnxruntime-node';
import { AppError } from '../../api/errors.js';
import { LORA_SCALE_INPUT, type LoraBranchSpec } from '../molmo2/compile/lora-branch.js';
import type { Checkpoint } from '../molmo2/weights.js';
import { loadAdapter } from './adapter.js';
import { loraScale, loraTargets, paramShape } from './lora.js';

/** The compiler option: every adapted decoder linear of the checkpoint, its factors named by PEFT key. */
export function loraBranchSpec(ck: Checkpoint): LoraBranchSpec {
  return new Map(
    loraTargets(ck).map((t) => [
      t.weight,
      { a: t.keyA, b: t.keyB, inFeatures: t.inFeatures, outFeatures: t.outFeatures },
    ]),
  );
}

/**
 * Reads and validates the adapter for this checkpoint and returns the tensors every decoder run is fed. With
 * `expectSha256` (what the host recorded when it configured the adapter), an adapter rewritten since is refused, so
 * results never name an adapter other than the one that ran.
 */
export function adapterFeeds(ck: Checkpoint, adapterDir: string, expectSha256?: string): Record<string, ort.Tensor> {
  const a = loadAdapter(adapterDir, ck);
  if (expectSha256 !== undefined && a.hash !== expectSha256) {
    throw new AppError(
      'MODEL_INVALID',
      `adapter ${adapterDir} changed since it was chosen (sha256 ${a.hash.slice(0, 16)}…, expected ${expectSha256.slice(0, 16)}…); choose it again`,
    );
  }
  const feeds: Record<string, ort.Tensor> = {
    [LORA_SCALE_INPUT]: new ort.Tensor('float32', Float32Array.of(loraScale(a.spec)), []),
  };
  for (const t of loraTargets(ck)) {
    for (const [key, f] of [
      [t.keyA, 'A'],
      [t.keyB, 'B'],
    ] as const) {
      const data = a.params.get(key);
      if (!data) throw new AppError('INTERNAL', `adapter ${adapterDir}: ${key} missing after load`);
      feeds[key] = new ort.Tensor('float32', data, paramShape(t, f, a.spec.rank));
    }
  }
  return feeds;
}
