// Memory estimate of one LoRA training step on the CPU graph (fp32): decoder weights, LoRA parameters with their
// gradients and AdamW moments, the activations the graph keeps (layer inputs) and one layer's backward working set.
import { molmo2ParamShapes, type Molmo2ShapeConfig } from '../molmo2/checkpoint/param-shapes.js';

export interface TrainMemoryEstimate {
  /** fp32 decoder weights the training graph binds (embeddings, blocks, norm, LM head). */
  weights: number;
  /** LoRA parameters, gradients, accumulated gradients and two AdamW moments (5 × fp32). */
  lora: number;
  /** Kept layer inputs + one layer's attention probabilities and gradients + MLP + LM-head rows + visual features. */
  activations: number;
  /** The visual features of every training example, held in memory for the whole run. */
  features: number;
  overhead: number;
  total: number;
  tokens: number;
}

const OVERHEAD = 512 * 1024 ** 2;
/** Bytes of 32-bit floats. */
const F = 4;

/** Visual tokens of one video frame (3×3 pooling of the ViT's patch grid) plus timestamp and frame markers. */
export function tokensPerFrame(cfg: Molmo2ShapeConfig): number {
  const side = Math.ceil(Math.sqrt(cfg.vit_config.image_num_pos) / 3);
  return side * side + 8;
}

/** Bytes of the visual features of a video example of `frames` frames (pooled rows × hidden size, fp32). */
export function featureBytesOf(cfg: Molmo2ShapeConfig, frames: number): number {
  return frames * (tokensPerFrame(cfg) - 8) * cfg.text_config.hidden_size * F;
}

/** A rough token count of a video example before it is tokenised: frames, prompt text, answer. */
export function estimateTokens(cfg: Molmo2ShapeConfig, frames: number, answerChars: number): number {
  return frames * tokensPerFrame(cfg) + 300 + Math.ceil(answerChars / 2);
}

/** Prompt tokens a tree branch adds besides its question and answer (chat turn markers, generation prompt). */
const BRANCH_TOKENS = 16;

/**
 * A rough token count of a message tree on one video clip before it is tokenised: the clip's frames and the first
 * answer as `estimateTokens`, then every further branch (its question, answer and turn markers; the clip is shared).
 */
export function estimateTreeTokens(
  cfg: Molmo2ShapeConfig,
  frames: number,
  answers: ReadonlyArray<{ questionChars: number; answerChars: number }>,
): number {
  return answers.reduce(
    (n, a, j) =>
      j === 0
        ? estimateTokens(cfg, frames, a.answerChars)
        : n + BRANCH_TOKENS + Math.ceil(a.questionChars / 2) + Math.ceil(a.answerChars / 2) + 1,
    0,
  );
}

/** LoRA parameters of the four fused linears of every block (the dimensions lora.ts trains). */
function loraNumel(cfg: Molmo2ShapeConfig, rank: number): number {
  const t = cfg.text_config;
  const H = t.hidden_size;
  const qkv = (t.num_attention_heads + 2 * t.num_key_value_heads) * t.head_dim;
  const perLayer =
    H + qkv + t.num_attention_heads * t.head_dim + H + H + 2 * t.intermediate_size + t.intermediate_size + H;
  return t.num_hidden_layers * rank * perLayer;
}

/**
 * Peak memory of training on examples of at most `tokens` tokens (`answerTokens` with loss) at LoRA rank `rank`. A
 * message tree is one example: its tokens are the shared prefix plus every branch, its answer tokens all branches'.
 */
export function estimateTrainMemory(
  cfg: Molmo2ShapeConfig,
  o: { tokens: number; answerTokens: number; rank: number; featureBytes?: number },
): TrainMemoryEstimate {
  const t = cfg.text_config;
  const S = o.tokens;
  const weights = molmo2ParamShapes(cfg)
    .filter((p) => !p.name.includes('vision_backbone'))
    .reduce((n, p) => n + F * p.shape.reduce((a, b) => a * b, 1), 0);
  const lora = 5 * F * loraNumel(cfg, o.rank);
  const kept = t.num_hidden_layers * S * t.hidden_size * F;
  const attention = 3 * t.num_attention_heads * S * S * F;
  const mlp = 3 * S * 2 * t.intermediate_size * F;
  const head = 3 * o.answerTokens * (t.vocab_size + t.additional_vocab_size) * F;
  const activations = kept + attention + mlp + head + S * t.hidden_size * F * 4;
  const features = o.featureBytes ?? 0;
  return {
    weights,
    lora,
    activations,
    features,
    overhead: OVERHEAD,
    total: weights + lora + activations + features + OVERHEAD,
    tokens: S,
  };
}
