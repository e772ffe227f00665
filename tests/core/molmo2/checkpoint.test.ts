// Checkpoint reader: the tiny checkpoint (single file and sharded) loads; each broken file gives a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyCheckpoint, scratchDir } from '../../helpers/tiny.js';
import { loadCheckpoint } from '../../../src-main/core/molmo2/checkpoint/load.js';
import { parseMolmo2Config, variantOf } from '../../../src-main/core/molmo2/checkpoint/config.js';
import { molmo2ParamShapes, type Molmo2ShapeConfig } from '../../../src-main/core/molmo2/checkpoint/param-shapes.js';
import { AppError } from '../../../src-main/api/errors.js';
import { O7B_VOCAB, o7bTextConfig, o7bTokenIds } from '../../../models/tiny/o7b.js';

/** A writable copy of a checkpoint: JSON files copied, weight shards symlinked. */
function copyCk(src: string): string {
  const dir = scratchDir('ck');
  for (const f of readdirSync(src)) {
    if (f.endsWith('.safetensors')) symlinkSync(join(src, f), join(dir, f));
    else copyFileSync(join(src, f), join(dir, f));
  }
  return dir;
}

async function rejects(p: Promise<unknown>, code: string, re: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AppError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, re);
    return true;
  });
}

test('loads the tiny checkpoint: configs, special ids, every tensor', async () => {
  const ck = await loadCheckpoint(tinyCheckpoint({ seed: 0 }));
  assert.equal(ck.variant, 'qwen3');
  assert.deepEqual(ck.specialIds, {
    imPatch: 151938,
    imStart: 151936,
    imEnd: 151937,
    imCol: 151939,
    lowResImStart: 151940,
    frameStart: 151943,
    frameEnd: 151944,
    imLow: 151942,
    bos: 151645,
    eos: 151645,
    pad: 151643,
  });
  assert.equal(ck.preprocessor.max_crops, 8);
  assert.equal(ck.videoPreprocessor.num_frames, 384);
  assert.equal(ck.processor.use_frame_special_tokens, false);
  assert.equal(ck.tensors.size, molmo2ParamShapes(ck.config as unknown as Molmo2ShapeConfig).length);
  assert.deepEqual(ck.tensors.get('lm_head.weight')!.entry.shape, [151936, 64]);
  assert.match(ck.chatTemplate, /DEMO_STYLES/);
});

test('BOS comes from the tokenizer files (bos_token, else eos_token), as the processor inserts it', async () => {
  const src = tinyCheckpoint({ seed: 0 });
  const dir = copyCk(src);
  try {
    const tc = JSON.parse(readFileSync(join(src, 'tokenizer_config.json'), 'utf8'));
    tc.bos_token = null;
    tc.eos_token = '<|endoftext|>';
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tc));
    writeFileSync(join(dir, 'special_tokens_map.json'), '{}');
    const ck = await loadCheckpoint(dir);
    assert.equal(ck.specialIds.bos, 151643);
    assert.equal(ck.specialIds.eos, 151645); // the stop id stays generation_config's
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loads a sharded checkpoint through model.safetensors.index.json', async () => {
  const ck = await loadCheckpoint(tinyCheckpoint({ seed: 0, shards: 3 }));
  const files = new Set([...ck.tensors.values()].map((t) => t.file.split('/').pop()));
  assert.equal(files.size, 3);
});

