// Pure memory estimate of running a Molmo2 checkpoint at a weight precision, from its config alone: weights (ViT
// included) + KV cache for a 128-frame video at the model's context + activations. Used by doctor and the Models page.
import { molmo2ParamShapes, usedVitLayers, type Molmo2ShapeConfig } from '../checkpoint/param-shapes.js';
import { NBITS, PRECISIONS, storageOf, type Precision } from './precision.js';
import { nbitsLayout } from './quantize.js';
import { DEFAULT_PREFILL_CHUNK } from './compile.js';

export interface MemoryConfig extends Molmo2ShapeConfig {
  text_config: Molmo2ShapeConfig['text_config'] & { max_position_embeddings: number };
}

export interface MemoryEstimate {
  precision: Precision;
  /** Bytes of weights as stored at this precision (ViT, connector, decoder, embeddings, LM head). */
  weights: number;
  /** fp32 K/V for `contextTokens` (the graphs keep K/V in fp32), ×2 while a decode step builds the next cache. */
  kvCache: number;
  /** Largest transient working set: the prefill's per-chunk attention and MLP, or a 16-crop ViT batch. */
  activations: number;
  /** Runtime overhead (onnxruntime arenas, Node, tokenizer). */
  overhead: number;
  total: number;
  contextTokens: number;
}

/** Visual tokens per video frame (3×3 pooling of 27×27 patches) plus a timestamp and frame markers, per the prompt. */
const TOKENS_PER_FRAME = 81 + 8;
const PROMPT_TOKENS = 300;
const VIT_CROPS_PER_RUN = 16;
const OVERHEAD = 512 * 1024 ** 2;

/**
 * Bytes of every weight of `cfg` stored at `precision` (the converter's layout, without alignment padding). With
 * `heldOnCpu`, the bytes onnxruntime's x86 CPU provider holds once loaded: it has no fp16 MatMul, so it folds a Cast
 * into an fp32 copy of every fp16 linear weight (measured at the 4B shape: fp16 peaked at 24.8 GB, bench/precision).
 */
export function weightBytes(cfg: Molmo2ShapeConfig, precision: Precision, heldOnCpu = false): number {
  let total = 0;
  for (const p of molmo2ParamShapes(cfg)) {
    const numel = p.shape.reduce((a, b) => a * b, 1);
    const kind = storageOf(p.name, p.shape, precision);
    if (kind === 'f32' || (kind === 'f16t' && heldOnCpu)) total += numel * 4;
    else if (kind === 'f16' || kind === 'f16t') total += numel * 2;
    else {
      const l = nbitsLayout(p.shape[0]!, p.shape[1]!, NBITS[kind].bits, NBITS[kind].block);
      total += l.N * (l.nBlocks * (l.blob + 4) + l.zpCols);
    }
  }
  return total;
}

/** Estimated peak memory for a `frames`-frame video prompt (default 128) at the model's context; `onCpu`: see weightBytes. */
export function estimateMemory(cfg: MemoryConfig, precision: Precision, frames = 128, onCpu = false): MemoryEstimate {
  const t = cfg.text_config;
  const v = cfg.vit_config;
  const ctx = Math.min(t.max_position_embeddings, frames * TOKENS_PER_FRAME + PROMPT_TOKENS);
  const kvCache = 2 * t.num_hidden_layers * 2 * t.num_key_value_heads * t.head_dim * ctx * 4;
  const chunk = Math.min(ctx, DEFAULT_PREFILL_CHUNK);
  const prefill =
    4 * (t.num_attention_heads * chunk * ctx * 2 + ctx * (2 * t.intermediate_size + 4 * t.hidden_size) + t.vocab_size);
  const rows = VIT_CROPS_PER_RUN * v.image_num_pos;
  const vit =
    4 *
    (VIT_CROPS_PER_RUN * v.num_attention_heads * v.image_num_pos ** 2 +
      rows * (v.intermediate_size + (3 + usedVitLayers(cfg) / 8) * v.hidden_size));
  const weights = weightBytes(cfg, precision, onCpu);
  const activations = Math.max(prefill, vit);
  return {
    precision,
    weights,
    kvCache,
    activations,
    overhead: OVERHEAD,
    total: weights + kvCache + activations + OVERHEAD,
    contextTokens: ctx,
  };
}

/** The widest precision whose estimate fits `budgetBytes` (fp16 only on GPU providers: slower than fp32 on CPU). */
export function fittingPrecision(cfg: MemoryConfig, budgetBytes: number, gpu: boolean): Precision | null {
  const order = PRECISIONS.filter((p) => gpu || p !== 'fp16');
  return order.find((p) => estimateMemory(cfg, p).total <= budgetBytes) ?? null;
}

/** Share of the machine's memory a default may plan to use (the OS, the app and the library need the rest). */
export const DEFAULT_BUDGET_SHARE = 0.7;

/**
 * The precision used when none is asked for. CPU: the widest that fits 70 % of RAM (fp32 for small checkpoints,
 * so parity stays the default; int8 or int4 for 4B/8B on a 24 GB machine). GPU providers: the widest that fits the
 * GPU's memory when known, else fp32 (unchanged behaviour: no GPU precision path was measured here).
 */
export function defaultPrecision(
  cfg: MemoryConfig,
  provider: string,
  mem: { ramBytes: number; gpuBytes?: number },
): Precision {
  const gpu = provider !== 'cpu';
  if (gpu && mem.gpuBytes === undefined) return 'fp32';
  return fittingPrecision(cfg, DEFAULT_BUDGET_SHARE * (gpu ? mem.gpuBytes! : mem.ramBytes), gpu) ?? 'int4';
}
