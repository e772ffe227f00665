// A 2-branch message tree against the reference (tests/fixtures/message-tree, made by make.py there): Allen AI's HF
// port with Molmo2's multi-annotation layout, subsegment mask and restarted positions, torch autograd — the same
// loss, per-token CE and LoRA gradients from our graph, in the reference's layout and in ours (assembleTree).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { tinyCheckpoint, scratchDir } from '../../helpers/tiny.js';
import { openCheckpoint } from '../../../src-main/core/molmo2/weights.js';
import { readSafetensorsHeader, readTensorBytes } from '../../../src-main/core/molmo2/checkpoint/safetensors.js';
import { TrainSession, type TrainExample } from '../../../src-main/core/finetune/train-session.js';
import { assembleTree } from '../../../src-main/core/finetune/message-tree.js';
import { tokenWeight } from '../../../src-main/core/finetune/dataset.js';
import { assertGradsClose } from './grad-compare.js';
import { FIXTURE_CHECKPOINT, FIXTURE_SPEC, fixtureExample, fixtureInit, maxRel } from './fixture.js';

const ck = openCheckpoint(tinyCheckpoint(FIXTURE_CHECKPOINT));
const ATTEND_ALL = 10000;
const EOS = 151645;

function readFixture(): Map<string, Float32Array | Int32Array> {
  const file = resolve('tests/fixtures/message-tree/tree.safetensors');
  const out = new Map<string, Float32Array | Int32Array>();
  for (const [name, e] of readSafetensorsHeader(file).tensors) {
    const b = readTensorBytes(file, e);
    const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    out.set(name, e.dtype === 'I32' ? new Int32Array(ab) : new Float32Array(ab));
  }
  return out;
}

const f = readFixture();
const get = (k: string) => {
  const v = f.get(k);
  if (!v) throw new Error(`fixture has no ${k}`);
  return Array.from(v);
};
const refGrads = new Map(
  [...f].filter(([k]) => k.startsWith('grad.')).map(([k, v]) => [k.slice(5), v as Float32Array]),
);
const sub = get('subsegment_ids');
const ids = get('input_ids');
const rows = get('logit_positions');
const image = fixtureExample('image_caption').example; // the same image: the reference connector's features
const P = sub.indexOf(0);

/** The reference's layout as our graph's inputs: prefix = branch 0, subsegment i = branch i + 1. */
function referenceLayout(): TrainExample {
  return {
    ids,
    types: get('token_type_ids'),
    positions: get('position_ids'),
    branches: sub.map((s) => (s === ATTEND_ALL ? 0 : s + 1)),
    features: image.features,
    logitPositions: rows,
    targets: get('targets'),
    weights: get('weights'),
  };
}

/** The same two answers as assembleTree lays them out (each branch keeps its own end token as an input). */
function ourLayout(): TrainExample {
  const branches = [0, 1].map((s) => {
    const own = rows.filter((p) => sub[p] === s);
    const start = sub.indexOf(s);
    const answerIds = own.slice(0, -1).map((p) => ids[p + 1]!);
    const free = { history: [], question: 'q', answer: 'a' };
    return {
      promptIds: [...ids.slice(0, P), ...ids.slice(start, own[0]! + 1)],
      promptTypes: [...get('token_type_ids').slice(0, P), ...new Array<number>(own[0]! + 1 - start).fill(0)],
      answerIds,
      weight: tokenWeight(free, answerIds.length + 1, 2),
    };
  });
  return { ...assembleTree(branches, EOS), features: image.features };
}

test('the reference tree shares BOS + the image and restarts positions; our weights are its weights', () => {
  assert.ok(P > 1000 && sub.slice(0, P).every((s) => s === ATTEND_ALL));
  assert.deepEqual(ids.slice(0, P), Array.from(image.ids).slice(0, P));
  const ours = ourLayout();
  assert.deepEqual(Array.from(ours.targets), get('targets'));
  assert.ok(maxRel(ours.weights, get('weights')) < 1e-7, 'root_length without the end token, ÷√k');
});

for (const [name, layout] of [
  ['the reference layout', referenceLayout],
  ['our layout (assembleTree)', ourLayout],
] as const) {
  test(`${name}: loss, per-token CE and every LoRA gradient match torch autograd`, async () => {
    const s = await TrainSession.open(ck, { spec: FIXTURE_SPEC, cacheDir: scratchDir('tree-ref') });
    try {
      const ex = layout();
      const W = get('weights').reduce((a, b) => a + b, 0);
      const r = await s.step(ex, fixtureInit(), W);
      const loss = get('loss')[0]!;
      assert.ok(Math.abs(r.loss - loss) / loss < 1e-5, `loss ${r.loss} vs ${loss}`);
      const ce = maxRel(r.ce, get('per_token_ce'));
      assert.ok(ce < 1e-5, `per-token CE max rel ${ce}`);
      assert.equal(refGrads.size, 16);
      const worst = assertGradsClose(r.grads, refGrads, 1e-4);
      console.log(
        `${name}: ${ex.ids.length} tokens, loss rel ${(Math.abs(r.loss - loss) / loss).toExponential(2)}, CE max-rel ${ce.toExponential(2)}, worst grad max-rel ${worst.toExponential(2)}`,
      );
    } finally {
      await s.close();
    }
  });
}
