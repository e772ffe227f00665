// AdamW on fp32 LoRA tensors in JavaScript (torch.optim.AdamW's single-tensor arithmetic, rounded to fp32 at each
// operation as torch does), global-norm gradient clipping, and a cosine schedule with linear warmup (Molmo2's shape).
import { AppError } from '../../api/errors.js';
import type { LoraParams } from './lora.js';

export interface AdamWConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** Molmo2's SFT optimiser settings (betas 0.9/0.95, eps 1e-6, no weight decay) at a LoRA learning rate. */
export const DEFAULT_ADAMW: AdamWConfig = { lr: 1e-4, beta1: 0.9, beta2: 0.95, eps: 1e-6, weightDecay: 0 };

export interface AdamWState {
  /** Optimiser steps taken so far. */
  step: number;
  m: LoraParams;
  v: LoraParams;
}

export function newAdamWState(params: LoraParams): AdamWState {
  const zeros = () => new Map([...params].map(([k, p]) => [k, new Float32Array(p.length)]));
  return { step: 0, m: zeros(), v: zeros() };
}

const f = Math.fround;

/** One AdamW step in place on `params` with learning rate `lr` (torch 1.13 single-tensor path, fp32). */
export function adamwStep(
  params: LoraParams,
  grads: LoraParams,
  state: AdamWState,
  cfg: AdamWConfig,
  lr: number,
): void {
  state.step += 1;
  const bc1 = 1 - Math.pow(cfg.beta1, state.step);
  const bc2Sqrt = f(Math.sqrt(1 - Math.pow(cfg.beta2, state.step)));
  const eps = f(cfg.eps);
  const stepSize = f(lr / bc1);
  const decay = f(1 - lr * cfg.weightDecay);
  const b1 = f(cfg.beta1);
  const b2 = f(cfg.beta2);
  const c1 = f(1 - cfg.beta1);
  const c2 = f(1 - cfg.beta2);
  for (const [key, p] of params) {
    const g = grads.get(key);
    const m = state.m.get(key);
    const v = state.v.get(key);
    if (!g || !m || !v || g.length !== p.length)
      throw new AppError('INTERNAL', `AdamW: no gradient or state for ${key}`);
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      const pi = cfg.weightDecay === 0 ? p[i]! : f(p[i]! * decay);
      const mi = f(f(m[i]! * b1) + f(gi * c1));
      const vi = f(f(v[i]! * b2) + f(f(gi * gi) * c2));
      m[i] = mi;
      v[i] = vi;
      const denom = f(f(f(Math.sqrt(vi)) / bc2Sqrt) + eps);
      p[i] = f(pi - f(stepSize * f(mi / denom)));
    }
  }
}

/** Global L2 norm of all gradients (accumulated in fp64). */
export function globalNorm(grads: LoraParams): number {
  let s = 0;
  for (const g of grads.values()) for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
  return Math.sqrt(s);
}

/** Scales gradients in place so their global norm is at most maxNorm (torch's clip_grad_norm_ rule); returns the norm. */
export function clipGradNorm(grads: LoraParams, maxNorm: number): number {
  const norm = globalNorm(grads);
  if (!Number.isFinite(norm)) return norm;
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (const g of grads.values()) for (let i = 0; i < g.length; i++) g[i] = f(g[i]! * coef);
  return norm;
}

export interface Schedule {
  /** Peak learning rate. */
  lr: number;
  warmupSteps: number;
  totalSteps: number;
  /** Final learning rate as a fraction of the peak (Molmo2: 0.1). */
  finalFraction: number;
}

/** Learning rate of optimiser step t (1-based): linear warmup to lr over warmupSteps, then cosine to lr·finalFraction. */
export function scheduledLr(s: Schedule, t: number): number {
  if (t <= s.warmupSteps) return (s.lr * t) / Math.max(1, s.warmupSteps);
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const progress = Math.min(1, (t - s.warmupSteps) / span);
  const min = s.lr * s.finalFraction;
  return min + ((s.lr - min) * (1 + Math.cos(Math.PI * progress))) / 2;
}
