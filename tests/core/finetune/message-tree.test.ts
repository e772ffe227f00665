// Message trees on the tiny checkpoint: a tree of k answers on one image gives each branch exactly the per-token CE of
// that answer trained alone, and the gradient of the weighted sum of the k standalone losses; a tree whose branches
// see each other, or whose positions do not restart after the prefix, does not (the test can fail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { loadCheckpoint } from '../../../src-main/core/molmo2/checkpoint/load.js';
import { loadTokenizer } from '../../../src-main/core/molmo2/tokenizer/tokenizer.js';
import { Molmo2Runtime } from '../../../src-main/core/molmo2/engine/runtime.js';
import { openCheckpoint } from '../../../src-main/core/molmo2/weights.js';
import { createMediaService } from '../../../src-main/core/media/index.js';
import { parseDataset } from '../../../src-main/core/finetune/dataset.js';
import { buildExample } from '../../../src-main/core/finetune/examples.js';
import { TrainSession, type TrainExample } from '../../../src-main/core/finetune/train-session.js';
import type { LoraParams } from '../../../src-main/core/finetune/lora.js';
import { assertGradsClose } from './grad-compare.js';
import { FIXTURE_CHECKPOINT, FIXTURE_DIR, FIXTURE_SPEC, fixtureInit, maxRel } from './fixture.js';

const dir = tinyCheckpoint(FIXTURE_CHECKPOINT);
const ck = openCheckpoint(dir);

const ANSWERS = [
  { q: 'Point to the people.', a: 'Counting the <points coords="1 1 500 400">people</points> shows a total of 1.' },
  { q: 'What is in the picture?', a: 'A crowd of people walking through a bright concourse.' },
  { q: 'Point to the people.', a: 'There are none.' }, // the same question again: a branch of its own all the same
];
const messages = (x: { q: string; a: string }) => [
  { role: 'user', content: x.q },
  { role: 'assistant', content: x.a },
];

/** The tree line and the k standalone lines, built by the dataset path. */
async function buildAll(): Promise<{ tree: TrainExample; alone: TrainExample[] }> {
  const image = 'image_caption_frame5.png';
  const text = [
    JSON.stringify({ image, answers: ANSWERS.map((x, i) => ({ messages: messages(x), ref: `a${i}` })) }),
    ...ANSWERS.map((x) => JSON.stringify({ image, messages: messages(x) })),
  ].join('\n');
  const { lines, bad } = parseDataset(text, join(FIXTURE_DIR, 'data.jsonl'));
  assert.deepEqual(bad, []);
  const cacheDir = scratchDir('tree');
  const runtime = Molmo2Runtime.open(dir, { provider: 'cpu', cacheDir });
  try {
    const c = {
      checkpoint: await loadCheckpoint(dir),
      tokenizer: await loadTokenizer(dir),
      runtime,
      media: createMediaService(),
      cacheDir,
    };
    const built = [];
    for (const l of lines) built.push((await buildExample(l, c)).example);
    const [tree, ...alone] = built;
    return { tree: tree!, alone };
  } finally {
    await runtime.dispose();
  }
}

/** The tree's loss rows of branch j (1-based), in order. */
const rowsOf = (ex: TrainExample, j: number) =>
  Array.from(ex.logitPositions)
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => ex.branches![p] === j)
    .map(({ i }) => i);

const pick = (a: ArrayLike<number>, rows: number[]) => rows.map((i) => a[i]!);

function sumGrads(gs: LoraParams[]): LoraParams {
  const out: LoraParams = new Map();
  for (const g of gs)
    for (const [k, v] of g) {
      const acc = out.get(k) ?? new Float32Array(v.length);
      for (let i = 0; i < v.length; i++) acc[i] = acc[i]! + v[i]!;
      out.set(k, acc);
    }
  return out;
}

