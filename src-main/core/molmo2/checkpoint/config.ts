// Typed readers and validators for a Molmo2 checkpoint's JSON files (config, generation, processors).
// Every problem becomes NOT_FOUND / MODEL_INVALID / MODEL_UNSUPPORTED naming the file and the field.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../api/errors.js';

const int = z.number().int();
const pos = z.number().int().positive();
const pair = z.tuple([pos, pos]);

/** The widths of a transformer stack, which the vision encoder and the text decoder both declare. */
const STACK_WIDTHS = {
  hidden_size: pos,
  intermediate_size: pos,
  num_hidden_layers: pos,
  num_attention_heads: pos,
  num_key_value_heads: pos,
  head_dim: pos,
};

const VitSchema = z.looseObject({
  ...STACK_WIDTHS,
  hidden_act: z.string(),
  layer_norm_eps: z.number().positive(),
  image_default_input_size: pair,
  image_patch_size: pos,
  image_num_pos: pos,
});

const AdapterSchema = z.looseObject({
  vit_layers: z.array(int).min(1),
  hidden_size: pos,
  intermediate_size: pos,
  num_attention_heads: pos,
  num_key_value_heads: pos,
  head_dim: pos,
  text_hidden_size: pos,
  hidden_act: z.string(),
  pooling_attention_mask: z.boolean().default(true),
});

const RopeScalingSchema = z.looseObject({
  rope_type: z.string(),
  factor: z.number().positive(),
  attention_factor: z.number().positive().nullish(),
  beta_fast: z.number().optional(),
  beta_slow: z.number().optional(),
  original_max_position_embeddings: pos.optional(),
});

const TextSchema = z.looseObject({
  ...STACK_WIDTHS,
  vocab_size: pos,
  additional_vocab_size: pos,
  hidden_act: z.string(),
  qkv_bias: z.boolean(),
  use_qk_norm: z.boolean(),
  qk_norm_type: z.enum(['qwen3', 'olmo']),
  layer_norm_eps: z.number().positive(),
  norm_after: z.boolean(),
  rope_theta: z.number().positive(),
  rope_scaling: RopeScalingSchema.nullish().transform((v) => v ?? null),
  rope_scaling_layers: z
    .array(int)
    .nullish()
    .transform((v) => v ?? null),
  max_position_embeddings: pos,
});

const ConfigSchema = z.looseObject({
  model_type: z.literal('molmo2'),
  vit_config: VitSchema,
  adapter_config: AdapterSchema,
  text_config: TextSchema,
  image_start_token_id: int,
  image_end_token_id: int,
  image_patch_id: int,
  image_col_id: int,
  low_res_image_start_token_id: int,
  image_low_res_id: int,
  frame_start_token_id: int,
  frame_end_token_id: int,
  use_frame_special_tokens: z.boolean().default(false),
  tie_word_embeddings: z.boolean().default(false),
  dtype: z.string().optional(),
});

const idOrList = z.union([int, z.array(int).min(1)]);
const GenerationSchema = z.looseObject({
  bos_token_id: int.nullish(),
  eos_token_id: idOrList,
  pad_token_id: int.nullish(),
});

const triple = z.tuple([z.number(), z.number(), z.number()]);
const sizeHW = z.looseObject({ height: pos, width: pos });

const PreprocessorSchema = z.looseObject({
  size: sizeHW,
  image_mean: triple,
  image_std: triple,
  max_crops: pos,
  overlap_margins: z.tuple([int, int]),
  patch_size: pos,
  pooling_size: pair,
  resample: int,
  do_convert_rgb: z.boolean().default(true),
});

const VideoPreprocessorSchema = z.looseObject({
  size: sizeHW,
  image_mean: triple,
  image_std: triple,
  num_frames: pos,
  max_fps: z.number().positive(),
  patch_size: pos,
  pooling_size: pair,
  resample: int,
  frame_sample_mode: z.string(),
  sampling_fps: z.number().positive().optional(),
});

const ProcessorSchema = z.looseObject({
  image_use_col_tokens: z.boolean(),
  use_single_crop_col_tokens: z
    .boolean()
    .nullish()
    .transform((v) => v ?? null),
  use_single_crop_start_token: z.boolean(),
  video_use_col_tokens: z.boolean(),
  use_frame_special_tokens: z.boolean(),
});

