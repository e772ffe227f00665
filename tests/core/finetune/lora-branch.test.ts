// Inference with an adapter as a LoRA branch in the graphs equals inference with the adapter merged into the
// weights: same greedy tokens (generate: prefill + decode Loop; and the streamed path), same prefill logits within
// fp32 rounding; the adapter really changes the output; the branch also runs over int8 (MatMulNBits) base weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { openCheckpoint } from '../../../src-main/core/molmo2/weights.js';
import { compileGraphs, graphSessionOptions } from '../../../src-main/core/molmo2/compile/compile.js';
import { Molmo2Runtime } from '../../../src-main/core/molmo2/engine/runtime.js';
import { initLora, loraTargets, SeededRng } from '../../../src-main/core/finetune/lora.js';
import { saveAdapter } from '../../../src-main/core/finetune/adapter.js';
import { adapterModelDir, adapterRecord } from '../../../src-main/core/finetune/use-adapter.js';
import { AppError } from '../../../src-main/api/errors.js';
import { adapterFeeds, loraBranchSpec } from '../../../src-main/core/finetune/lora-feeds.js';
import type { Precision } from '../../../src-main/core/molmo2/compile/precision.js';

const base = tinyCheckpoint({ seed: 7, dtype: 'float32' });
const ck = openCheckpoint(base);
const spec = { rank: 4, alpha: 8 };

/** An adapter with non-zero B (PEFT's init has B = 0, which would change nothing). */
function adapter(): string {
  const dir = scratchDir('branch-adapter');
  const params = initLora(loraTargets(ck), spec, 3);
  const rng = new SeededRng(11);
  for (const t of loraTargets(ck)) {
    const b = params.get(t.keyB);
    if (!b) throw new Error(`no ${t.keyB}`);
    for (let i = 0; i < b.length; i++) b[i] = (2 * rng.next() - 1) * 0.5;
  }
  saveAdapter(dir, ck, spec, params, base);
  return dir;
}

const ids = [151644, 872, 198, 300, 301, 302, 303, 304, 305, 306, 151645, 198, 151644, 77091, 198];
const prompt = { ids, types: ids.map(() => 0), features: new Float32Array(0) };

