// Molmo2-O-7B against Allen AI's own Hugging Face port: tests/fixtures/o7b-parity holds what the reference computed
// on the tiny O-7B checkpoint (connector features, last-position logits, 32 greedy tokens); the project's graphs and
// its TypeScript reference must give the same from the same ids and features.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { Molmo2Runtime } from '../../../../src-main/core/molmo2/engine/runtime.js';
import { referencePrefill } from '../../../../src-main/core/molmo2/reference/llm.js';
import { relError } from '../../../../src-main/core/molmo2/reference/math.js';
import { scratchDir, tinyCheckpoint } from '../../../helpers/tiny.js';
import { readNpz } from '../precision-npz.js';

const FIXTURE = 'tests/fixtures/o7b-parity';
/** The reference's fp32 logits against ours: measured 3e-7…6e-7 (README there); headroom for other CPUs. */
const TOL = 1e-5;

function fixtureCase(name: string) {
  const z = readNpz(join(FIXTURE, `${name}.npz`));
  const get = (k: string) => {
    const a = z.get(k);
    if (!a) throw new Error(`${name}.npz has no ${k}`);
    return a;
  };
  return {
    ids: Array.from(get('input_ids').data),
    types: Array.from(get('token_type_ids').data),
    features: Float32Array.from(get('image_features').data),
    logits: Float32Array.from(get('last_logits').data),
    tokens: Array.from(get('greedy_tokens').data),
  };
}

test('the fixture was made on the checkpoint make-tiny --variant o-7b --seed 1 writes today', () => {
  const meta = JSON.parse(readFileSync(join(FIXTURE, 'meta.json'), 'utf8')) as { checkpoint_sha256: string };
  const sha = createHash('sha256')
    .update(readFileSync(join(tinyCheckpoint({ seed: 1, variant: 'o-7b' }), 'model.safetensors')))
    .digest('hex');
  assert.equal(sha, meta.checkpoint_sha256);
});

for (const name of ['image', 'video']) {
  test(`O-7B ${name}: graphs and TypeScript reference match Allen AI's HF port (logits, 32 greedy tokens)`, async () => {
    const c = fixtureCase(name);
    const rt = Molmo2Runtime.open(tinyCheckpoint({ seed: 1, variant: 'o-7b' }), {
      provider: 'cpu',
      cacheDir: scratchDir('o7b-ref'),
    });
    try {
      const H = rt.ck.config.text_config.hidden_size;
      const s = await rt.createSession('prefill');
      const r = await s.run({
        input_ids: new ort.Tensor('int64', BigInt64Array.from(c.ids.map(BigInt)), [c.ids.length]),
        token_type_ids: new ort.Tensor('int64', BigInt64Array.from(c.types.map(BigInt)), [c.types.length]),
        image_features: new ort.Tensor('float32', c.features, [c.features.length / H, H]),
      });
      await s.release();
      const graphErr = relError(r.logits!.data as Float32Array, c.logits);
      const tsErr = relError(referencePrefill(rt.ck, c.ids, c.types, c.features).lastLogits, c.logits);
      assert.ok(graphErr <= TOL && tsErr <= TOL, `logits rel error: graph ${graphErr}, TS reference ${tsErr}`);
      // The random tiny model loops; the guard would end generation before the reference's 32 tokens.
      const got = await rt.generate({
        ids: c.ids,
        types: c.types,
        features: c.features,
        maxNewTokens: 32,
        repeatGuard: 0,
      });
      assert.deepEqual(got.tokens, c.tokens);
      console.log(
        `O-7B ${name} vs HF port (${c.ids.length} tokens): logits rel graph ${graphErr.toExponential(2)}, TS ${tsErr.toExponential(2)}, ${c.tokens.length}/${c.tokens.length} greedy tokens equal`,
      );
    } finally {
      await rt.dispose();
    }
  });
}