export type Molmo2Config = z.infer<typeof ConfigSchema>;
export type Molmo2GenerationConfig = z.infer<typeof GenerationSchema>;
export type Molmo2PreprocessorConfig = z.infer<typeof PreprocessorSchema>;
export type Molmo2VideoPreprocessorConfig = z.infer<typeof VideoPreprocessorSchema>;
export type Molmo2ProcessorConfig = z.infer<typeof ProcessorSchema>;

/** Reads a JSON file of the checkpoint; a missing file is NOT_FOUND, bad JSON is MODEL_INVALID. */
export function readCheckpointJson(dir: string, file: string): unknown {
  const path = join(dir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AppError('NOT_FOUND', `checkpoint file ${file} is missing in ${dir}`);
    throw new AppError('MODEL_INVALID', `cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AppError('MODEL_INVALID', `${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function validate<T extends z.ZodType>(schema: T, value: unknown, file: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new AppError('MODEL_INVALID', `${file}: ${issues.join('; ')}`, {
    file,
    issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}

function invalid(file: string, msg: string): never {
  throw new AppError('MODEL_INVALID', `${file}: ${msg}`, { file });
}

/** Validates config.json (Qwen3 4B/8B and OLMo3 7B layouts) including cross-field consistency. */
export function parseMolmo2Config(json: unknown, file = 'config.json'): Molmo2Config {
  // Another architecture's config (Molmo 1, LLaVA, …) is a model the app does not run, not a broken Molmo2 file.
  const type = (json as { model_type?: unknown } | null)?.model_type;
  if (typeof type === 'string' && type !== 'molmo2') {
    throw new AppError(
      'MODEL_UNSUPPORTED',
      `${file}: model_type "${type.slice(0, 100)}" is not supported (Molmoscope runs "molmo2" checkpoints)`,
      { file },
    );
  }
  const c = validate(ConfigSchema, json, file);
  const v = c.vit_config,
    a = c.adapter_config,
    t = c.text_config;
  const [ih, iw] = v.image_default_input_size;
  if (ih % v.image_patch_size || iw % v.image_patch_size)
    invalid(
      file,
      `vit_config.image_default_input_size ${ih}x${iw} is not a multiple of image_patch_size ${v.image_patch_size}`,
    );
  const grid = (ih / v.image_patch_size) * (iw / v.image_patch_size);
  if (grid !== v.image_num_pos)
    invalid(file, `vit_config.image_num_pos is ${v.image_num_pos} but the ${ih}x${iw} crop has ${grid} patches`);
  for (const l of a.vit_layers) {
    const idx = l >= 0 ? l : v.num_hidden_layers + l;
    if (idx < 0 || idx >= v.num_hidden_layers)
      invalid(file, `adapter_config.vit_layers entry ${l} is outside the ${v.num_hidden_layers} ViT layers`);
  }
  if (a.text_hidden_size !== t.hidden_size)
    invalid(file, `adapter_config.text_hidden_size ${a.text_hidden_size} != text_config.hidden_size ${t.hidden_size}`);
  if (t.num_attention_heads % t.num_key_value_heads)
    invalid(
      file,
      `text_config.num_attention_heads ${t.num_attention_heads} is not a multiple of num_key_value_heads ${t.num_key_value_heads}`,
    );
  if (t.rope_scaling_layers) {
    for (const l of t.rope_scaling_layers)
      if (l < 0 || l >= t.num_hidden_layers)
        invalid(file, `text_config.rope_scaling_layers entry ${l} is outside ${t.num_hidden_layers} layers`);
  }
  const lo = t.vocab_size,
    hi = t.vocab_size + t.additional_vocab_size;
  for (const k of [
    'image_start_token_id',
    'image_end_token_id',
    'image_patch_id',
    'image_col_id',
    'low_res_image_start_token_id',
    'image_low_res_id',
    'frame_start_token_id',
    'frame_end_token_id',
  ] as const) {
    if (c[k] < lo || c[k] >= hi) invalid(file, `${k} ${c[k]} is not in the extra-token range [${lo}, ${hi})`);
  }
  if (t.rope_scaling && t.rope_scaling.rope_type !== 'yarn' && t.rope_scaling.rope_type !== 'default') {
    throw new AppError(
      'MODEL_UNSUPPORTED',
      `${file}: text_config.rope_scaling.rope_type "${t.rope_scaling.rope_type}" is not supported`,
    );
  }
  return c;
}

/** Which LLM family a checkpoint is built on: Qwen3 (4B/8B) or OLMo3 (O-7B: olmo QK-norm, post-norm blocks). */
export function variantOf(c: Molmo2Config): 'qwen3' | 'olmo3' {
  return c.text_config.qk_norm_type === 'olmo' || c.text_config.norm_after ? 'olmo3' : 'qwen3';
}

/** Validates generation_config.json. */
export function parseGenerationConfig(json: unknown, file = 'generation_config.json'): Molmo2GenerationConfig {
  return validate(GenerationSchema, json, file);
}

function checkResample(resample: number, file: string): void {
  if (resample !== 2)
    throw new AppError('MODEL_UNSUPPORTED', `${file}: resample ${resample} is not supported (only 2 = bilinear)`);
}

/** Validates preprocessor_config.json (image processing). */
export function parsePreprocessorConfig(json: unknown, file = 'preprocessor_config.json'): Molmo2PreprocessorConfig {
  const p = validate(PreprocessorSchema, json, file);
  checkResample(p.resample, file);
  if (p.size.height !== p.size.width)
    throw new AppError('MODEL_UNSUPPORTED', `${file}: non-square crop size ${p.size.height}x${p.size.width}`);
  if (p.size.height % p.patch_size)
    invalid(file, `size ${p.size.height} is not a multiple of patch_size ${p.patch_size}`);
  const cp = p.size.height / p.patch_size;
  if (p.overlap_margins[0] < 0 || p.overlap_margins[1] < 0 || p.overlap_margins[0] + p.overlap_margins[1] >= cp) {
    invalid(file, `overlap_margins ${JSON.stringify(p.overlap_margins)} leave no crop window in ${cp} patches`);
  }
  if (p.image_std.some((s) => s === 0)) invalid(file, 'image_std has a zero entry');
  return p;
}

/** Validates video_preprocessor_config.json. */
export function parseVideoPreprocessorConfig(
  json: unknown,
  file = 'video_preprocessor_config.json',
): Molmo2VideoPreprocessorConfig {
  const p = validate(VideoPreprocessorSchema, json, file);
  checkResample(p.resample, file);
  if (p.size.height % p.patch_size || p.size.width % p.patch_size)
    invalid(file, `size is not a multiple of patch_size ${p.patch_size}`);
  if (p.image_std.some((s) => s === 0)) invalid(file, 'image_std has a zero entry');
  return p;
}

/** Validates processor_config.json (token layout flags). */
export function parseProcessorConfig(json: unknown, file = 'processor_config.json'): Molmo2ProcessorConfig {
  return validate(ProcessorSchema, json, file);
}

/** Cross-file checks: crop geometry of the processors must match the ViT. */
export function checkGeometry(c: Molmo2Config, p: Molmo2PreprocessorConfig, vp: Molmo2VideoPreprocessorConfig): void {
  const [ih, iw] = c.vit_config.image_default_input_size;
  if (p.patch_size !== c.vit_config.image_patch_size)
    invalid(
      'preprocessor_config.json',
      `patch_size ${p.patch_size} != config.json vit_config.image_patch_size ${c.vit_config.image_patch_size}`,
    );
  if (p.size.height !== ih || p.size.width !== iw)
    invalid(
      'preprocessor_config.json',
      `size ${p.size.height}x${p.size.width} != config.json vit_config.image_default_input_size ${ih}x${iw}`,
    );
  if (vp.patch_size !== c.vit_config.image_patch_size)
    invalid('video_preprocessor_config.json', `patch_size ${vp.patch_size} != config.json vit_config.image_patch_size`);
  if (vp.size.height !== ih || vp.size.width !== iw)
    invalid(
      'video_preprocessor_config.json',
      `size ${vp.size.height}x${vp.size.width} != config.json vit_config.image_default_input_size ${ih}x${iw}`,
    );
}
