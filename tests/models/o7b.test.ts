// Molmo2-O-7B's generated checkpoints: `make-tiny --variant o-7b` through the CLI (stand-in tokenizer with O-7B's ids,
// a prompt that builds), the released-shape preset config (parameter count of the derived O-7B), its RoPE layers
// (YaRN correction range 18..35 at the released dimensions) and its memory estimate (MHA: 4× the K/V per layer).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { presetConfig, presetShards } from '../../models/tiny/presets.js';
import { parseMolmo2Config, variantOf } from '../../src-main/core/molmo2/checkpoint/config.js';
import { loadCheckpoint } from '../../src-main/core/molmo2/checkpoint/load.js';
import { molmo2ParamShapes, type Molmo2ShapeConfig } from '../../src-main/core/molmo2/checkpoint/param-shapes.js';
import { ropeKindOf, ropeParams } from '../../src-main/core/molmo2/checkpoint/rope.js';
import { estimateMemory } from '../../src-main/core/molmo2/compile/memory-estimate.js';
import { RELEASED_SHAPES } from '../../src-main/core/molmo2/compile/released-shapes.js';
import { fitChecks } from '../../src-main/core/doctor.js';
import { loadTokenizer } from '../../src-main/core/molmo2/tokenizer/tokenizer.js';
import { buildImagePrompt } from '../../src-main/core/molmo2/prompt/build.js';
import { scratchDir, tinyCheckpoint } from '../helpers/tiny.js';
import { compileTrainGraph } from '../../src-main/core/finetune/train-session.js';
import { openCheckpoint } from '../../src-main/core/molmo2/weights.js';
import { AppError } from '../../src-main/api/errors.js';

test('make-tiny --variant o-7b: O-7B ids and BOS/EOS, the Molmo2 template, a prompt that builds; bad flags refused', async () => {
  const dir = join(scratchDir('o7b-cli'), 'ck');
  const cli = (...a: string[]) =>
    spawnSync(process.execPath, [resolve('bin/molmoscope.mjs'), 'model', 'make-tiny', ...a], { encoding: 'utf8' });
  const r = cli(dir, '--variant', 'o-7b', '--seed', '2');
  assert.equal(r.status, 0, r.stderr);
  const ck = await loadCheckpoint(dir);
  assert.equal(ck.variant, 'olmo3');
  assert.deepEqual([ck.specialIds.bos, ck.specialIds.eos, ck.specialIds.pad], [100257, 100257, 100277]);
  const tok = await loadTokenizer(dir);
  assert.deepEqual(
    tok.encode('<|im_start|>user<|im_end|>').filter((i) => i >= 100257),
    [100264, 100265],
  );
  assert.ok(
    tok.encode('Point to the people, please.').every((i) => i < 100257),
    'text stays in the base vocabulary',
  );
  const rgb = { width: 64, height: 48, rgb: new Uint8Array(64 * 48 * 3).fill(128) };
  const m = buildImagePrompt({ checkpoint: ck, tokenizer: tok, images: [rgb], question: 'What is it?' });
  assert.equal(m.inputIds[0], 100257);
  assert.ok(m.inputIds.includes(100280) && m.inputIds.every((i) => i < 100278 + 128));
  assert.notEqual(cli(join(dir, 'x'), '--variant', 'o-8b').status, 0);
  assert.match(cli(join(dir, 'y'), '--preset', 'molmo2-o-7b', '--variant', 'o-7b').stderr, /--variant does not apply/);
});

