// RoPE parameters per decoder layer, from text_config: default RoPE, or YaRN on the layers of rope_scaling_layers
// (Molmo2-O-7B). One source for the graph compiler and the TypeScript reference; checked against the HF port's output.
import { AppError } from '../../../api/errors.js';

/** text_config.rope_scaling as the HF port reads it (transformers' ROPE_INIT_FUNCTIONS keys). */
export interface RopeScaling {
  rope_type: string;
  factor: number;
  attention_factor?: number | null;
  beta_fast?: number;
  beta_slow?: number;
  original_max_position_embeddings?: number;
  truncate?: boolean;
}

/** The text_config fields that decide RoPE. */
export interface RopeConfig {
  head_dim: number;
  rope_theta: number;
  num_hidden_layers: number;
  max_position_embeddings: number;
  rope_scaling: RopeScaling | null | unknown;
  rope_scaling_layers: number[] | null;
}

export interface RopeParams {
  /** 'default' or 'scaling' (the HF port's two rotary modules, modeling_molmo2.py:945-953). */
  kind: 'default' | 'scaling';
  /** inv_freq[i], i < head_dim/2, rounded to float32 as the reference computes it. */
  invFreq: number[];
  /** Multiplies cos and sin (YaRN's attention factor; 1 for default RoPE). */
  attentionFactor: number;
}

const f = Math.fround;

function defaultInvFreq(theta: number, d: number): number[] {
  return Array.from({ length: d / 2 }, (_, i) => f(1 / Math.pow(theta, (2 * i) / d)));
}

function scalingOf(c: RopeConfig): RopeScaling | null {
  const s = c.rope_scaling as RopeScaling | null | undefined;
  return s && typeof s === 'object' ? s : null;
}

/**
 * YaRN as transformers 4.57 `_compute_yarn_parameters` (the version the released configs name): with
 * original_max_position_embeddings present, factor = max_position_embeddings / original (65536 / 8192 = 8 for O-7B,
 * equal to rope_scaling.factor); correction range truncated; float32 steps emulated with Math.fround.
 */
function yarn(c: RopeConfig, s: RopeScaling): RopeParams {
  const d = c.head_dim;
  const base = c.rope_theta;
  const orig = s.original_max_position_embeddings ?? c.max_position_embeddings;
  const factor = s.original_max_position_embeddings
    ? c.max_position_embeddings / s.original_max_position_embeddings
    : s.factor;
  const attentionFactor = s.attention_factor ?? (factor <= 1 ? 1 : 0.1 * Math.log(factor) + 1);
  const betaFast = s.beta_fast || 32;
  const betaSlow = s.beta_slow || 1;
  const corrDim = (rot: number) => (d * Math.log(orig / (rot * 2 * Math.PI))) / (2 * Math.log(base));
  let low = corrDim(betaFast);
  let high = corrDim(betaSlow);
  if (s.truncate ?? true) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, d - 1);
  if (low === high) high += 0.001;
  const invFreq = Array.from({ length: d / 2 }, (_, i) => {
    const pos = f(Math.pow(base, f((2 * i) / d)));
    const extrap = f(1 / pos);
    const interp = f(1 / f(factor * pos));
    const ramp = Math.min(Math.max(f((i - low) / (high - low)), 0), 1);
    const ef = f(1 - ramp);
    return f(f(interp * f(1 - ef)) + f(extrap * ef));
  });
  return { kind: 'scaling', invFreq, attentionFactor: f(attentionFactor) };
}

/** Which rotary module layer `l` uses: with rope_scaling, the listed layers (all when no list) scale. */
export function ropeKindOf(c: RopeConfig, l: number): 'default' | 'scaling' {
  if (!scalingOf(c)) return 'default';
  return !c.rope_scaling_layers || c.rope_scaling_layers.includes(l) ? 'scaling' : 'default';
}

/** The RoPE parameters of one rotary module ('scaling' needs rope_scaling of type yarn or default). */
export function ropeParams(c: RopeConfig, kind: 'default' | 'scaling'): RopeParams {
  const s = scalingOf(c);
  if (kind === 'default' || !s || s.rope_type === 'default') {
    return { kind, invFreq: defaultInvFreq(c.rope_theta, c.head_dim), attentionFactor: 1 };
  }
  if (s.rope_type !== 'yarn')
    throw new AppError('MODEL_UNSUPPORTED', `rope_scaling.rope_type "${s.rope_type}" is not supported`);
  return yarn(c, s);
}