test('errors name the missing or inconsistent file and field', async () => {
  const src = tinyCheckpoint({ seed: 0 });
  const dir = copyCk(src);
  try {
    rmSync(join(dir, 'processor_config.json'));
    await rejects(loadCheckpoint(dir), 'NOT_FOUND', /processor_config\.json/);
    copyFileSync(join(src, 'processor_config.json'), join(dir, 'processor_config.json'));

    const cfg = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8'));
    delete cfg.text_config.num_key_value_heads;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    await rejects(loadCheckpoint(dir), 'MODEL_INVALID', /config\.json: text_config\.num_key_value_heads/);

    const cfg2 = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8'));
    cfg2.text_config.intermediate_size = 100;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg2));
    await rejects(loadCheckpoint(dir), 'MODEL_INVALID', /ff_proj\.weight .*shape \[192,64\].*\[200,64\]/);

    const cfg3 = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8'));
    cfg3.image_patch_id = 5;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg3));
    await rejects(loadCheckpoint(dir), 'MODEL_INVALID', /image_patch_id 5/);

    const cfg4 = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8'));
    cfg4.text_config.num_hidden_layers = 3;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg4));
    await rejects(
      loadCheckpoint(dir),
      'MODEL_INVALID',
      /missing from the checkpoint, e\.g\. model\.transformer\.blocks\.2\./,
    );
    copyFileSync(join(src, 'config.json'), join(dir, 'config.json'));

    writeFileSync(join(dir, 'preprocessor_config.json'), '{ not json');
    await rejects(loadCheckpoint(dir), 'MODEL_INVALID', /preprocessor_config\.json is not valid JSON/);
    const pre = JSON.parse(readFileSync(join(src, 'preprocessor_config.json'), 'utf8'));
    pre.resample = 3;
    writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify(pre));
    await rejects(loadCheckpoint(dir), 'MODEL_UNSUPPORTED', /resample 3/);
    copyFileSync(join(src, 'preprocessor_config.json'), join(dir, 'preprocessor_config.json'));

    rmSync(join(dir, 'model.safetensors'));
    await rejects(loadCheckpoint(dir), 'NOT_FOUND', /model\.safetensors/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const sharded = copyCk(tinyCheckpoint({ seed: 0, shards: 3 }));
  try {
    rmSync(join(sharded, 'model-00002-of-00003.safetensors'));
    await rejects(loadCheckpoint(sharded), 'NOT_FOUND', /shard model-00002-of-00003\.safetensors/);
  } finally {
    rmSync(sharded, { recursive: true, force: true });
  }
});

test('O-7B (OLMo3) and 8B config fields validate and select the right variant and shapes', () => {
  const base = JSON.parse(readFileSync('models/molmo2-4b/config.json', 'utf8'));
  assert.equal(variantOf(parseMolmo2Config(base)), 'qwen3');
  const o7 = structuredClone(base);
  // O-7B's decoder and special ids, as the released config has them (models/tiny/o7b.ts, which cites its sources).
  const o7Sizes = { hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 32, intermediate_size: 11008 };
  Object.assign(o7.text_config, { ...o7Sizes, vocab_size: O7B_VOCAB }, o7bTextConfig(32));
  Object.assign(o7.adapter_config, { intermediate_size: 11008, text_hidden_size: 4096 });
  Object.assign(o7, o7bTokenIds());
  o7.image_high_res_id = o7.image_patch_id;
  const c = parseMolmo2Config(o7);
  assert.equal(variantOf(c), 'olmo3');
  assert.equal(c.text_config.rope_scaling!.factor, 8);
  const shapes = molmo2ParamShapes(c as unknown as Molmo2ShapeConfig);
  assert.equal(
    shapes.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0),
    7_760_786_896,
  );
  assert.deepEqual(shapes.find((p) => p.name.endsWith('blocks.0.self_attn.q_norm.weight'))!.shape, [4096]);
  const b8 = structuredClone(base);
  Object.assign(b8.text_config, { hidden_size: 4096, intermediate_size: 12288, rope_theta: 1000000 });
  Object.assign(b8.adapter_config, { intermediate_size: 12288, text_hidden_size: 4096 });
  const c8 = parseMolmo2Config(b8);
  assert.equal(variantOf(c8), 'qwen3');
  assert.equal(
    molmo2ParamShapes(c8 as unknown as Molmo2ShapeConfig).reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0),
    8_661_703_120,
  );
  const bad = structuredClone(o7);
  bad.text_config.rope_scaling_layers = [40];
  assert.throws(() => parseMolmo2Config(bad), /rope_scaling_layers entry 40/);
  const bad2 = structuredClone(base);
  bad2.adapter_config.text_hidden_size = 4096;
  assert.throws(() => parseMolmo2Config(bad2), /text_hidden_size 4096 != text_config\.hidden_size 2560/);
});
