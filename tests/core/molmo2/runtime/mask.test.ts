// Molmo2's prefill mask: visual tokens see LATER visual tokens (and text stays causal), in the reference and the graph.
// Perturbing the last image's features must change an earlier visual token's layer-1 key, and leave earlier text alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { Molmo2Runtime } from '../../../../src-main/core/molmo2/engine/runtime.js';
import { referencePrefill } from '../../../../src-main/core/molmo2/reference/llm.js';
import { relError } from '../../../../src-main/core/molmo2/reference/math.js';
import { makeRng } from '../../../../models/tiny/make-tiny.js';
import { scratchDir, tinyCheckpoint } from '../../../helpers/tiny.js';
import { ID } from './inputs.js';

test('visual tokens attend to later visual tokens; text tokens stay causal', async () => {
  const rt = Molmo2Runtime.open(tinyCheckpoint({ seed: 1 }), { provider: 'cpu', cacheDir: scratchDir('mask') });
  const H = rt.ck.config.text_config.hidden_size;
  const d = rt.ck.config.text_config.head_dim;
  const nkv = rt.ck.config.text_config.num_key_value_heads;
  // BOS, text, image A (3 patches), text label, image B (3 patches), prompt text.
  const ids = [
    ID.bos,
    500,
    501,
    ID.imStart,
    ID.patch,
    ID.patch,
    ID.patch,
    ID.imEnd,
    502,
    ID.imStart,
    ID.patch,
    ID.patch,
    ID.patch,
    ID.imEnd,
    503,
    504,
  ];
  const types = ids.map((i) => (i >= 151936 ? 1 : 0));
  const rng = makeRng(11);
  const base = Float32Array.from({ length: 6 * H }, () => rng.normal());
  const pert = base.slice();
  for (let i = 5 * H; i < 6 * H; i++) pert[i] = pert[i]! + 3; // last patch of image B only
  const early = 4; // first patch of image A
  const text = 8; // the label between the images (type 0) — must not see image B

  // Reference: layer-1 keys (computed from layer-0 outputs, so they show what layer 0 attended to).
  const ra = referencePrefill(rt.ck, ids, types, base);
  const rb = referencePrefill(rt.ck, ids, types, pert);
  const rk = (r: typeof ra, p: number) => r.cache.k[1]![p]!;
  assert.ok(
    relError(rk(rb, early), rk(ra, early)) > 1e-3,
    'reference: early visual token did not see a later visual token',
  );
  assert.equal(relError(rk(rb, text), rk(ra, text)), 0, 'reference: text token saw a later token');
  // Text before every visual token is untouched at every depth.
  assert.equal(relError(rb.hidden.subarray(H, 2 * H), ra.hidden.subarray(H, 2 * H)), 0);

  // Graph: layer-1 keys (they depend on layer-0 attention outputs) from the prefill graph.
  await rt.generateNaive({ ids, types, features: base, maxNewTokens: 1 }); // compiles + loads
  const s = await rt.createSession('prefill');
  const run = (f: Float32Array) =>
    s.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [ids.length]),
      token_type_ids: new ort.Tensor('int64', BigInt64Array.from(types.map(BigInt)), [ids.length]),
      image_features: new ort.Tensor('float32', f, [6, H]),
    });
  const ga = await run(base);
  const gb = await run(pert);
  const key = (r: ort.InferenceSession.ReturnType, p: number) => {
    const k = r.present_k_1!.data as Float32Array; // [nkv, S, d]
    const out: number[] = [];
    for (let h = 0; h < nkv; h++) out.push(...k.subarray((h * ids.length + p) * d, (h * ids.length + p + 1) * d));
    return out;
  };
  assert.ok(
    relError(key(gb, early), key(ga, early)) > 1e-3,
    'graph: early visual token did not see a later visual token',
  );
  assert.ok(relError(key(gb, text), key(ga, text)) < 1e-7, 'graph: text token saw a later token');
  // And the graph's final logits match the reference for both inputs.
  assert.ok(relError(gb.logits!.data as Float32Array, rb.lastLogits) < 1e-4);
  await s.release();
  await rt.dispose();
});
