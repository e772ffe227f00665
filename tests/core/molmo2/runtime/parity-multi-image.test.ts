// Two images with text labels between them: vision features, logits and 32 greedy tokens vs reference.
import { test } from 'node:test';
import { multiImageInputs } from './inputs.js';
import { checkParity } from './parity.js';

test('two images: ONNX graphs agree with the TypeScript reference', async () => {
  await checkParity(multiImageInputs(7, 2));
});
