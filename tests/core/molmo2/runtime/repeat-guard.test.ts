// The in-graph degenerate-repetition detector on hand-made token histories (run through onnxruntime).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { Graph } from '../../../../src-main/core/molmo2/compile/graph.js';
import { encodeModel } from '../../../../src-main/core/molmo2/compile/emit.js';
import { repetitionDetected } from '../../../../src-main/core/molmo2/compile/repeat-guard.js';
import { scratchDir } from '../../../helpers/tiny.js';

test('repeat guard: fires on p-periodic tails of ≥ max(R·p, 12) tokens, not on shorter or aperiodic ones', async () => {
  const g = new Graph('guard');
  const hist = g.input('hist', 'int64', ['n']);
  const r = g.input('repeats', 'int64', []);
  g.output(repetitionDetected(g, hist, r), 'hit');
  const file = join(scratchDir('guard'), 'g.onnx');
  writeFileSync(file, encodeModel(g));
  const s = await ort.InferenceSession.create(file);
  const hit = async (h: number[], rep = 4) => {
    const out = await s.run({
      hist: new ort.Tensor('int64', BigInt64Array.from(h.map(BigInt)), [h.length]),
      repeats: new ort.Tensor('int64', BigInt64Array.of(BigInt(rep)), []),
    });
    return (out.hit!.data as Uint8Array)[0] === 1;
  };
  const tri = [7, 8, 9];
  assert.equal(await hit([1, 2, ...tri, ...tri, ...tri, ...tri]), true, 'period 3 × 4');
  assert.equal(await hit([1, 2, ...tri, ...tri, ...tri]), false, 'period 3 × 3 (9 < 12 tokens)');
  assert.equal(await hit(Array(12).fill(5)), true, 'one token × 12');
  assert.equal(await hit(Array(11).fill(5)), false, 'one token × 11');
  assert.equal(await hit([...tri, ...tri, ...tri, ...tri, 4]), false, 'broken by the last token');
  assert.equal(await hit(Array.from({ length: 40 }, (_, i) => i)), false, 'aperiodic');
  assert.equal(await hit([1, 2, ...tri, ...tri, ...tri, ...tri], 0), false, 'off');
  const p16 = Array.from({ length: 16 }, (_, i) => 100 + i);
  assert.equal(await hit([...p16, ...p16, ...p16, ...p16]), true, 'period 16 × 4');
  assert.equal(await hit([]), false, 'empty history');
});
