// Opens a Hugging Face Molmo2 checkpoint: parsed config, and every tensor's shard file and byte range.
// Used by the graph compiler (external-data initializers) and the TypeScript reference forward (fp32 reads).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../api/errors.js';
import { readSafetensorsHeader, readTensorF32, type TensorEntry } from './checkpoint/safetensors.js';
import { usedVitLayers, type Molmo2ShapeConfig } from './checkpoint/param-shapes.js';

/** The config.json fields the runtime reads (plus everything param-shapes needs). */
export interface Molmo2Config extends Molmo2ShapeConfig {
  vit_config: Molmo2ShapeConfig['vit_config'] & { layer_norm_eps: number };
  text_config: Molmo2ShapeConfig['text_config'] & {
    layer_norm_eps: number;
    rope_theta: number;
    norm_after: boolean;
    rope_scaling: unknown;
    rope_scaling_layers: number[] | null;
    max_position_embeddings: number;
  };
  image_patch_id: number;
  dtype: string;
}

export interface CheckpointTensor {
  file: string;
  entry: TensorEntry;
}

export interface Checkpoint {
  dir: string;
  config: Molmo2Config;
  /** Ids that stop generation (generation_config.json eos_token_id, default 151645). */
  eosIds: number[];
  tensors: Map<string, CheckpointTensor>;
  /** ViT block indices whose outputs the connector reads, in concat order (e.g. [24, 18]). */
  vitFeatureLayers: number[];
  vitBlocks: number;
}

/** Reads config.json and the safetensors headers (single file or sharded index); no tensor data is read. */
export function openCheckpoint(dir: string): Checkpoint {
  const cfgPath = join(dir, 'config.json');
  if (!existsSync(cfgPath)) throw new AppError('MODEL_INVALID', `${dir}: no config.json`);
  let config: Molmo2Config;
  try {
    config = JSON.parse(readFileSync(cfgPath, 'utf8')) as Molmo2Config;
  } catch (err) {
    throw new AppError('MODEL_INVALID', `${cfgPath}: ${(err as Error).message}`);
  }
  if (!config.text_config || !config.vit_config || !config.adapter_config)
    throw new AppError('MODEL_INVALID', `${cfgPath}: not a Molmo2 config (missing sub-configs)`);
  const files: string[] = [];
  const idx = join(dir, 'model.safetensors.index.json');
  if (existsSync(idx)) {
    const map = (JSON.parse(readFileSync(idx, 'utf8')) as { weight_map: Record<string, string> }).weight_map;
    for (const f of new Set(Object.values(map))) files.push(f);
  } else if (existsSync(join(dir, 'model.safetensors'))) files.push('model.safetensors');
  else throw new AppError('MODEL_INVALID', `${dir}: no model.safetensors or model.safetensors.index.json`);
  const tensors = new Map<string, CheckpointTensor>();
  for (const f of files) {
    const h = readSafetensorsHeader(join(dir, f));
    for (const [name, entry] of h.tensors) tensors.set(name, { file: f, entry });
  }
  let eosIds = [151645];
  const gen = join(dir, 'generation_config.json');
  if (existsSync(gen)) {
    const e = (JSON.parse(readFileSync(gen, 'utf8')) as { eos_token_id?: number | number[] }).eos_token_id;
    if (e !== undefined) eosIds = Array.isArray(e) ? e : [e];
  }
  const n = config.vit_config.num_hidden_layers;
  const vitFeatureLayers = config.adapter_config.vit_layers.map((l) => (l >= 0 ? l : n + l));
  return { dir, config, eosIds, tensors, vitFeatureLayers, vitBlocks: usedVitLayers(config) };
}

/**
 * Throws MODEL_UNSUPPORTED for what the runtime cannot run: a QK-norm type other than qwen3/olmo, RoPE scaling other
 * than YaRN, a qkv bias (no released Molmo2 has one). Qwen3 (4B, 8B) and OLMo3 (O-7B: post-norm, olmo QK-norm, YaRN
 * layers) decoders run.
 */
export function assertSupported(ck: Checkpoint): void {
  const t = ck.config.text_config;
  const why: string[] = [];
  if (t.use_qk_norm && t.qk_norm_type !== 'qwen3' && t.qk_norm_type !== 'olmo')
    why.push(`qk_norm_type "${String(t.qk_norm_type).slice(0, 40)}"`);
  const rs = t.rope_scaling as { rope_type?: unknown } | null | undefined;
  if (rs && rs.rope_type !== 'yarn' && rs.rope_type !== 'default')
    why.push(`rope_scaling type "${String(rs.rope_type).slice(0, 40)}"`);
  if (t.qkv_bias) why.push('qkv_bias');
  if (why.length)
    throw new AppError(
      'MODEL_UNSUPPORTED',
      `This checkpoint needs ${why.join(', ')}, which the runtime does not support; Molmo2 with a Qwen3 (4B, 8B) or OLMo3 (O-7B) decoder is supported.`,
    );
}

/**
 * Throws MODEL_UNSUPPORTED for a checkpoint the LoRA training graph cannot differentiate: it has Qwen3 blocks only
 * (pre-norm, per-head QK-norm, default RoPE), so an OLMo3 decoder (O-7B) would train a different model. Inference
 * with an adapter merges it into the weights and runs any supported decoder.
 */
export function assertTrainable(ck: Checkpoint): void {
  assertSupported(ck);
  const t = ck.config.text_config;
  if (t.norm_after || (t.use_qk_norm && t.qk_norm_type !== 'qwen3') || t.rope_scaling) {
    throw new AppError(
      'MODEL_UNSUPPORTED',
      'LoRA training supports Qwen3-based Molmo2 (4B, 8B); this checkpoint has an OLMo3 decoder (Molmo2-O-7B: post-norm blocks, OLMo QK-norm, YaRN), which the training graph does not implement yet.',
    );
  }
}

/** Looks up a tensor or throws MODEL_INVALID naming it. */
export function tensorOf(ck: Checkpoint, name: string): CheckpointTensor {
  const t = ck.tensors.get(name);
  if (!t) throw new AppError('MODEL_INVALID', `${ck.dir}: missing tensor ${name}`);
  return t;
}

/** Reads a tensor as fp32 (converting bf16/f16). */
export function readF32(ck: Checkpoint, name: string): Float32Array {
  const t = tensorOf(ck, name);
  return readTensorF32(join(ck.dir, t.file), t.entry);
}
