// Shared by the precision tests and bench/precision/fidelity.ts: last-position logits and greedy tokens of one
// prompt at one weight precision, through the same compiled graphs and sessions the app runs.
import * as ort from 'onnxruntime-node';
import { Molmo2Runtime } from '../../../src-main/core/molmo2/engine/runtime.js';
import type { Precision } from '../../../src-main/core/molmo2/compile/precision.js';
import type { ModelInputs } from './runtime/inputs.js';

export interface PrecisionRun {
  logits: Float32Array;
  greedy: number[];
  features: Float32Array;
}

/** A runtime at `precision` with a prefill session opened on its compiled prefill graph. */
export async function openAt(dir: string, precision: Precision, cacheDir: string) {
  const rt = Molmo2Runtime.open(dir, { provider: 'cpu', cacheDir, precision });
  return { rt, run: (inp: ModelInputs, tokens: number) => runAt(rt, inp, tokens) };
}

/** Vision features, the prefill graph's last-position logits and `tokens` greedy tokens for one prompt. */
export async function runAt(rt: Molmo2Runtime, inp: ModelInputs, tokens: number): Promise<PrecisionRun> {
  const { features } = inp.nCrops
    ? await rt.vision(inp.pixels, inp.nCrops, inp.pooling, inp.k)
    : { features: new Float32Array(0) };
  const g = await rt.generate({ ids: inp.ids, types: inp.types, features, maxNewTokens: tokens, repeatGuard: 0 });
  const H = rt.ck.config.text_config.hidden_size;
  const s = await rt.createSession('prefill');
  try {
    const r = await s.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(inp.ids.map(BigInt)), [inp.ids.length]),
      token_type_ids: new ort.Tensor('int64', BigInt64Array.from(inp.types.map(BigInt)), [inp.types.length]),
      image_features: new ort.Tensor('float32', features, [features.length / H, H]),
    });
    return { logits: r.logits!.data as Float32Array, greedy: g.tokens, features };
  } finally {
    await s.release();
  }
}

/** Length of the common prefix of two token lists. */
export function commonPrefix(a: number[], b: number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
