// Central finite differences in float64 (an independent plain-TS forward, f64-loss.ts) against the ONNX graph's
// gradients: sampled coordinates of every LoRA tensor, and random directions over all of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tinyCheckpoint, scratchDir } from '../../helpers/tiny.js';
import { openCheckpoint } from '../../../src-main/core/molmo2/weights.js';
import { SeededRng, type LoraParams } from '../../../src-main/core/finetune/lora.js';
import { TrainSession, type TrainExample } from '../../../src-main/core/finetune/train-session.js';
import { F64Loss, loraKeys } from './f64-loss.js';
import { FIXTURE_CHECKPOINT, FIXTURE_SPEC, fixtureExample, fixtureInit } from './fixture.js';

const ck = openCheckpoint(tinyCheckpoint(FIXTURE_CHECKPOINT));

/** 36 tokens: text, 12 visual (bidirectional) tokens with features, text, then 4 weighted answer tokens. */
function syntheticExample(): TrainExample {
  const rng = new SeededRng(99);
  const H = ck.config.text_config.hidden_size;
  const patch = ck.config.image_patch_id;
  const text = (n: number) => Array.from({ length: n }, () => 100 + Math.floor(rng.next() * 5000));
  const ids = [151645, ...text(5), ...Array<number>(12).fill(patch), ...text(14), ...text(3), 151645];
  const types = ids.map((id) => (id === patch ? 1 : 0));
  const first = ids.length - 4;
  const positions = Array.from({ length: 4 }, (_, i) => first - 1 + i);
  return {
    ids,
    types,
    features: Float32Array.from({ length: 12 * H }, () => rng.next() - 0.5),
    logitPositions: positions,
    targets: positions.map((p) => ids[p + 1]!),
    weights: [0.2, 0.2, 0.1, 0.7],
  };
}

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((p, q) => p + q, 0);

test('the float64 TS forward reproduces the reference loss (so it is a fair judge)', () => {
  const f = fixtureExample('video_points');
  const l = new F64Loss(ck, FIXTURE_SPEC).loss(f.example, fixtureInit());
  assert.ok(Math.abs(l - f.loss) / f.loss < 1e-6, `f64 loss ${l} vs reference ${f.loss}`);
});

test('graph gradients equal central differences of the float64 loss (sampled coordinates and directions)', async () => {
  const ex = syntheticExample();
  const params = fixtureInit();
  const s = await TrainSession.open(ck, { spec: FIXTURE_SPEC, cacheDir: scratchDir('lora-fd') });
  const r = await s.step(ex, params, sum(ex.weights));
  await s.close();
  const f64 = new F64Loss(ck, FIXTURE_SPEC);
  const L = (p: LoraParams) => {
    const m = new Map([...p].map(([k, v]) => [k, Float64Array.from(v) as unknown as Float32Array]));
    return f64.loss(ex, m);
  };
  assert.ok(Math.abs(L(params) - r.loss) / r.loss < 1e-6, 'fp32 graph loss vs fp64 loss');
  const h = 1e-4;
  const rng = new SeededRng(5);
  let worst = 0;
  for (const key of loraKeys(ck)) {
    const g = r.grads.get(key)!;
    let big = 0;
    for (let i = 1; i < g.length; i++) if (Math.abs(g[i]!) > Math.abs(g[big]!)) big = i;
    const gmax = Math.abs(g[big]!);
    for (const i of rng.next() < 0.5 ? [big] : [big, Math.floor(rng.next() * g.length)]) {
      // Float64 perturbation: the f64 forward reads these through Float64Array.from, so build them in f64.
      const fp = (p: LoraParams, d: number) => {
        const m = new Map([...p].map(([k, v]) => [k, Float64Array.from(v)]));
        m.get(key)![i] = m.get(key)![i]! + d;
        return f64.loss(ex, m as unknown as LoraParams);
      };
      const fd = (fp(params, h) - fp(params, -h)) / (2 * h);
      const err = Math.abs(fd - g[i]!) / gmax;
      worst = Math.max(worst, err);
      assert.ok(err < 1e-4, `${key}[${i}]: graph ${g[i]} vs fd ${fd} (rel to max ${err})`);
    }
  }
  for (let dir = 0; dir < 2; dir++) {
    const u = new Map(loraKeys(ck).map((k) => [k, Float64Array.from(params.get(k)!, () => rng.next() - 0.5)]));
    let dot = 0;
    let mag = 0; // Σ|uᵢ·gᵢ|: the scale fp32 rounding of the gradient is relative to (the dot itself may cancel)
    for (const [k, v] of u)
      v.forEach((x, i) => ((dot += x * r.grads.get(k)![i]!), (mag += Math.abs(x * r.grads.get(k)![i]!))));
    const at = (t: number) =>
      f64.loss(
        ex,
        new Map(
          [...params].map(([k, v]) => [k, Float64Array.from(v, (x, i) => x + t * u.get(k)![i]!)]),
        ) as unknown as LoraParams,
      );
    const fd = (at(h) - at(-h)) / (2 * h);
    const err = Math.abs(fd - dot) / mag;
    worst = Math.max(worst, err);
    assert.ok(err < 1e-5, `direction ${dir}: graph ${dot} vs fd ${fd}`);
  }
  console.log(
    `finite differences: worst relative error ${worst.toExponential(2)} (largest + random coordinates of all 16 tensors, 2 directions)`,
  );
});
