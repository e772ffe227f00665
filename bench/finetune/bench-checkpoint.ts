// The tiny checkpoint options the fine-tune benches share: seed 7, fp32, optionally more layers and Molmo2-4B's
// decoder widths (hidden 2560, 32/8 heads × 128, MLP 9728).
import type { TinyOptions } from '../../models/tiny/make-tiny.js';

const REAL_WIDTH = {
  hidden_size: 2560,
  intermediate_size: 9728,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 128,
};

/** Options of the bench checkpoint with `layers` decoder layers (2 = the tiny default), at 4B widths on request. */
export function benchCheckpointOptions(layers: number, realWidth: boolean) {
  const text = { ...(layers !== 2 ? { num_hidden_layers: layers } : {}), ...(realWidth ? REAL_WIDTH : {}) };
  return { seed: 7, dtype: 'float32' as const, ...(Object.keys(text).length ? { text } : {}) } satisfies TinyOptions;
}

/** The command-line options every fine-tune bench on this checkpoint takes (node:util parseArgs form). */
export const BENCH_CHECKPOINT_ARGS = {
  layers: { type: 'string', default: '2' },
  rank: { type: 'string', default: '16' },
  'real-width': { type: 'boolean' },
} as const;
