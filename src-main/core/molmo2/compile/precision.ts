// Weight precisions the compiler emits, and how each checkpoint tensor is stored under each one (the plan the
// converter writes and the binder reads). The choices are measured: see bench/precision/ and the README.
import { AppError } from '../../../api/errors.js';

export const PRECISIONS = ['fp32', 'fp16', 'int8', 'int4'] as const;
export type Precision = (typeof PRECISIONS)[number];

/**
 * How one tensor is stored in a converted weights file. `f16t` is an fp16 Linear weight stored transposed, [in, out]
 * (the checkpoint holds [out, in]), so the graph is a plain `MatMul(x, W)`: a Transpose node on the weight would be
 * constant-folded when the session loads, holding a second copy of every weight beside the first (≈ 2 × 9.7 GB for 4B).
 */
export type StorageKind = 'f32' | 'f16' | 'f16t' | 'q8' | 'q4';

/**
 * Block sizes and MatMulNBits accuracy level, measured on a 2560→9728 projection (bench/precision/kernels.ts):
 * int4 block 32 has ~20 % less error than block 128 for ~1 extra bit per weight; int8's error barely moves with the
 * block, so it takes the cheaper 128. accuracy_level 4 (int8 activations) is what makes the CPU kernels fast; at
 * level 0 the int8 kernel took 0.5–1 s per decode row.
 */
export const NBITS = { q4: { bits: 4, block: 32 }, q8: { bits: 8, block: 128 } } as const;
export const NBITS_ACCURACY_LEVEL = 4;

/** Parses a user-given precision (CLI flag, request field). */
export function parsePrecision(s: string): Precision {
  if ((PRECISIONS as readonly string[]).includes(s)) return s as Precision;
  if (s === 'bf16') {
    throw new AppError(
      'INVALID_INPUT',
      "bf16 is not offered: onnxruntime-node's CPU provider has no bf16 MatMul (measured) and bf16 cannot cross the JavaScript boundary; use fp16 or int8/int4.",
    );
  }
  throw new AppError('INVALID_INPUT', `precision "${s}" is not one of ${PRECISIONS.join(', ')}`);
}

/** Row embedding tables (Gather, not MatMul). */
export function isEmbedding(name: string): boolean {
  return name.endsWith('wte.embedding') || name.endsWith('wte.new_embedding');
}

/**
 * Storage of tensor `name` of shape `shape` at `precision`: 1-D tensors (norms, biases) and the ViT positional
 * embedding stay fp32 (tiny); embedding tables go fp16 below fp32 (a gathered row is cast, nothing else pays); every
 * other 2-D weight is a Linear and takes the precision itself — the LM head included (measured: see README) — and at
 * fp16 is stored transposed (`f16t`).
 */
export function storageOf(name: string, shape: readonly number[], precision: Precision): StorageKind {
  if (precision === 'fp32' || shape.length !== 2 || name.endsWith('positional_embedding')) return 'f32';
  if (isEmbedding(name)) return 'f16';
  if (precision === 'fp16') return 'f16t';
  return precision === 'int8' ? 'q8' : 'q4';
}
