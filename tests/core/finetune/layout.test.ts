// The training layout: a data line built by the dataset path (image + question + answer) gives exactly the
// reference's training ids (generation prompt, answer, <|im_end|>; no stray space token 220 before the assistant
// tag), the loss rows of the answer + end token, and features close to the reference connector output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { loadCheckpoint } from '../../../src-main/core/molmo2/checkpoint/load.js';
import { loadTokenizer } from '../../../src-main/core/molmo2/tokenizer/tokenizer.js';
import { Molmo2Runtime } from '../../../src-main/core/molmo2/engine/runtime.js';
import { parseDataset } from '../../../src-main/core/finetune/dataset.js';
import { buildExample } from '../../../src-main/core/finetune/examples.js';
import { FIXTURE_CHECKPOINT, FIXTURE_DIR, fixtureExample, maxRel } from './fixture.js';
import { createMediaService } from '../../../src-main/core/media/index.js';

test('an image line becomes the reference image_caption training example (ids, types, loss rows)', async () => {
  const dir = tinyCheckpoint(FIXTURE_CHECKPOINT);
  const cacheDir = scratchDir('layout');
  const answer = 'A crowd of people walks through a bright concourse.';
  const line = JSON.stringify({
    image: 'image_caption_frame5.png',
    weight: 0.1,
    messages: [
      { role: 'user', content: 'Point to the people.' },
      { role: 'assistant', content: answer },
    ],
  });
  const { lines, bad } = parseDataset(line, join(FIXTURE_DIR, 'data.jsonl'));
  assert.deepEqual(bad, []);
  const runtime = Molmo2Runtime.open(dir, { provider: 'cpu', cacheDir });
  try {
    const { example } = await buildExample(lines[0]!, {
      checkpoint: await loadCheckpoint(dir),
      tokenizer: await loadTokenizer(dir),
      runtime,
      media: createMediaService(),
      cacheDir,
    });
    const ref = fixtureExample('image_caption').example;
    assert.deepEqual(Array.from(example.ids), Array.from(ref.ids));
    assert.deepEqual(Array.from(example.types), Array.from(ref.types));
    assert.deepEqual(Array.from(example.logitPositions), Array.from(ref.logitPositions));
    assert.deepEqual(Array.from(example.targets), Array.from(ref.targets));
    assert.ok(Array.from(example.weights).every((w) => w === 0.1) && example.weights.length === ref.weights.length);
    // Our pixels differ from torch 1.13's resize by one 8-bit level in ~0.05 % of values (parity README): ≈5e-4.
    assert.ok(
      maxRel(example.features, ref.features) < 2e-3,
      `features max rel ${maxRel(example.features, ref.features)}`,
    );
  } finally {
    await runtime.dispose();
  }
});
