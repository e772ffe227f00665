// Shared parity check: ONNX graphs (vision, generate, naive baseline) against the plain-TypeScript reference.
import assert from 'node:assert/strict';
import { Molmo2Runtime } from '../../../../src-main/core/molmo2/engine/runtime.js';
import { referenceVision } from '../../../../src-main/core/molmo2/reference/vision.js';
import { referenceGreedy, referencePrefill } from '../../../../src-main/core/molmo2/reference/llm.js';
import { relError } from '../../../../src-main/core/molmo2/reference/math.js';
import { scratchDir, tinyCheckpoint } from '../../../helpers/tiny.js';
import type { TinyOptions } from '../../../../models/tiny/make-tiny.js';
import type { ModelInputs } from './inputs.js';
import * as ort from 'onnxruntime-node';

export const TOL = 1e-4;

/** Parity on the tiny checkpoint of `tiny` (default: the Qwen3 one, seed 1); `gen.repeatGuard` 0 lets a looping random model run on. */
export async function checkParity(
  inp: ModelInputs,
  tiny: TinyOptions = { seed: 1 },
  gen: { repeatGuard?: number } = {},
): Promise<void> {
  const rt = Molmo2Runtime.open(tinyCheckpoint(tiny), { provider: 'cpu', cacheDir: scratchDir('rt-cache') });
  try {
    const { features } = await rt.vision(inp.pixels, inp.nCrops, inp.pooling, inp.k);
    const ref = referenceVision(rt.ck, inp.pixels, inp.nCrops, inp.pooling, inp.k);
    assert.equal(features.length, ref.length);
    const ve = relError(features, ref);
    assert.ok(ve <= TOL, `vision features rel error ${ve}`);

    const pre = referencePrefill(rt.ck, inp.ids, inp.types, ref);
    const naive = await rt.generateNaive({ ids: inp.ids, types: inp.types, features: ref, maxNewTokens: 32 });
    // The prefill graph's last-position logits, through the same session the baseline uses.
    const H = rt.ck.config.text_config.hidden_size;
    const s = await rt.createSession('prefill');
    const r = await s.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(inp.ids.map(BigInt)), [inp.ids.length]),
      token_type_ids: new ort.Tensor('int64', BigInt64Array.from(inp.types.map(BigInt)), [inp.types.length]),
      image_features: new ort.Tensor('float32', ref, [ref.length / H, H]),
    });
    await s.release();
    const le = relError(r.logits!.data as Float32Array, pre.lastLogits);
    assert.ok(le <= TOL, `last-position logits rel error ${le}`);

    const want = referenceGreedy(rt.ck, inp.ids, inp.types, ref, 32);
    assert.equal(want.length, 32, 'reference stopped early (EOS) — pick another seed');
    const got = await rt.generate({ ids: inp.ids, types: inp.types, features: ref, maxNewTokens: 32, ...gen });
    assert.deepEqual(got.tokens, want, 'in-graph Loop greedy tokens');
    assert.deepEqual(naive.tokens, want, 'JS-loop baseline greedy tokens');
    console.log(
      `parity${tiny.variant ? ` ${tiny.variant}` : ''} (${inp.nCrops} crops, ${inp.ids.length} tokens): vision rel ${ve.toExponential(2)}, last logits rel ${le.toExponential(2)}, 32/32 greedy tokens equal`,
    );
  } finally {
    await rt.dispose();
  }
}