test('--preset molmo2-o-7b: a valid OLMo3 config with the derived 7,760,786,896 parameters in ≤ 5 GB shards', () => {
  const c = parseMolmo2Config(presetConfig('molmo2-o-7b'));
  assert.equal(variantOf(c), 'olmo3');
  assert.deepEqual(c.text_config.rope_scaling_layers, [3, 7, 11, 15, 19, 23, 27, 31]);
  const shapes = molmo2ParamShapes(c as unknown as Molmo2ShapeConfig);
  assert.equal(
    shapes.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0),
    7_760_786_896,
  );
  const shards = presetShards('molmo2-o-7b', shapes);
  assert.equal(shards.size, 7);
  for (const ts of shards.values()) assert.ok(ts.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 4), 0) <= 5e9);
  // The memory table's O-7B is the preset's decoder.
  const r = RELEASED_SHAPES['molmo2-o-7b'].text_config;
  for (const k of [
    'hidden_size',
    'intermediate_size',
    'num_hidden_layers',
    'num_key_value_heads',
    'vocab_size',
    'max_position_embeddings',
  ] as const)
    assert.equal(r[k], c.text_config[k], k);
});

test('O-7B RoPE: default on 28 layers, YaRN on 3, 7, …, 31 with ramp 18..35 and attention factor 1.2079', () => {
  const t = parseMolmo2Config(presetConfig('molmo2-o-7b')).text_config;
  const kinds = Array.from({ length: 32 }, (_, l) => ropeKindOf(t, l));
  assert.deepEqual(
    kinds.flatMap((k, l) => (k === 'scaling' ? [l] : [])),
    [3, 7, 11, 15, 19, 23, 27, 31],
  );
  const def = ropeParams(t, 'default');
  const yarn = ropeParams(t, 'scaling');
  assert.equal(def.attentionFactor, 1);
  assert.ok(Math.abs(yarn.attentionFactor - 1.2079441541679836) < 1e-7);
  const rel = (a: number, b: number) => Math.abs(a - b) / b;
  // Below the correction range YaRN keeps RoPE's frequencies; above it they are divided by the factor 8.
  for (let i = 0; i <= 18; i++) assert.ok(rel(yarn.invFreq[i]!, def.invFreq[i]!) < 1e-6, `i=${i}`);
  for (let i = 35; i < 64; i++) assert.ok(rel(yarn.invFreq[i]!, def.invFreq[i]! / 8) < 1e-6, `i=${i}`);
  for (let i = 19; i < 35; i++)
    assert.ok(yarn.invFreq[i]! < def.invFreq[i]! && yarn.invFreq[i]! > def.invFreq[i]! / 8, `i=${i}`);
  assert.throws(() => ropeParams({ ...t, rope_scaling: { rope_type: 'longrope', factor: 2 } }, 'scaling'), /longrope/);
});

test('O-7B memory: fp32 weights 31.0 GB, MHA K/V 4× the 8B per layer, and doctor lists it', () => {
  const cfg = RELEASED_SHAPES['molmo2-o-7b'];
  const e = estimateMemory(cfg, 'fp32');
  assert.equal(e.weights, 7_760_786_896 * 4);
  assert.equal(e.kvCache, 2 * 32 * 2 * 32 * 128 * e.contextTokens * 4);
  assert.ok(estimateMemory(cfg, 'int4').total < e.total);
  const o7 = fitChecks(64e9, null).find((c) => c.id === 'fit-molmo2-o-7b');
  assert.ok(o7, 'doctor has a fit check for O-7B');
  assert.match(
    o7.detail,
    /molmo2-o-7b with a 128-frame video \(11692 tokens\): fp32 needs ≈ 59\.4 GB \(weights 31\.0 GB\)/,
  );
  // fp16 does not fit 64 GB of RAM: the CPU provider holds fp16 linear weights as fp32 (≈ 58.6 GB in all).
  assert.match(o7.detail, /RAM 64\.0 GB: int8, int4 fit/);
  assert.match(o7.detail, /fp16 on the CPU provider ≈ 58\.6 GB/);
});

test('LoRA training refuses an O-7B checkpoint (its graph has Qwen3 blocks only) instead of training another model', () => {
  const ck = openCheckpoint(tinyCheckpoint({ seed: 1, variant: 'o-7b' }));
  assert.throws(
    () => compileTrainGraph(ck, { spec: { rank: 2, alpha: 4 }, cacheDir: scratchDir('o7b-train') }),
    (e: unknown) => e instanceof AppError && e.code === 'MODEL_UNSUPPORTED' && /OLMo3/.test(e.message),
  );
});
