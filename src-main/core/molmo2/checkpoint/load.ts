// Loads a Molmo2 checkpoint directory: every JSON config, the tensor index across shards, special token ids.
// Tensors are checked against the names and shapes param-shapes.ts derives from config.json; no weights are read.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppError } from '../../../api/errors.js';
import {
  checkGeometry,
  parseGenerationConfig,
  parseMolmo2Config,
  parsePreprocessorConfig,
  parseProcessorConfig,
  parseVideoPreprocessorConfig,
  readCheckpointJson,
  variantOf,
  type Molmo2Config,
  type Molmo2GenerationConfig,
  type Molmo2PreprocessorConfig,
  type Molmo2ProcessorConfig,
  type Molmo2VideoPreprocessorConfig,
} from './config.js';
import { molmo2ParamShapes, type Molmo2ShapeConfig } from './param-shapes.js';
import { readSafetensorsHeader, type TensorEntry } from './safetensors.js';
import { tokenId, type TokenId } from '../../../api/units.js';

export interface Molmo2SpecialIds {
  imPatch: TokenId;
  imStart: TokenId;
  imEnd: TokenId;
  imCol: TokenId;
  lowResImStart: TokenId;
  frameStart: TokenId;
  frameEnd: TokenId;
  imLow: TokenId;
  bos: TokenId;
  eos: TokenId;
  pad: TokenId;
}

export interface Molmo2Checkpoint {
  dir: string;
  config: Molmo2Config;
  generation: Molmo2GenerationConfig;
  preprocessor: Molmo2PreprocessorConfig;
  videoPreprocessor: Molmo2VideoPreprocessorConfig;
  processor: Molmo2ProcessorConfig;
  /** Every tensor of the checkpoint: name → the shard file (absolute path) and its header entry. */
  tensors: Map<string, { file: string; entry: TensorEntry }>;
  variant: 'qwen3' | 'olmo3';
  specialIds: Molmo2SpecialIds;
  /** The chat template source (chat_template.jinja, or tokenizer_config.json's chat_template). */
  chatTemplate: string;
}

function mi(msg: string, details?: unknown): never {
  throw new AppError('MODEL_INVALID', msg, details);
}

/** Reads the safetensors headers (single file or sharded index) into one name → {file, entry} map. */
export function readTensorIndex(dir: string): Map<string, { file: string; entry: TensorEntry }> {
  const out = new Map<string, { file: string; entry: TensorEntry }>();
  const indexFile = 'model.safetensors.index.json';
  if (existsSync(join(dir, indexFile))) {
    const idx = readCheckpointJson(dir, indexFile) as { weight_map?: unknown };
    if (!idx || typeof idx.weight_map !== 'object' || idx.weight_map === null) mi(`${indexFile}: missing "weight_map"`);
    const map = idx.weight_map as Record<string, unknown>;
    const shards = new Map<string, ReturnType<typeof readSafetensorsHeader>>();
    for (const [name, shard] of Object.entries(map)) {
      if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\'))
        mi(`${indexFile}: weight_map["${name}"] is not a shard file name`);
      let h = shards.get(shard);
      if (!h) {
        const path = join(dir, shard);
        if (!existsSync(path))
          throw new AppError('NOT_FOUND', `shard ${shard} listed in ${indexFile} is missing in ${dir}`);
        h = readSafetensorsHeader(path);
        shards.set(shard, h);
      }
      const entry = h.tensors.get(name);
      if (!entry) mi(`${indexFile} maps ${name} to ${shard}, but that shard has no such tensor`);
      out.set(name, { file: h.file, entry });
    }
    for (const h of shards.values()) {
      for (const name of h.tensors.keys()) {
        if (!out.has(name)) mi(`${h.file.split('/').pop()} holds ${name}, which ${indexFile} does not list`);
      }
    }
    return out;
  }
  const single = join(dir, 'model.safetensors');
  if (!existsSync(single)) throw new AppError('NOT_FOUND', `no model.safetensors or ${indexFile} in ${dir}`);
  const h = readSafetensorsHeader(single);
  for (const [name, entry] of h.tensors) out.set(name, { file: h.file, entry });
  return out;
}

/** Checks that every parameter config.json implies is present with the right shape and a float dtype. */
export function checkTensors(config: Molmo2Config, tensors: Map<string, { file: string; entry: TensorEntry }>): void {
  const expected = molmo2ParamShapes(config as unknown as Molmo2ShapeConfig);
  const missing: string[] = [];
  for (const p of expected) {
    const t = tensors.get(p.name);
    if (!t) {
      missing.push(p.name);
      continue;
    }
    if (t.entry.shape.length !== p.shape.length || t.entry.shape.some((d, i) => d !== p.shape[i])) {
      mi(
        `tensor ${p.name} in ${t.file.split('/').pop()} has shape ${JSON.stringify(t.entry.shape)}, config.json implies ${JSON.stringify(p.shape)}`,
      );
    }
    if (!['F32', 'BF16', 'F16'].includes(t.entry.dtype))
      mi(`tensor ${p.name} has dtype ${t.entry.dtype}; expected F32, BF16 or F16`);
  }
  if (missing.length) {
    mi(
      `${missing.length} tensor(s) that config.json implies are missing from the checkpoint, e.g. ${missing.slice(0, 3).join(', ')}`,
      { missing: missing.slice(0, 50) },
    );
  }
}

