// The LoRA parity fixtures (tests/fixtures/lora-parity, compacted from reference/parity/lora by make.py there):
// Allen AI's HF port + torch autograd on the tiny checkpoint (seed 7, fp32), PEFT LoRA r=4 alpha=8 on all four modules.
import { resolve } from 'node:path';
import { readSafetensorsHeader, readTensorBytes } from '../../../src-main/core/molmo2/checkpoint/safetensors.js';
import type { LoraParams } from '../../../src-main/core/finetune/lora.js';
import type { TrainExample } from '../../../src-main/core/finetune/train-session.js';

export const FIXTURE_DIR = resolve('tests/fixtures/lora-parity');
export const FIXTURE_SPEC = { rank: 4, alpha: 8 };
export const FIXTURE_CHECKPOINT = { seed: 7, dtype: 'float32' as const };
export const FIXTURE_CHECKPOINT_SHA256 = '2a2db4366f85dd352b62c848a7972319cc30fc3650038da35c31de04b72c3dc5';

function readAll(file: string): Map<string, { dtype: string; shape: number[]; data: Float32Array | Int32Array }> {
  const h = readSafetensorsHeader(file);
  const out = new Map<string, { dtype: string; shape: number[]; data: Float32Array | Int32Array }>();
  for (const [name, e] of h.tensors) {
    const b = readTensorBytes(file, e);
    const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    out.set(name, {
      dtype: e.dtype,
      shape: e.shape,
      data: e.dtype === 'I32' ? new Int32Array(ab) : new Float32Array(ab),
    });
  }
  return out;
}

export interface FixtureExample {
  example: TrainExample;
  loss: number;
  lossAfterStep: number;
  ce: Float32Array;
  grads: LoraParams;
  after: LoraParams;
}

/** Initial LoRA parameters (PEFT keys). */
export function fixtureInit(): LoraParams {
  const m = readAll(resolve(FIXTURE_DIR, 'adapter_init.safetensors'));
  return new Map([...m].map(([k, v]) => [k, v.data as Float32Array]));
}

/** One of 'video_points' | 'image_caption'. */
export function fixtureExample(name: 'video_points' | 'image_caption'): FixtureExample {
  const m = readAll(resolve(FIXTURE_DIR, `${name}.safetensors`));
  const get = (k: string) => m.get(k)!.data;
  const tp = Array.from(get('target_positions'));
  const ids = Array.from(get('input_ids'));
  const prefixed = (p: string) =>
    new Map([...m].filter(([k]) => k.startsWith(p)).map(([k, v]) => [k.slice(p.length), v.data as Float32Array]));
  return {
    example: {
      ids,
      types: Array.from(get('token_type_ids')),
      features: get('features') as Float32Array,
      logitPositions: tp.map((p) => p - 1),
      targets: tp.map((p) => ids[p]!),
      weights: Array.from(get('target_weights')),
    },
    loss: get('loss')[0]!,
    lossAfterStep: get('loss_after_adamw_step')[0]!,
    ce: get('per_token_ce') as Float32Array,
    grads: prefixed('grad.'),
    after: prefixed('after.'),
  };
}

/** max |a−b| / max |b|. */
export function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / den;
}
