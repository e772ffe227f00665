// The LoRA training loop: seeded data order, gradient accumulation with Σw over the whole accumulation batch,
// global-norm clipping, AdamW on a cosine schedule, and atomic checkpoints so a killed run resumes to the same bytes.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, throwIfCancelled } from '../../api/errors.js';
import { readSafetensorsHeader, readTensorF32, writeSafetensors } from '../molmo2/checkpoint/safetensors.js';
import { adamwStep, clipGradNorm, DEFAULT_ADAMW, newAdamWState, scheduledLr, type AdamWState } from './adamw.js';
import { checkSpec, initLora, SeededRng, type LoraParams, type LoraSpec } from './lora.js';
import type { TrainExample, TrainSession } from './train-session.js';

export interface TrainConfig {
  spec: LoraSpec;
  steps: number;
  lr: number;
  /** Examples per optimiser step (gradient accumulation). */
  accumulate: number;
  warmupSteps: number;
  seed: number;
  /** Global gradient-norm clip (Molmo2: 1.0). */
  clip: number;
  /** Write a resumable checkpoint every this many optimiser steps (and at the end). */
  checkpointEvery: number;
}

export interface StepReport {
  step: number;
  steps: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokens: number;
  tokensPerSecond: number;
  etaSeconds: number;
}

/** Limits that keep a request from running away (the CLI validates against the same numbers). */
export const TRAIN_LIMITS = { maxSteps: 1_000_000, maxAccumulate: 4096, maxLr: 1 };

/** Refuses out-of-range settings (before any data is prepared). */
export function checkConfig(c: TrainConfig): void {
  checkSpec(c.spec);
  const int = (v: number, lo: number, hi: number, what: string) => {
    if (!Number.isInteger(v) || v < lo || v > hi)
      throw new AppError('INVALID_INPUT', `${what} ${v} must be an integer in ${lo}…${hi}`);
  };
  int(c.steps, 1, TRAIN_LIMITS.maxSteps, 'steps');
  int(c.accumulate, 1, TRAIN_LIMITS.maxAccumulate, 'accumulate');
  int(c.warmupSteps, 0, TRAIN_LIMITS.maxSteps, 'warmup steps');
  int(c.checkpointEvery, 1, TRAIN_LIMITS.maxSteps, 'checkpoint interval');
  int(c.seed, 0, 2 ** 32 - 1, 'seed');
  if (!(c.lr > 0 && c.lr <= TRAIN_LIMITS.maxLr))
    throw new AppError('INVALID_INPUT', `learning rate ${c.lr} must be in (0, ${TRAIN_LIMITS.maxLr}]`);
  if (!(c.clip > 0) || !Number.isFinite(c.clip))
    throw new AppError('INVALID_INPUT', `clip ${c.clip} must be a positive number`);
}

