// Training loop and adapters on the tiny checkpoint: deterministic for a seed, resume after an interruption ends in
// the same adapter bytes, the loss falls, PEFT's layout round-trips, and a merged adapter equals the LoRA branch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyCheckpoint, scratchDir } from '../../helpers/tiny.js';
import { openCheckpoint } from '../../../src-main/core/molmo2/weights.js';
import { readSafetensorsHeader } from '../../../src-main/core/molmo2/checkpoint/safetensors.js';
import { TrainSession } from '../../../src-main/core/finetune/train-session.js';
import { train, type TrainConfig } from '../../../src-main/core/finetune/trainer.js';
import {
  loadAdapter,
  mergedCheckpointDir,
  saveAdapter,
  ADAPTER_WEIGHTS,
} from '../../../src-main/core/finetune/adapter.js';
import { initLora, loraTargets } from '../../../src-main/core/finetune/lora.js';
import { FIXTURE_CHECKPOINT, FIXTURE_DIR, FIXTURE_SPEC, fixtureExample } from './fixture.js';

const ck = openCheckpoint(tinyCheckpoint(FIXTURE_CHECKPOINT));
const examples = [fixtureExample('video_points').example, fixtureExample('image_caption').example];
const config: TrainConfig = {
  spec: FIXTURE_SPEC,
  steps: 4,
  lr: 5e-3,
  accumulate: 2,
  warmupSteps: 1,
  seed: 3,
  clip: 1,
  checkpointEvery: 1,
};

async function run(stateDir: string, cfg = config, signal?: AbortSignal, onStep?: (s: number) => void) {
  const session = await TrainSession.open(ck, { spec: cfg.spec, cacheDir: scratchDir('lora-train-cache'), threads: 1 });
  try {
    return await train({
      session,
      examples,
      config: cfg,
      stateDir,
      runKey: 'test',
      signal,
      onStep: (r) => onStep?.(r.step),
    });
  } finally {
    await session.close();
  }
}

const bytes = (dir: string, params: Awaited<ReturnType<typeof run>>['params']) => {
  saveAdapter(dir, ck, FIXTURE_SPEC, params, null);
  return readFileSync(join(dir, ADAPTER_WEIGHTS));
};

test('training is deterministic for a seed, the loss falls, and an interrupted run resumes to the same bytes', async () => {
  const a = await run(scratchDir('lora-run'));
  const b = await run(scratchDir('lora-run'));
  assert.ok(
    bytes(scratchDir('ad'), a.params).equals(bytes(scratchDir('ad'), b.params)),
    'same seed, same adapter bytes',
  );
  console.log('losses', a.losses.map((l) => l.toFixed(4)).join(' '));
  assert.ok(a.losses[3]! < a.losses[0]! - 0.05, `loss falls: ${a.losses.join(', ')}`);
  const dir = scratchDir('lora-run');
  const ac = new AbortController();
  await assert.rejects(
    run(dir, config, ac.signal, (s) => s === 2 && ac.abort()),
    /cancelled/,
  );
  const resumed = await run(dir);
  assert.equal(resumed.losses.length, 2, 'resumed at step 3');
  assert.ok(
    bytes(scratchDir('ad'), resumed.params).equals(bytes(scratchDir('ad'), a.params)),
    'resumed run ends in the same bytes',
  );
  const other = await run(scratchDir('lora-run'), { ...config, seed: 4 });
  assert.ok(!bytes(scratchDir('ad'), other.params).equals(bytes(scratchDir('ad'), a.params)), 'another seed differs');
});

test('a checkpoint from a run with other settings is refused', async () => {
  const dir = scratchDir('lora-run');
  await run(dir, { ...config, steps: 1 });
  const session = await TrainSession.open(ck, { spec: FIXTURE_SPEC, cacheDir: scratchDir('c') });
  await assert.rejects(train({ session, examples, config, stateDir: dir, runKey: 'other data' }), /other settings/);
  await session.close();
});

test('adapters use PEFT key names, shapes and config fields, and a PEFT-made adapter loads', () => {
  const peft = readSafetensorsHeader(join(FIXTURE_DIR, 'adapter_init.safetensors'));
  const dir = scratchDir('ad');
  saveAdapter(dir, ck, FIXTURE_SPEC, initLora(loraTargets(ck), FIXTURE_SPEC, 1), 'tiny');
  const ours = readSafetensorsHeader(join(dir, ADAPTER_WEIGHTS));
  assert.deepEqual([...ours.tensors.keys()].sort(), [...peft.tensors.keys()].sort());
  for (const [k, e] of peft.tensors) assert.deepEqual(ours.tensors.get(k)!.shape, e.shape, k);
  const cfg = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  const ref = JSON.parse(readFileSync(join(FIXTURE_DIR, 'adapter_init_config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  for (const k of [
    'peft_type',
    'task_type',
    'r',
    'lora_alpha',
    'target_modules',
    'bias',
    'fan_in_fan_out',
    'use_rslora',
    'use_dora',
  ])
    assert.deepEqual(cfg[k], ref[k], k);
  // The PEFT-written adapter (made by the reference harness) loads with the same values it holds.
  const pdir = scratchDir('peft');
  copyFileSync(join(FIXTURE_DIR, 'adapter_init.safetensors'), join(pdir, ADAPTER_WEIGHTS));
  copyFileSync(join(FIXTURE_DIR, 'adapter_init_config.json'), join(pdir, 'adapter_config.json'));
  const loaded = loadAdapter(pdir, ck);
  assert.deepEqual(loaded.spec, FIXTURE_SPEC);
  assert.equal(loaded.params.size, 16);
});

test('an adapter merged into a cached checkpoint gives the LoRA graph loss with zero LoRA', async () => {
  const pdir = scratchDir('peft');
  copyFileSync(join(FIXTURE_DIR, 'adapter_init.safetensors'), join(pdir, ADAPTER_WEIGHTS));
  copyFileSync(join(FIXTURE_DIR, 'adapter_init_config.json'), join(pdir, 'adapter_config.json'));
  const adapter = loadAdapter(pdir, ck);
  const cache = scratchDir('merge');
  const mdir = mergedCheckpointDir(ck, adapter, cache);
  assert.equal(mergedCheckpointDir(ck, adapter, cache), mdir, 'built once');
  const mck = openCheckpoint(mdir);
  const ex = examples[0]!;
  const w = Array.from(ex.weights).reduce((p, q) => p + q, 0);
  const s1 = await TrainSession.open(ck, { spec: FIXTURE_SPEC, cacheDir: scratchDir('c') });
  const withBranch = await s1.step(ex, adapter.params, w);
  await s1.close();
  const zero = new Map([...adapter.params].map(([k, v]) => [k, new Float32Array(v.length)]));
  const s2 = await TrainSession.open(mck, { spec: FIXTURE_SPEC, cacheDir: scratchDir('c') });
  const merged = await s2.step(ex, zero, w);
  await s2.close();
  assert.ok(Math.abs(merged.loss - withBranch.loss) / withBranch.loss < 1e-6, `${merged.loss} vs ${withBranch.loss}`);
});
