// LoRA layout for Molmo2's decoder: which fused linears carry an adapter, their shapes, PEFT key names and PEFT's
// initialisation (A ~ kaiming-uniform(a=√5) = U(±1/√in), B = 0) from a seeded generator, so a seed fixes the adapter.
import { AppError } from '../../api/errors.js';
import type { Checkpoint } from '../molmo2/weights.js';

/** The four fused decoder linears PEFT/ms-swift target on Molmo2 (HF module names under blocks.N). */
export const LORA_MODULES = ['self_attn.att_proj', 'self_attn.attn_out', 'mlp.ff_proj', 'mlp.ff_out'] as const;
export type LoraModule = (typeof LORA_MODULES)[number];

export interface LoraSpec {
  rank: number;
  alpha: number;
}

/** One adapted linear: the HF weight it wraps and the PEFT keys of its two factors. */
export interface LoraTarget {
  layer: number;
  module: LoraModule;
  /** HF name of the frozen weight, e.g. model.transformer.blocks.0.self_attn.att_proj.weight. */
  weight: string;
  inFeatures: number;
  outFeatures: number;
  /** PEFT key of A [rank, in]. */
  keyA: string;
  /** PEFT key of B [out, rank]. */
  keyB: string;
}

export const MAX_RANK = 256;

/** Checks rank/alpha bounds (rank 1…256, alpha finite and > 0). */
export function checkSpec(spec: LoraSpec): void {
  if (!Number.isInteger(spec.rank) || spec.rank < 1 || spec.rank > MAX_RANK) {
    throw new AppError('INVALID_INPUT', `LoRA rank ${spec.rank} must be an integer in 1…${MAX_RANK}`);
  }
  if (!Number.isFinite(spec.alpha) || spec.alpha <= 0 || spec.alpha > 1e6) {
    throw new AppError('INVALID_INPUT', `LoRA alpha ${spec.alpha} must be a positive finite number`);
  }
}

/** The scale applied to the LoRA branch (alpha / rank, PEFT without rsLoRA). */
export const loraScale = (spec: LoraSpec): number => spec.alpha / spec.rank;

/** PEFT's saved key for an HF weight name and factor ("base_model.model." + module + ".lora_A.weight"). */
export function peftKey(weight: string, factor: 'A' | 'B'): string {
  return `base_model.model.${weight.replace(/\.weight$/, '')}.lora_${factor}.weight`;
}

/** Every adapted linear of the checkpoint, in PEFT's creation order (layer, then the module order above). */
export function loraTargets(ck: Checkpoint): LoraTarget[] {
  const t = ck.config.text_config;
  const H = t.hidden_size;
  const qkv = (t.num_attention_heads + 2 * t.num_key_value_heads) * t.head_dim;
  const dims: Record<LoraModule, [number, number]> = {
    'self_attn.att_proj': [H, qkv],
    'self_attn.attn_out': [t.num_attention_heads * t.head_dim, H],
    'mlp.ff_proj': [H, 2 * t.intermediate_size],
    'mlp.ff_out': [t.intermediate_size, H],
  };
  const out: LoraTarget[] = [];
  for (let layer = 0; layer < t.num_hidden_layers; layer++) {
    for (const module of LORA_MODULES) {
      const weight = `model.transformer.blocks.${layer}.${module}.weight`;
      const [inFeatures, outFeatures] = dims[module];
      out.push({
        layer,
        module,
        weight,
        inFeatures,
        outFeatures,
        keyA: peftKey(weight, 'A'),
        keyB: peftKey(weight, 'B'),
      });
    }
  }
  return out;
}

/** LoRA parameters by PEFT key (fp32, row-major). */
export type LoraParams = Map<string, Float32Array>;

/** Shape of a PEFT key's tensor. */
export function paramShape(target: LoraTarget, factor: 'A' | 'B', rank: number): [number, number] {
  return factor === 'A' ? [rank, target.inFeatures] : [target.outFeatures, rank];
}

/** Deterministic 32-bit generator (mulberry32); the state is one uint32, so it can be checkpointed. */
export class SeededRng {
  constructor(public state: number) {
    this.state = state >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  }
}

/** PEFT's default init: A ~ U(−1/√in, 1/√in) (kaiming-uniform with a=√5), B = 0; same seed → same bytes. */
export function initLora(targets: LoraTarget[], spec: LoraSpec, seed: number): LoraParams {
  checkSpec(spec);
  const rng = new SeededRng(seed);
  const params: LoraParams = new Map();
  for (const t of targets) {
    const bound = 1 / Math.sqrt(t.inFeatures);
    const a = new Float32Array(spec.rank * t.inFeatures);
    for (let i = 0; i < a.length; i++) a[i] = (2 * rng.next() - 1) * bound;
    params.set(t.keyA, a);
    params.set(t.keyB, new Float32Array(t.outFeatures * spec.rank));
  }
  return params;
}