/** Index of the c-th example drawn (0-based): each epoch is a seeded shuffle of all examples. */
export function exampleAt(n: number, seed: number, c: number): number {
  const epoch = Math.floor(c / n);
  const perm = Array.from({ length: n }, (_, i) => i);
  const rng = new SeededRng((seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  return perm[c % n]!;
}

interface Checkpointed {
  params: LoraParams;
  opt: AdamWState;
}

const STATE_FILE = 'train-state.safetensors';

function saveState(dir: string, cfgKey: string, s: Checkpointed): void {
  mkdirSync(dir, { recursive: true });
  const tensors = [...s.params].flatMap(([k, p]) => [
    { name: `param.${k}`, dtype: 'F32' as const, shape: [p.length], data: p },
    { name: `m.${k}`, dtype: 'F32' as const, shape: [p.length], data: s.opt.m.get(k)! },
    { name: `v.${k}`, dtype: 'F32' as const, shape: [p.length], data: s.opt.v.get(k)! },
  ]);
  writeSafetensors(join(dir, STATE_FILE), tensors, { step: String(s.opt.step), config: cfgKey });
}

function loadState(dir: string, cfgKey: string, init: LoraParams): Checkpointed | null {
  const file = join(dir, STATE_FILE);
  if (!existsSync(file)) return null;
  const h = readSafetensorsHeader(file);
  if (h.metadata.config !== cfgKey)
    throw new AppError('INVALID_INPUT', `${file} belongs to a run with other settings or data; use another --out`);
  const read = (name: string, len: number) => {
    const e = h.tensors.get(name);
    if (!e || e.shape[0] !== len) throw new AppError('INVALID_INPUT', `${file}: ${name} missing or mis-sized`);
    return readTensorF32(file, e);
  };
  const params: LoraParams = new Map();
  const opt: AdamWState = { step: Number(h.metadata.step), m: new Map(), v: new Map() };
  for (const [k, p] of init) {
    params.set(k, read(`param.${k}`, p.length));
    opt.m.set(k, read(`m.${k}`, p.length));
    opt.v.set(k, read(`v.${k}`, p.length));
  }
  if (!Number.isInteger(opt.step) || opt.step < 0) throw new AppError('INVALID_INPUT', `${file}: bad step`);
  return { params, opt };
}

function addInto(acc: LoraParams, g: LoraParams): void {
  for (const [k, v] of g) {
    const a = acc.get(k)!;
    for (let i = 0; i < v.length; i++) a[i] = Math.fround(a[i]! + v[i]!);
  }
}

export interface TrainRun {
  session: TrainSession;
  examples: TrainExample[];
  config: TrainConfig;
  /** Directory for the resumable state (train-state.safetensors). */
  stateDir: string;
  /** Identifies the data and settings; a checkpoint of another run is refused. */
  runKey: string;
  onStep?: (r: StepReport) => void;
  signal?: AbortSignal;
}

/** Trains (or resumes) to config.steps; returns the final LoRA parameters. */
export async function train(run: TrainRun): Promise<{ params: LoraParams; losses: number[] }> {
  const { config: c, examples, session } = run;
  checkConfig(c);
  if (examples.length === 0) throw new AppError('INVALID_INPUT', 'no training examples');
  const init = initLora(session.targets, c.spec, c.seed);
  const state = loadState(run.stateDir, run.runKey, init) ?? { params: init, opt: newAdamWState(init) };
  const schedule = { lr: c.lr, warmupSteps: c.warmupSteps, totalSteps: c.steps, finalFraction: 0.1 };
  const losses: number[] = [];
  const t0 = performance.now();
  let tokens = 0;
  const startStep = state.opt.step;
  for (let step = startStep + 1; step <= c.steps; step++) {
    throwIfCancelled(run.signal, 'Training');
    const batch = Array.from(
      { length: c.accumulate },
      (_, j) => examples[exampleAt(examples.length, c.seed, (step - 1) * c.accumulate + j)]!,
    );
    const wTot = batch.reduce((s, ex) => s + Array.from(ex.weights).reduce((a, b) => a + b, 0), 0);
    const grads: LoraParams = new Map([...state.params].map(([k, p]) => [k, new Float32Array(p.length)]));
    let loss = 0;
    for (const ex of batch) {
      const r = await session.step(ex, state.params, wTot);
      addInto(grads, r.grads);
      loss += r.loss;
      tokens += ex.ids.length;
    }
    const gradNorm = clipGradNorm(grads, c.clip);
    if (!Number.isFinite(gradNorm)) throw new AppError('ENGINE_FAILED', `non-finite gradient at step ${step}`);
    const lr = scheduledLr(schedule, step);
    adamwStep(state.params, grads, state.opt, { ...DEFAULT_ADAMW, lr }, lr);
    losses.push(loss);
    if (step % c.checkpointEvery === 0 || step === c.steps) saveState(run.stateDir, run.runKey, state);
    const secs = (performance.now() - t0) / 1000;
    const rate = (step - startStep) / secs;
    run.onStep?.({
      step,
      steps: c.steps,
      loss,
      lr,
      gradNorm,
      tokens,
      tokensPerSecond: tokens / secs,
      etaSeconds: (c.steps - step) / rate,
    });
  }
  return { params: state.params, losses };
}

/** Writes a small JSON file atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(value, null, 1));
  renameSync(`${file}.tmp`, file);
}

export const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
