// Molmo2-O-7B (OLMo3 decoder: post-norm blocks, OLMo QK-norm over the whole projection, YaRN on layer 3 of 4, MHA):
// the ONNX graphs agree with the TypeScript reference on the tiny O-7B checkpoint, for an image and a video.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCheckpoint } from '../../../../src-main/core/molmo2/checkpoint/load.js';
import { openCheckpoint } from '../../../../src-main/core/molmo2/weights.js';
import { referencePrefill } from '../../../../src-main/core/molmo2/reference/llm.js';
import { relError } from '../../../../src-main/core/molmo2/reference/math.js';
import { tinyCheckpoint } from '../../../helpers/tiny.js';
import { imageInputs, toO7bIds, videoInputs } from './inputs.js';
import { checkParity } from './parity.js';

const O7B = { seed: 1, variant: 'o-7b' } as const;

test('tiny O-7B checkpoint validates as OLMo3 with O-7B ids, and its config selects every OLMo3 feature', async () => {
  const ck = await loadCheckpoint(tinyCheckpoint(O7B));
  assert.equal(ck.variant, 'olmo3');
  const t = ck.config.text_config;
  assert.deepEqual(
    [
      t.norm_after,
      t.qk_norm_type,
      t.rope_scaling?.rope_type,
      t.rope_scaling_layers,
      t.num_key_value_heads,
      t.vocab_size,
    ],
    [true, 'olmo', 'yarn', [3], 4, 100278],
  );
  assert.deepEqual(
    [ck.specialIds.bos, ck.specialIds.eos, ck.specialIds.imPatch, ck.specialIds.imStart],
    [100257, 100257, 100280, 100278],
  );
});

test('each OLMo3 feature changes the reference logits (none is a no-op on the tiny checkpoint)', () => {
  const ck = openCheckpoint(tinyCheckpoint(O7B));
  const ids = [100257, 300, 301, 302, 303, 304, 305, 306];
  const types = ids.map(() => 0);
  const base = referencePrefill(ck, ids, types, null).lastLogits;
  const variants: Array<[string, (t: typeof ck.config.text_config) => void]> = [
    ['pre-norm', (t) => (t.norm_after = false)],
    ['no YaRN', (t) => (t.rope_scaling_layers = [])],
    ['YaRN on every layer', (t) => (t.rope_scaling_layers = null)],
  ];
  for (const [name, edit] of variants) {
    const alt = { ...ck, config: structuredClone(ck.config) };
    edit(alt.config.text_config);
    const e = relError(referencePrefill(alt, ids, types, null).lastLogits, base);
    assert.ok(e > 1e-3, `${name}: logits moved only ${e}`);
  }
});

test('O-7B, one image, two crops: ONNX graphs agree with the TypeScript reference', async () => {
  // The random tiny model loops on a 3-gram here; the guard (default 4 repeats) would end the Loop before 32 tokens.
  await checkParity(toO7bIds(imageInputs(3, 1)), O7B, { repeatGuard: 0 });
});

test('O-7B, a 3-frame video: ONNX graphs agree with the TypeScript reference', async () => {
  await checkParity(toO7bIds(videoInputs(5, 3)), O7B);
});