async function prefillLogits(modelDir: string, precision: Precision, adapterDir?: string): Promise<Float32Array> {
  const mck = openCheckpoint(modelDir);
  const g = compileGraphs(mck, {
    cacheDir: scratchDir('branch-graphs'),
    kinds: ['prefill'],
    precision,
    ...(adapterDir ? { lora: loraBranchSpec(mck) } : {}),
  });
  const s = await ort.InferenceSession.create(readFileSync(g.paths.prefill), graphSessionOptions(g.externalDir));
  try {
    const H = mck.config.text_config.hidden_size;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [ids.length]),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(ids.length), [ids.length]),
      image_features: new ort.Tensor('float32', new Float32Array(0), [0, H]),
      ...(adapterDir ? adapterFeeds(mck, adapterDir) : {}),
    };
    return (await s.run(feeds)).logits!.data as Float32Array;
  } finally {
    await s.release();
  }
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, x, i) => Math.max(m, Math.abs(x - (b[i] ?? NaN))), 0);
const maxAbs = (a: Float32Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

test('branch and merged adapters give the same prefill logits; the adapter changes them', async () => {
  const dir = adapter();
  const merged = adapterModelDir(base, dir, scratchDir('merge-cache')).modelDir;
  const lBranch = await prefillLogits(base, 'fp32', dir);
  const lMerged = await prefillLogits(merged, 'fp32');
  const lBase = await prefillLogits(base, 'fp32');
  const scale = maxAbs(lMerged);
  const diff = maxAbsDiff(lBranch, lMerged);
  console.log(
    `logits: max|branch − merged| ${diff.toExponential(2)}, max|merged − base| ${maxAbsDiff(lMerged, lBase).toExponential(2)}, max|logit| ${scale.toFixed(3)}`,
  );
  assert.ok(diff <= 1e-5 * scale, `branch vs merged ${diff} over ${scale}`);
  assert.ok(maxAbsDiff(lMerged, lBase) > 1e-2 * scale, 'the adapter must change the logits');
});

test('branch and merged adapters generate the same greedy tokens (generate Loop and streamed)', async () => {
  const dir = adapter();
  const merged = adapterModelDir(base, dir, scratchDir('merge-cache')).modelDir;
  const br = Molmo2Runtime.open(base, { provider: 'cpu', cacheDir: scratchDir('rt-branch'), adapterDir: dir });
  const mg = Molmo2Runtime.open(merged, { provider: 'cpu', cacheDir: scratchDir('rt-merged') });
  const plain = Molmo2Runtime.open(base, { provider: 'cpu', cacheDir: scratchDir('rt-base') });
  try {
    const req = { ...prompt, maxNewTokens: 24, repeatGuard: 0 };
    const a = await br.generate(req);
    const b = await mg.generate(req);
    const c = await plain.generate(req);
    assert.equal(a.tokens.length, 24);
    assert.deepEqual(a.tokens, b.tokens);
    assert.notDeepEqual(a.tokens, c.tokens, 'the adapter must change the greedy answer');
    const streamed: number[] = [];
    const s = await br.generateStream(req, 5, (t) => streamed.push(...t));
    assert.deepEqual(s.tokens, b.tokens, 'the resume graph takes the adapter too');
    assert.deepEqual((await br.generateNaive(req)).tokens, b.tokens, 'prefill + step graphs take the adapter too');
  } finally {
    await Promise.all([br.dispose(), mg.dispose(), plain.dispose()]);
  }
});

test('the branch runs over int8 base weights (MatMulNBits) without re-quantising them', async () => {
  const dir = adapter();
  const merged = adapterModelDir(base, dir, scratchDir('merge-cache')).modelDir;
  const ref = await prefillLogits(merged, 'fp32');
  const q8Branch = await prefillLogits(base, 'int8', dir);
  const q8Base = await prefillLogits(base, 'int8');
  const err = maxAbsDiff(q8Branch, ref);
  console.log(
    `int8: max|branch − fp32 merged| ${err.toExponential(2)}, max|int8 base − fp32 merged| ${maxAbsDiff(q8Base, ref).toExponential(2)}`,
  );
  assert.ok(
    err < 0.1 * maxAbsDiff(q8Base, ref),
    'int8 + branch is near the fp32 adapted model, far nearer than the int8 base',
  );
});

test('an adapter rewritten after it was chosen is refused when the engine opens it (results never name another)', () => {
  const dir = adapter();
  const good = adapterRecord(base, dir).sha256;
  assert.doesNotThrow(() =>
    Molmo2Runtime.open(base, { provider: 'cpu', cacheDir: scratchDir('rt-sha'), adapterDir: dir, adapterSha256: good }),
  );
  const stale = good.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  assert.throws(
    () =>
      Molmo2Runtime.open(base, {
        provider: 'cpu',
        cacheDir: scratchDir('rt-sha'),
        adapterDir: dir,
        adapterSha256: stale,
      }),
    (e: unknown) =>
      e instanceof AppError && e.code === 'MODEL_INVALID' && /changed since it was chosen/.test(e.message),
  );
});

test('on the tiny O-7B (OLMo3 blocks) the branch equals the merged adapter too; a linear the graphs never use is refused', async () => {
  const o7b = tinyCheckpoint({ seed: 1, variant: 'o-7b' });
  const ock = openCheckpoint(o7b);
  const dir = scratchDir('o7b-adapter');
  const params = initLora(loraTargets(ock), spec, 3);
  const rng = new SeededRng(12);
  for (const t of loraTargets(ock)) params.get(t.keyB)?.forEach((_, i, b) => (b[i] = (2 * rng.next() - 1) * 0.5));
  saveAdapter(dir, ock, spec, params, o7b);
  const merged = adapterModelDir(o7b, dir, scratchDir('merge-cache')).modelDir;
  const br = Molmo2Runtime.open(o7b, { provider: 'cpu', cacheDir: scratchDir('rt-o7b-branch'), adapterDir: dir });
  const mg = Molmo2Runtime.open(merged, { provider: 'cpu', cacheDir: scratchDir('rt-o7b-merged') });
  try {
    const req = { ...prompt, maxNewTokens: 12, repeatGuard: 0 };
    assert.deepEqual((await br.generate(req)).tokens, (await mg.generate(req)).tokens);
  } finally {
    await Promise.all([br.dispose(), mg.dispose()]);
  }
  const bogus = new Map([
    ...loraBranchSpec(ck),
    ['model.transformer.blocks.0.mlp.not_a_linear.weight', { a: 'x.A', b: 'x.B', inFeatures: 4, outFeatures: 4 }],
  ]);
  assert.throws(
    () => compileGraphs(ck, { cacheDir: scratchDir('branch-graphs'), kinds: ['step'], lora: bogus }),
    (e: unknown) => e instanceof AppError && e.code === 'MODEL_UNSUPPORTED',
  );
});
