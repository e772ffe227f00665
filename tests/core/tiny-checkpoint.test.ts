// The tiny-checkpoint generator writes the real parameter set and is reproducible for a seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTinyCheckpoint } from '../../models/tiny/make-tiny.js';
import { readSafetensorsHeader, readTensorF32 } from '../../src-main/core/molmo2/checkpoint/safetensors.js';
import { molmo2ParamShapes } from '../../src-main/core/molmo2/checkpoint/param-shapes.js';

test('the 4B release config gives exactly the released parameter count and names', () => {
  const cfg = JSON.parse(readFileSync('models/molmo2-4b/config.json', 'utf8'));
  const shapes = molmo2ParamShapes(cfg);
  const total = shapes.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
  assert.equal(total, 4_850_869_200);
  const index = JSON.parse(readFileSync('models/molmo2-4b/model.safetensors.index.json', 'utf8'));
  assert.deepEqual(new Set(shapes.map((p) => p.name)), new Set(Object.keys(index.weight_map)));
});

test('make-tiny writes every parameter, deterministic per seed, different across seeds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-'));
  try {
    makeTinyCheckpoint(join(dir, 'a'), { seed: 1 });
    makeTinyCheckpoint(join(dir, 'b'), { seed: 1 });
    makeTinyCheckpoint(join(dir, 'c'), { seed: 2, shards: 3 });
    const ha = readSafetensorsHeader(join(dir, 'a', 'model.safetensors'));
    const cfg = JSON.parse(readFileSync(join(dir, 'a', 'config.json'), 'utf8'));
    assert.deepEqual(
      [...ha.tensors.keys()].sort(),
      molmo2ParamShapes(cfg)
        .map((p) => p.name)
        .sort(),
    );
    const e = ha.tensors.get('lm_head.weight')!;
    assert.deepEqual(e.shape, [151936, 64]);
    const hb = readSafetensorsHeader(join(dir, 'b', 'model.safetensors'));
    const a = readTensorF32(ha.file, ha.tensors.get('model.transformer.blocks.0.self_attn.att_proj.weight')!);
    const b = readTensorF32(hb.file, hb.tensors.get('model.transformer.blocks.0.self_attn.att_proj.weight')!);
    assert.deepEqual(a, b);
    const index = JSON.parse(readFileSync(join(dir, 'c', 'model.safetensors.index.json'), 'utf8'));
    const shard = index.weight_map['model.transformer.blocks.0.self_attn.att_proj.weight'];
    const hc = readSafetensorsHeader(join(dir, 'c', shard));
    const c = readTensorF32(hc.file, hc.tensors.get('model.transformer.blocks.0.self_attn.att_proj.weight')!);
    assert.notDeepEqual(a, c);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
