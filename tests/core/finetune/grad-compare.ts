// Compares every LoRA gradient of a step with expected ones (max-relative error per tensor, asserted under a gate).
import assert from 'node:assert/strict';
import type { LoraParams } from '../../../src-main/core/finetune/lora.js';
import { maxRel } from './fixture.js';

/** Asserts each tensor's max-relative error is under `gate`; returns the worst one. */
export function assertGradsClose(got: LoraParams, expected: ReadonlyMap<string, Float32Array>, gate: number): number {
  assert.equal(got.size, expected.size, 'number of gradient tensors');
  let worst = 0;
  for (const [key, ref] of expected) {
    const g = got.get(key);
    assert.ok(g, `no gradient for ${key}`);
    const e = maxRel(g, ref);
    worst = Math.max(worst, e);
    assert.ok(e < gate, `${key}: max rel ${e}`);
  }
  return worst;
}
