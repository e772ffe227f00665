// The training graph as onnxruntime optimises it: the layer recompute survives common-subexpression elimination
// (one Softmax per layer in the forward and one more per recomputed layer), and bad inputs are refused before ORT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { openCheckpoint } from '../../../src-main/core/molmo2/weights.js';
import { compileTrainGraph, TrainSession } from '../../../src-main/core/finetune/train-session.js';
import { graphSessionOptions } from '../../../src-main/core/molmo2/compile/compile.js';
import { initLora } from '../../../src-main/core/finetune/lora.js';
import { FIXTURE_CHECKPOINT, FIXTURE_SPEC, fixtureExample } from './fixture.js';

const ck = openCheckpoint(tinyCheckpoint(FIXTURE_CHECKPOINT));
const L = ck.config.text_config.num_hidden_layers;

async function optimisedOps(recompute: boolean): Promise<Map<string, number>> {
  const dir = scratchDir('lora-graph');
  const { path, externalDir } = compileTrainGraph(ck, { spec: FIXTURE_SPEC, cacheDir: dir, recompute });
  const out = join(dir, `opt-${recompute}.onnx`);
  const s = await ort.InferenceSession.create(readFileSync(path), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    optimizedModelFilePath: out,
    ...graphSessionOptions(externalDir),
  });
  await s.release();
  const m = onnxProto.onnx.ModelProto.decode(readFileSync(out));
  const counts = new Map<string, number>();
  for (const n of m.graph!.node!) counts.set(n.opType!, (counts.get(n.opType!) ?? 0) + 1);
  return counts;
}

test('after onnxruntime optimisation (level all) the recompute is still there: 2 Softmax per layer, else 1', async () => {
  assert.equal((await optimisedOps(true)).get('Softmax'), 2 * L);
  assert.equal((await optimisedOps(false)).get('Softmax'), L);
});

test('malformed examples and parameters are refused with INVALID_INPUT before onnxruntime sees them', async () => {
  const s = await TrainSession.open(ck, { spec: FIXTURE_SPEC, cacheDir: scratchDir('lora-graph') });
  try {
    const ex = fixtureExample('video_points').example;
    const p = initLora(s.targets, FIXTURE_SPEC, 1);
    const bad = [
      { ...ex, targets: Array.from(ex.targets, () => 10 ** 9) },
      { ...ex, logitPositions: Array.from(ex.logitPositions, () => ex.ids.length) },
      { ...ex, logitPositions: Array.from(ex.logitPositions, () => 5) },
      { ...ex, weights: Array.from(ex.weights, () => NaN) },
      { ...ex, types: [0] },
      { ...ex, features: new Float32Array(7) },
      { ...ex, targets: [], logitPositions: [], weights: [] },
    ];
    for (const b of bad) await assert.rejects(s.step(b, p, 1), (e: { code?: string }) => e.code === 'INVALID_INPUT');
    await assert.rejects(s.step(ex, p, 0), (e: { code?: string }) => e.code === 'INVALID_INPUT');
    const short = new Map(p);
    short.set([...p.keys()][0]!, new Float32Array(3));
    await assert.rejects(s.step(ex, short, 1), (e: { code?: string }) => e.code === 'INVALID_INPUT');
    // One feature row too few for the <im_patch> tokens (the graph would silently add zeros to the last one).
    await assert.rejects(
      s.step({ ...ex, features: ex.features.subarray(64) }, p, 1),
      (e: { code?: string }) => e.code === 'INVALID_INPUT',
    );
  } finally {
    await s.close();
  }
});
