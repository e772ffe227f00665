// The Hugging Face parameter names and shapes of a Molmo2 checkpoint, derived from its config.json.
// One source of truth for the tiny-checkpoint generator, the checkpoint validator and the graph compiler.

/** The subset of config.json fields that determine parameter shapes. */
export interface Molmo2ShapeConfig {
  vit_config: {
    hidden_size: number;
    intermediate_size: number;
    num_hidden_layers: number;
    num_attention_heads: number;
    head_dim: number;
    image_patch_size: number;
    image_num_pos: number;
  };
  adapter_config: {
    hidden_size: number;
    intermediate_size: number;
    num_attention_heads: number;
    head_dim: number;
    text_hidden_size: number;
    vit_layers: number[];
  };
  text_config: {
    hidden_size: number;
    intermediate_size: number;
    num_hidden_layers: number;
    num_attention_heads: number;
    num_key_value_heads: number;
    head_dim: number;
    vocab_size: number;
    additional_vocab_size: number;
    qkv_bias: boolean;
    use_qk_norm: boolean;
    qk_norm_type: string;
  };
}

export interface ParamShape {
  name: string;
  shape: number[];
  /** What kind of initialisation a generator should use. */
  init: 'linear' | 'bias' | 'norm-weight' | 'norm-bias' | 'embedding' | 'pos-embedding';
}

/** Number of ViT blocks stored/used: the backbone truncates at max(vit_layers)+1 (negative indices from the end). */
export function usedVitLayers(cfg: Molmo2ShapeConfig): number {
  const n = cfg.vit_config.num_hidden_layers;
  const idx = cfg.adapter_config.vit_layers.map((l) => (l >= 0 ? l : n + l));
  return Math.max(...idx) + 1;
}

/** Every parameter of the checkpoint with its shape, in a stable order. */
export function molmo2ParamShapes(cfg: Molmo2ShapeConfig): ParamShape[] {
  const v = cfg.vit_config;
  const a = cfg.adapter_config;
  const t = cfg.text_config;
  const out: ParamShape[] = [];
  const vp = 'model.vision_backbone.image_vit.';
  const patchDim = v.image_patch_size * v.image_patch_size * 3;
  out.push({ name: `${vp}patch_embedding.weight`, shape: [v.hidden_size, patchDim], init: 'linear' });
  out.push({ name: `${vp}patch_embedding.bias`, shape: [v.hidden_size], init: 'bias' });
  out.push({ name: `${vp}positional_embedding`, shape: [v.image_num_pos, v.hidden_size], init: 'pos-embedding' });
  const vAttn = v.num_attention_heads * v.head_dim;
  for (let i = 0; i < usedVitLayers(cfg); i++) {
    const p = `${vp}transformer.resblocks.${i}.`;
    out.push({ name: `${p}attention_norm.weight`, shape: [v.hidden_size], init: 'norm-weight' });
    out.push({ name: `${p}attention_norm.bias`, shape: [v.hidden_size], init: 'norm-bias' });
    for (const w of ['wq', 'wk', 'wv']) {
      out.push({ name: `${p}attention.${w}.weight`, shape: [vAttn, v.hidden_size], init: 'linear' });
      out.push({ name: `${p}attention.${w}.bias`, shape: [vAttn], init: 'bias' });
    }
    out.push({ name: `${p}attention.wo.weight`, shape: [v.hidden_size, vAttn], init: 'linear' });
    out.push({ name: `${p}attention.wo.bias`, shape: [v.hidden_size], init: 'bias' });
    out.push({ name: `${p}ffn_norm.weight`, shape: [v.hidden_size], init: 'norm-weight' });
    out.push({ name: `${p}ffn_norm.bias`, shape: [v.hidden_size], init: 'norm-bias' });
    out.push({ name: `${p}feed_forward.w1.weight`, shape: [v.intermediate_size, v.hidden_size], init: 'linear' });
    out.push({ name: `${p}feed_forward.w1.bias`, shape: [v.intermediate_size], init: 'bias' });
    out.push({ name: `${p}feed_forward.w2.weight`, shape: [v.hidden_size, v.intermediate_size], init: 'linear' });
    out.push({ name: `${p}feed_forward.w2.bias`, shape: [v.hidden_size], init: 'bias' });
  }
  const cp = 'model.vision_backbone.';
  const poolIn = v.hidden_size * a.vit_layers.length;
  const aAttn = a.num_attention_heads * a.head_dim;
  for (const w of ['wq', 'wk', 'wv']) {
    out.push({ name: `${cp}image_pooling_2d.${w}.weight`, shape: [aAttn, poolIn], init: 'linear' });
    out.push({ name: `${cp}image_pooling_2d.${w}.bias`, shape: [aAttn], init: 'bias' });
  }
  out.push({ name: `${cp}image_pooling_2d.wo.weight`, shape: [a.hidden_size, aAttn], init: 'linear' });
  out.push({ name: `${cp}image_pooling_2d.wo.bias`, shape: [a.hidden_size], init: 'bias' });
  out.push({ name: `${cp}image_projector.w1.weight`, shape: [a.intermediate_size, a.hidden_size], init: 'linear' });
  out.push({ name: `${cp}image_projector.w3.weight`, shape: [a.intermediate_size, a.hidden_size], init: 'linear' });
  out.push({
    name: `${cp}image_projector.w2.weight`,
    shape: [a.text_hidden_size, a.intermediate_size],
    init: 'linear',
  });

  const tp = 'model.transformer.';
  const H = t.hidden_size;
  const d = t.head_dim;
  out.push({ name: `${tp}wte.embedding`, shape: [t.vocab_size, H], init: 'embedding' });
  out.push({ name: `${tp}wte.new_embedding`, shape: [t.additional_vocab_size, H], init: 'embedding' });
  const qkv = (t.num_attention_heads + 2 * t.num_key_value_heads) * d;
  for (let i = 0; i < t.num_hidden_layers; i++) {
    const p = `${tp}blocks.${i}.`;
    out.push({ name: `${p}attn_norm.weight`, shape: [H], init: 'norm-weight' });
    out.push({ name: `${p}self_attn.att_proj.weight`, shape: [qkv, H], init: 'linear' });
    if (t.qkv_bias) out.push({ name: `${p}self_attn.att_proj.bias`, shape: [qkv], init: 'bias' });
    if (t.use_qk_norm) {
      const olmo = t.qk_norm_type === 'olmo';
      out.push({
        name: `${p}self_attn.q_norm.weight`,
        shape: [olmo ? t.num_attention_heads * d : d],
        init: 'norm-weight',
      });
      out.push({
        name: `${p}self_attn.k_norm.weight`,
        shape: [olmo ? t.num_key_value_heads * d : d],
        init: 'norm-weight',
      });
    }
    out.push({ name: `${p}self_attn.attn_out.weight`, shape: [H, t.num_attention_heads * d], init: 'linear' });
    out.push({ name: `${p}ff_norm.weight`, shape: [H], init: 'norm-weight' });
    out.push({ name: `${p}mlp.ff_proj.weight`, shape: [2 * t.intermediate_size, H], init: 'linear' });
    out.push({ name: `${p}mlp.ff_out.weight`, shape: [H, t.intermediate_size], init: 'linear' });
  }
  out.push({ name: `${tp}ln_f.weight`, shape: [H], init: 'norm-weight' });
  out.push({ name: 'lm_head.weight', shape: [t.vocab_size, H], init: 'linear' });
  return out;
}