/**
 * BOS/EOS/PAD ids as the tokenizer defines them (tokenizer_config.json, else special_tokens_map.json), resolved
 * through added_tokens_decoder / added_tokens.json; undefined where the files do not say.
 */
export function tokenizerSpecialIds(dir: string): { bos?: number; eos?: number; pad?: number } {
  const opt = (f: string) =>
    existsSync(join(dir, f)) ? (readCheckpointJson(dir, f) as Record<string, unknown>) : null;
  const tc = opt('tokenizer_config.json');
  const sm = opt('special_tokens_map.json');
  const added = opt('added_tokens.json') as Record<string, number> | null;
  const byContent = new Map<string, number>();
  const dec = (tc?.added_tokens_decoder ?? {}) as Record<string, { content?: string }>;
  for (const [id, t] of Object.entries(dec)) if (typeof t?.content === 'string') byContent.set(t.content, Number(id));
  for (const [c, id] of Object.entries(added ?? {}))
    if (!byContent.has(c) && typeof id === 'number') byContent.set(c, id);
  const resolveTok = (k: string): number | undefined => {
    const v = tc?.[k] ?? sm?.[k];
    const content =
      typeof v === 'string'
        ? v
        : v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string'
          ? (v as { content: string }).content
          : undefined;
    return content === undefined ? undefined : byContent.get(content);
  };
  return { bos: resolveTok('bos_token'), eos: resolveTok('eos_token'), pad: resolveTok('pad_token') };
}

function firstId(v: number | number[] | null | undefined): number | undefined {
  if (v === null || v === undefined) return undefined;
  return Array.isArray(v) ? v[0] : v;
}

/** Loads and validates a Molmo2 checkpoint directory (4B/8B Qwen3-based or O-7B OLMo3-based). */
export async function loadCheckpoint(dirIn: string): Promise<Molmo2Checkpoint> {
  const dir = resolve(dirIn);
  if (!existsSync(dir)) throw new AppError('NOT_FOUND', `checkpoint directory ${dir} does not exist`);
  const config = parseMolmo2Config(readCheckpointJson(dir, 'config.json'));
  const generation = parseGenerationConfig(readCheckpointJson(dir, 'generation_config.json'));
  const preprocessor = parsePreprocessorConfig(readCheckpointJson(dir, 'preprocessor_config.json'));
  const videoPreprocessor = parseVideoPreprocessorConfig(readCheckpointJson(dir, 'video_preprocessor_config.json'));
  const processor = parseProcessorConfig(readCheckpointJson(dir, 'processor_config.json'));
  checkGeometry(config, preprocessor, videoPreprocessor);
  // config.json's use_frame_special_tokens is always written false by the converter (convert_molmo2_to_hf.py:253);
  // processor_config.json's flag is the one the shipped processor obeys, so prompts follow the processor.
  const tensors = readTensorIndex(dir);
  checkTensors(config, tensors);
  const eos = firstId(generation.eos_token_id);
  if (eos === undefined) mi('generation_config.json: eos_token_id is missing');
  // The processor inserts `tokenizer.bos_token_id or tokenizer.eos_token_id` (processing_molmo2.py:379-382):
  // <|im_end|> for the Qwen-based models, whose tokenizer has no real BOS.
  const tk = tokenizerSpecialIds(dir);
  const bos = tk.bos ?? tk.eos ?? firstId(generation.bos_token_id) ?? eos;
  const pad = tk.pad ?? firstId(generation.pad_token_id) ?? eos;
  const vocabAll = config.text_config.vocab_size + config.text_config.additional_vocab_size;
  for (const [k, v] of Object.entries({ bos, eos, pad })) {
    if (v < 0 || v >= vocabAll)
      mi(`generation_config.json: ${k}_token_id ${v} is outside the vocabulary (${vocabAll})`);
  }
  let chatTemplate: string;
  try {
    chatTemplate = readFileSync(join(dir, 'chat_template.jinja'), 'utf8');
  } catch {
    const tc = readCheckpointJson(dir, 'tokenizer_config.json') as { chat_template?: unknown };
    if (typeof tc?.chat_template !== 'string')
      throw new AppError(
        'NOT_FOUND',
        `no chat_template.jinja (and no chat_template in tokenizer_config.json) in ${dir}`,
      );
    chatTemplate = tc.chat_template;
  }
  return {
    dir,
    config,
    generation,
    preprocessor,
    videoPreprocessor,
    processor,
    tensors,
    variant: variantOf(config),
    chatTemplate,
    specialIds: {
      imPatch: tokenId(config.image_patch_id),
      imStart: tokenId(config.image_start_token_id),
      imEnd: tokenId(config.image_end_token_id),
      imCol: tokenId(config.image_col_id),
      lowResImStart: tokenId(config.low_res_image_start_token_id),
      frameStart: tokenId(config.frame_start_token_id),
      frameEnd: tokenId(config.frame_end_token_id),
      imLow: tokenId(config.image_low_res_id),
      bos: tokenId(bos),
      eos: tokenId(eos),
      pad: tokenId(pad),
    },
  };
}
