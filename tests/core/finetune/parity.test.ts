// Gradient parity with the reference: loss, per-token CE and dL/dA, dL/dB of all 16 LoRA tensors against torch
// autograd through Allen AI's HF port (tests/fixtures/lora-parity), and the fixture's one AdamW step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyCheckpoint, scratchDir } from '../../helpers/tiny.js';
import { openCheckpoint } from '../../../src-main/core/molmo2/weights.js';
import { TrainSession } from '../../../src-main/core/finetune/train-session.js';
import { adamwStep, newAdamWState } from '../../../src-main/core/finetune/adamw.js';
import {
  FIXTURE_CHECKPOINT,
  FIXTURE_CHECKPOINT_SHA256,
  FIXTURE_SPEC,
  fixtureExample,
  fixtureInit,
  maxRel,
} from './fixture.js';

const dir = tinyCheckpoint(FIXTURE_CHECKPOINT);
const ck = openCheckpoint(dir);
const sum = (a: ArrayLike<number>) => Array.from(a).reduce((p, q) => p + q, 0);

test('the tiny checkpoint is the one the fixtures were made for', () => {
  assert.equal(
    createHash('sha256')
      .update(readFileSync(join(dir, 'model.safetensors')))
      .digest('hex'),
    FIXTURE_CHECKPOINT_SHA256,
  );
});

for (const recompute of [true, false]) {
  test(`loss and every LoRA gradient match torch autograd within 1e-4 relative (recompute ${recompute})`, async () => {
    const s = await TrainSession.open(ck, { spec: FIXTURE_SPEC, cacheDir: scratchDir('lora-parity'), recompute });
    try {
      for (const name of ['video_points', 'image_caption'] as const) {
        const f = fixtureExample(name);
        const r = await s.step(f.example, fixtureInit(), sum(f.example.weights));
        assert.ok(Math.abs(r.loss - f.loss) / f.loss < 1e-5, `${name} loss ${r.loss} vs ${f.loss}`);
        assert.ok(maxRel(r.ce, f.ce) < 1e-5, `${name} per-token CE`);
        assert.equal(r.grads.size, 16);
        let worst = 0;
        for (const [key, ref] of f.grads) {
          const e = maxRel(r.grads.get(key)!, ref);
          worst = Math.max(worst, e);
          assert.ok(e < 1e-4, `${name} ${key}: max rel ${e}`);
        }
        console.log(
          `${name}: loss rel ${(Math.abs(r.loss - f.loss) / f.loss).toExponential(2)}, worst grad max-rel ${worst.toExponential(2)}`,
        );
      }
    } finally {
      await s.close();
    }
  });
}

test('AdamW from the fixture gradients reproduces torch.optim.AdamW (lr 1e-3) to about 1 ulp', () => {
  for (const name of ['video_points', 'image_caption'] as const) {
    const f = fixtureExample(name);
    const params = fixtureInit();
    adamwStep(
      params,
      f.grads,
      newAdamWState(params),
      { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-6, weightDecay: 0 },
      1e-3,
    );
    for (const [key, ref] of f.after) {
      const got = params.get(key)!;
      for (let i = 0; i < ref.length; i++)
        assert.ok(
          Math.abs(got[i]! - ref[i]!) <= 2e-7 * Math.max(1, Math.abs(ref[i]!)) + 1e-9,
          `${key}[${i}] ${got[i]} vs ${ref[i]}`,
        );
    }
  }
});

test('the loss after one AdamW step on our own gradients matches the reference loss after its step', async () => {
  const s = await TrainSession.open(ck, { spec: FIXTURE_SPEC, cacheDir: scratchDir('lora-parity') });
  try {
    const f = fixtureExample('video_points');
    const params = fixtureInit();
    const w = sum(f.example.weights);
    const r = await s.step(f.example, params, w);
    adamwStep(
      params,
      r.grads,
      newAdamWState(params),
      { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-6, weightDecay: 0 },
      1e-3,
    );
    const after = await s.step(f.example, params, w);
    assert.ok(Math.abs(after.loss - f.lossAfterStep) < 5e-5, `loss after step ${after.loss} vs ${f.lossAfterStep}`);
    assert.ok(after.loss < r.loss);
  } finally {
    await s.close();
  }
});

test('gradient accumulation with W_tot = Σw of the batch gives the batch loss gradient (from the two fixtures)', async () => {
  const s = await TrainSession.open(ck, { spec: FIXTURE_SPEC, cacheDir: scratchDir('lora-parity') });
  try {
    const a = fixtureExample('video_points');
    const b = fixtureExample('image_caption');
    const wa = sum(a.example.weights);
    const wb = sum(b.example.weights);
    const ra = await s.step(a.example, fixtureInit(), wa + wb);
    const rb = await s.step(b.example, fixtureInit(), wa + wb);
    // The batch loss Σw·CE/(Wa+Wb) = (Wa·La + Wb·Lb)/(Wa+Wb); its gradient from the per-example reference gradients.
    assert.ok(Math.abs(ra.loss + rb.loss - (wa * a.loss + wb * b.loss) / (wa + wb)) < 1e-5);
    for (const [key, ga] of a.grads) {
      const gb = b.grads.get(key)!;
      const ref = ga.map((x, i) => (wa * x + wb * gb[i]!) / (wa + wb));
      const got = ra.grads.get(key)!.map((x, i) => x + rb.grads.get(key)![i]!);
      assert.ok(maxRel(got, ref) < 1e-4, `${key}: ${maxRel(got, ref)}`);
    }
  } finally {
    await s.close();
  }
});
