// Video (3×3 pooling, three frames): vision features, logits and 32 greedy tokens vs reference.
import { test } from 'node:test';
import { videoInputs } from './inputs.js';
import { checkParity } from './parity.js';

test('video, three frames: ONNX graphs agree with the TypeScript reference', async () => {
  await checkParity(videoInputs(5, 3));
});
