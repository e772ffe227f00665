// The dimensions of the released Molmo2 checkpoints that shape memory (models/molmo2-4b/config.json for 4B; Qwen3-8B's
// decoder for 8B, which allenai/molmo2 names for Molmo2-8B; Olmo-3-7B's for O-7B, olmo/model_configs.py:203-245), so
// doctor and the Models page can estimate without weights.
import type { MemoryConfig } from './memory-estimate.js';

const VIT = {
  hidden_size: 1152,
  intermediate_size: 4304,
  num_hidden_layers: 27,
  num_attention_heads: 16,
  head_dim: 72,
  image_patch_size: 14,
  image_num_pos: 729,
};
/** The connector in all three releases: it pools at the ViT's width (16 heads × 72) from the same two ViT layers; its
 * MLP and output widths follow the decoder. */
const ADAPTER_COMMON = { hidden_size: 1152, num_attention_heads: 16, head_dim: 72, vit_layers: [-3, -9] };
const TEXT_COMMON = {
  num_hidden_layers: 36,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 128,
  vocab_size: 151936,
  additional_vocab_size: 128,
  qkv_bias: false,
  use_qk_norm: true,
  qk_norm_type: 'qwen3',
  max_position_embeddings: 36864,
};

export const RELEASED_SHAPES: Record<'molmo2-4b' | 'molmo2-8b' | 'molmo2-o-7b', MemoryConfig> = {
  'molmo2-4b': {
    vit_config: VIT,
    adapter_config: { ...ADAPTER_COMMON, intermediate_size: 9728, text_hidden_size: 2560 },
    text_config: { ...TEXT_COMMON, hidden_size: 2560, intermediate_size: 9728 },
  },
  'molmo2-8b': {
    vit_config: VIT,
    // The projector width follows the decoder's MLP width, as in the 4B (9728 = 9728); assumed for 8B.
    adapter_config: { ...ADAPTER_COMMON, intermediate_size: 12288, text_hidden_size: 4096 },
    text_config: { ...TEXT_COMMON, hidden_size: 4096, intermediate_size: 12288 },
  },
  'molmo2-o-7b': {
    vit_config: VIT,
    // Connector MLP = the LLM's mlp_hidden_size // 2 = 11008 (convert_molmo2_to_hf.py:161-164).
    adapter_config: { ...ADAPTER_COMMON, intermediate_size: 11008, text_hidden_size: 4096 },
    // MHA (32 K/V heads): its fp32 K/V cache per token is 4× the 4B's per layer.
    text_config: {
      ...TEXT_COMMON,
      num_hidden_layers: 32,
      num_key_value_heads: 32,
      hidden_size: 4096,
      intermediate_size: 11008,
      vocab_size: 100278,
      qk_norm_type: 'olmo',
      max_position_embeddings: 65536,
    },
  },
};
