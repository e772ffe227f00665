// Query-chunked prefill attention: with a chunk much smaller than the context (and not dividing it), the graphs still
// agree with the TypeScript reference on every cached key, the last logits, and greedy tokens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { Molmo2Runtime } from '../../../../src-main/core/molmo2/engine/runtime.js';
import { referenceGreedy, referencePrefill } from '../../../../src-main/core/molmo2/reference/llm.js';
import { relError } from '../../../../src-main/core/molmo2/reference/math.js';
import { makeRng } from '../../../../models/tiny/make-tiny.js';
import { scratchDir, tinyCheckpoint } from '../../../helpers/tiny.js';
import { ID, videoInputs } from './inputs.js';
import { TOL } from './parity.js';

test('prefill in 37-row query chunks (video, ~270 tokens) matches the reference', async () => {
  const chunk = 37;
  const rt = Molmo2Runtime.open(tinyCheckpoint({ seed: 1 }), {
    provider: 'cpu',
    cacheDir: scratchDir('chunks'),
    prefillChunk: chunk,
  });
  try {
    const t = rt.ck.config.text_config;
    const H = t.hidden_size;
    const { ids, types } = videoInputs(5, 3);
    const S = ids.length;
    assert.ok(S > 6 * chunk && S % chunk !== 0, `context ${S} must span several chunks with a partial last one`);
    const nPatch = ids.filter((i) => i === ID.patch).length;
    const rng = makeRng(21);
    const features = Float32Array.from({ length: nPatch * H }, () => rng.normal());
    const ref = referencePrefill(rt.ck, ids, types, features);

    await rt.generateNaive({ ids, types, features, maxNewTokens: 1 }); // compiles + loads
    const s = await rt.createSession('prefill');
    const r = await s.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [S]),
      token_type_ids: new ort.Tensor('int64', BigInt64Array.from(types.map(BigInt)), [S]),
      image_features: new ort.Tensor('float32', features, [nPatch, H]),
    });
    await s.release();
    assert.ok(relError(r.logits!.data as Float32Array, ref.lastLogits) <= TOL, 'last-position logits');
    // Layer-1 keys of every position are functions of layer-0 attention outputs of that row: every chunk is checked.
    const k = r.present_k_1!.data as Float32Array; // [nkv, S, d]
    const d = t.head_dim;
    const got = new Float32Array(S * t.num_key_value_heads * d);
    const want = new Float32Array(got.length);
    for (let p = 0; p < S; p++) {
      want.set(ref.cache.k[1]![p]!, p * t.num_key_value_heads * d);
      for (let h = 0; h < t.num_key_value_heads; h++)
        got.set(k.subarray((h * S + p) * d, (h * S + p + 1) * d), (p * t.num_key_value_heads + h) * d);
    }
    assert.ok(relError(got, want) <= TOL, `layer-1 keys rel error ${relError(got, want)}`);

    const greedy = referenceGreedy(rt.ck, ids, types, features, 8);
    assert.deepEqual((await rt.generate({ ids, types, features, maxNewTokens: 8, repeatGuard: 0 })).tokens, greedy);
    // The first token is sampled from the prefill logits, outside the Loop: 1 and 0 new tokens still come out right.
    assert.deepEqual((await rt.generate({ ids, types, features, maxNewTokens: 1 })).tokens, greedy.slice(0, 1));
    assert.deepEqual((await rt.generate({ ids, types, features, maxNewTokens: 0 })).tokens, []);
  } finally {
    await rt.dispose();
  }
});
