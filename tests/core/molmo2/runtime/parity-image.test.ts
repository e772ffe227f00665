// One image (2×2 pooling, low-res crop + a high-res tile): vision features, logits and 32 greedy tokens vs reference.
import { test } from 'node:test';
import { imageInputs } from './inputs.js';
import { checkParity } from './parity.js';

test('one image, two crops: ONNX graphs agree with the TypeScript reference', async () => {
  await checkParity(imageInputs(3, 1));
});