test('a tree of 3 answers: each branch has its standalone CE, the gradient is the weighted sum of theirs', async () => {
  const { tree, alone } = await buildAll();
  const k = ANSWERS.length;
  // Layout: the shared prefix holds every visual token; each branch is its own prompt rest, answer and end token.
  const P = Array.from(tree.branches!).indexOf(1);
  assert.ok(P > 0 && Array.from(tree.types).every((t, i) => t === 0 || i < P));
  const totalAlone = alone.reduce((n, e) => n + e.ids.length, 0);
  assert.equal(tree.ids.length, totalAlone - (k - 1) * P, 'the prefix is stored once');
  assert.ok(
    alone.every((e) => e.positions === undefined && e.branches === undefined),
    'single answers stay plain',
  );
  for (let j = 1; j <= k; j++) {
    const rows = rowsOf(tree, j);
    const ex = alone[j - 1]!;
    assert.deepEqual(pick(tree.targets, rows), Array.from(ex.targets), `branch ${j} targets`);
    const inBranch = Array.from(tree.ids).filter((_, i) => tree.branches![i] === j);
    assert.deepEqual(inBranch, Array.from(ex.ids).slice(P), `branch ${j} tokens`);
    assert.deepEqual(
      Array.from(tree.positions!).filter((_, i) => tree.branches![i] === j),
      Array.from({ length: inBranch.length }, (_, i) => P + i),
      `branch ${j} positions restart after the prefix`,
    );
  }
  // Weights (Molmo2's rules, k = 3): points 0.2 as alone; the free answer 2/√n (n without its end token) ÷ √3.
  const w = (j: number) => pick(tree.weights, rowsOf(tree, j));
  assert.ok(w(1).every((x) => x === 0.2));
  const n2 = rowsOf(tree, 2).length - 1;
  assert.ok(
    w(2).every((x) => Math.abs(x - 2 / Math.sqrt(n2) / Math.sqrt(3)) < 1e-12),
    `free answer weight ${w(2)[0]}`,
  );
  assert.ok(alone[1]!.weights[0] === 2 / Math.sqrt(n2 + 1), 'alone: 2/√n with the end token counted');

  const s = await TrainSession.open(ck, { spec: FIXTURE_SPEC, cacheDir: scratchDir('tree-step') });
  try {
    const params = fixtureInit(); // non-zero B: every LoRA gradient is non-trivial
    const W = 1.7;
    const t = await s.step(tree, params, W);
    // Each standalone example with its branch's weights and the same W_tot: the tree loss is the sum of their losses.
    const parts = [];
    for (let j = 1; j <= k; j++) {
      const ex = alone[j - 1]!;
      parts.push(await s.step({ ...ex, weights: w(j) }, params, W));
    }
    let worstCe = 0;
    for (let j = 1; j <= k; j++) {
      const e = maxRel(pick(t.ce, rowsOf(tree, j)), parts[j - 1]!.ce);
      worstCe = Math.max(worstCe, e);
      assert.ok(e < 1e-5, `branch ${j} CE max rel ${e}`);
    }
    const lossSum = parts.reduce((a, r) => a + r.loss, 0);
    assert.ok(Math.abs(t.loss - lossSum) / lossSum < 1e-5, `tree loss ${t.loss} vs Σ standalone ${lossSum}`);
    const expected = sumGrads(parts.map((r) => r.grads));
    const worstGrad = assertGradsClose(t.grads, expected, 1e-5);
    console.log(
      `tree ${tree.ids.length} tokens vs ${totalAlone} alone; worst CE max-rel ${worstCe.toExponential(2)}, loss rel ${(Math.abs(t.loss - lossSum) / lossSum).toExponential(2)}, worst grad max-rel ${worstGrad.toExponential(2)}`,
    );

    // The test can fail: branches that see each other, or positions that run on through the earlier branches.
    const S = tree.ids.length;
    const seeAll = await s.step({ ...tree, branches: new Array<number>(S).fill(0) }, params, W);
    const runOn = await s.step({ ...tree, positions: Array.from({ length: S }, (_, i) => i) }, params, W);
    for (const [what, r] of [
      ['branches that see each other', seeAll],
      ['positions that do not restart', runOn],
    ] as const) {
      const e = maxRel(pick(r.ce, rowsOf(tree, 3)), parts[2]!.ce);
      assert.ok(e > 1e-3, `${what}: the last branch's CE moved only ${e}`);
    }
    // The first branch is unaffected by either (nothing comes between it and the prefix).
    assert.ok(maxRel(pick(seeAll.ce, rowsOf(tree, 1)), parts[0]!.ce) < 1e-5);
  } finally {
    await s.close();
  }
});

test('bad tree inputs are refused before onnxruntime with INVALID_INPUT', async () => {
  const s = await TrainSession.open(ck, { spec: FIXTURE_SPEC, cacheDir: scratchDir('tree-bad') });
  try {
    const S = 8;
    const base: TrainExample = {
      ids: [151645, 100, 101, 102, 103, 104, 105, 151645],
      types: new Array<number>(S).fill(0),
      features: new Float32Array(0),
      logitPositions: [5, 6],
      targets: [105, 151645],
      weights: [1, 1],
      positions: [0, 1, 2, 3, 2, 3, 4, 5],
      branches: [0, 0, 1, 1, 2, 2, 2, 2],
    };
    const ok = await s.step(base, fixtureInit(), 2);
    assert.ok(Number.isFinite(ok.loss));
    const maxPos = ck.config.text_config.max_position_embeddings;
    for (const [what, bad] of [
      ['short positions', { positions: [0, 1, 2] }],
      ['negative position', { positions: [0, 1, 2, 3, -1, 3, 4, 5] }],
      ['position past the context', { positions: [0, 1, 2, 3, maxPos, 3, 4, 5] }],
      ['fractional position', { positions: [0, 1, 2, 3, 2.5, 3, 4, 5] }],
      ['negative branch', { branches: [0, 0, 1, 1, -2, 2, 2, 2] }],
      ['branch id past the token count', { branches: [0, 0, 1, 1, 2, 2, 2, 99] }],
      ['long branch ids', { branches: new Array<number>(S + 1).fill(0) }],
    ] as const) {
      await assert.rejects(
        s.step({ ...base, ...bad }, fixtureInit(), 2),
        (e: Error & { code?: string }) => e.code === 'INVALID_INPUT' && /positions|branch ids/.test(e.message),
        what,
      );
    }
  } finally {
    await s.close();
  }
});
