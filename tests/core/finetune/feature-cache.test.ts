// The visual-feature cache key: the same clip, times, preprocessing and model give the same key; a changed file
// (size or mtime), other frame times or another model give another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { loadCheckpoint } from '../../../src-main/core/molmo2/checkpoint/load.js';
import { featureKey } from '../../../src-main/core/finetune/examples.js';

test('feature cache keys follow file identity, frame times and the model', async () => {
  const ck = await loadCheckpoint(tinyCheckpoint({ seed: 7, dtype: 'float32' }));
  const other = await loadCheckpoint(tinyCheckpoint({ seed: 8, dtype: 'float32' }));
  const dir = scratchDir('fkey');
  const f = join(dir, 'clip.mp4');
  writeFileSync(f, 'x'.repeat(100));
  const k = featureKey([f], [0, 0.5], { checkpoint: ck });
  assert.equal(featureKey([f], [0, 0.5], { checkpoint: ck }), k);
  assert.notEqual(featureKey([f], [0, 1], { checkpoint: ck }), k);
  assert.notEqual(featureKey([f], [0, 0.5], { checkpoint: other }), k);
  const g = join(dir, 'copy.mp4');
  copyFileSync(f, g);
  assert.notEqual(featureKey([g], [0, 0.5], { checkpoint: ck }), k, 'another path');
  utimesSync(f, new Date(), new Date(Date.now() + 5000));
  assert.notEqual(featureKey([f], [0, 0.5], { checkpoint: ck }), k, 'touched file');
});
