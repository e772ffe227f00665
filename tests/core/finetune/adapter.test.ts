// Hostile adapters: wrong shapes, unknown keys, NaN, unsupported PEFT variants, missing files — all refused with a
// reason, never merged; ask --adapter names the problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { runCli } from '../../helpers/cli.js';
import { openCheckpoint } from '../../../src-main/core/molmo2/weights.js';
import { writeSafetensors } from '../../../src-main/core/molmo2/checkpoint/safetensors.js';
import { loadAdapter, peftConfig, saveAdapter } from '../../../src-main/core/finetune/adapter.js';
import { initLora, loraTargets } from '../../../src-main/core/finetune/lora.js';

const base = tinyCheckpoint({ seed: 7, dtype: 'float32' });
const ck = openCheckpoint(base);
const spec = { rank: 4, alpha: 8 };

function adapterWith(
  edit: (tensors: { name: string; shape: number[]; data: Float32Array }[]) => void,
  cfg: Record<string, unknown> = {},
): string {
  const dir = scratchDir('bad-adapter');
  const p = initLora(loraTargets(ck), spec, 1);
  const tensors = loraTargets(ck).flatMap((t) => [
    { name: t.keyA, shape: [spec.rank, t.inFeatures], data: p.get(t.keyA)! },
    { name: t.keyB, shape: [t.outFeatures, spec.rank], data: p.get(t.keyB)! },
  ]);
  edit(tensors);
  writeSafetensors(
    join(dir, 'adapter_model.safetensors'),
    tensors.map((t) => ({ ...t, dtype: 'F32' as const })),
  );
  writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ ...peftConfig(spec, null), ...cfg }));
  return dir;
}

test('malformed or unsupported adapters are refused with a reason', () => {
  const cases: Array<[string, RegExp]> = [
    [
      adapterWith((t) => {
        t[0] = { ...t[0]!, shape: [8, t[0]!.shape[1]!], data: new Float32Array(8 * t[0]!.shape[1]!) };
      }),
      /expected \[4,/,
    ],
    [
      adapterWith((t) => {
        t.push({ name: 'base_model.model.lm_head.lora_A.weight', shape: [1], data: new Float32Array(1) });
      }),
      /not a LoRA tensor/,
    ],
    [
      adapterWith((t) => {
        t[1]!.data[0] = NaN;
      }),
      /NaN/,
    ],
    [adapterWith(() => {}, { use_dora: true }), /DoRA/],
    [adapterWith(() => {}, { rank_pattern: { att_proj: 8 } }), /rank_pattern/],
    [adapterWith(() => {}, { r: 0 }), /rank/],
    [adapterWith(() => {}, { peft_type: 'IA3' }), /LORA/],
  ];
  for (const [dir, re] of cases) assert.throws(() => loadAdapter(dir, ck), re);
  assert.throws(() => loadAdapter(scratchDir('empty'), ck), /adapter_config/);
  const notJson = scratchDir('nj');
  writeFileSync(join(notJson, 'adapter_config.json'), '{');
  assert.throws(() => loadAdapter(notJson, ck), /not JSON/);
});

test('an adapter that adapts only some modules loads (the rest get zero factors)', () => {
  const dir = adapterWith((t) => t.splice(0, t.length, ...t.filter((x) => x.name.includes('att_proj'))));
  const a = loadAdapter(dir, ck);
  assert.equal(a.params.size, 4 * 2 * ck.config.text_config.num_hidden_layers);
  const ffB = [...a.params].find(([k]) => k.includes('ff_out.lora_B'))![1];
  assert.ok(ffB.every((x) => x === 0));
});

test('ask --adapter with a broken adapter fails with a code, not a crash', async () => {
  const dir = adapterWith((t) => {
    t[1]!.data[0] = Infinity;
  });
  const r = await runCli(['ask', '--model', base, '--adapter', dir, '--image', 'nonexistent.png', 'q'], {
    env: { MOLMOSCOPE_CACHE: scratchDir('c') },
  });
  assert.equal(r.code, 2);
  assert.match(r.err, /MODEL_INVALID|NaN|infinity/);
  const ok = scratchDir('ok');
  saveAdapter(ok, ck, spec, initLora(loraTargets(ck), spec, 1), base);
  assert.equal(loadAdapter(ok, ck).params.size, 16);
});

test('index, count, track and serve refuse --adapter without --model, and a broken adapter before any work', async () => {
  const env = { MOLMOSCOPE_CACHE: scratchDir('c') };
  for (const cmd of [
    ['index', '--library', 'x.db'],
    ['count', '--library', 'x.db', '--recording', '1', 'q'],
    ['track', '--library', 'x.db', '--recording', '1', 'q'],
    ['serve'],
  ]) {
    const r = await runCli([...cmd, '--adapter', 'somewhere'], { env });
    assert.equal(r.code, 2, `${cmd[0]}: ${r.err}`);
    assert.match(r.err, /--adapter needs --model/);
  }
  const broken = adapterWith((t) => {
    t[0]!.data[1] = NaN;
  });
  const r = await runCli(['serve', '--model', base, '--adapter', broken, '--port', '0'], { env });
  assert.equal(r.code, 2);
  assert.match(r.err, /NaN/);
});
