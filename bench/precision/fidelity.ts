// Bench: fidelity of each weight precision against fp32 on the tiny checkpoint — last-position logits relative error
// (max |Δ| / max |fp32|, the parity metric) and greedy-token agreement over ≥ 20 prompts (images, multi-image, video),
// then each precision against the reference fixtures of ../shared/reference/parity.
// Run: flock /tmp/bench.lock npx tsx bench/precision/fidelity.ts [--prompts 24] [--tokens 16] [--fixtures-only] [--variant o-7b]
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { PRECISIONS, type Precision } from '../../src-main/core/molmo2/compile/precision.js';
import { relError } from '../../src-main/core/molmo2/reference/math.js';
import { scratchDir, tinyCheckpoint } from '../../tests/helpers/tiny.js';
import {
  imageInputs,
  multiImageInputs,
  toO7bIds,
  videoInputs,
  type ModelInputs,
} from '../../tests/core/molmo2/runtime/inputs.js';
import { commonPrefix, openAt, type PrecisionRun } from '../../tests/core/molmo2/precision-harness.js';
import { readNpz } from '../../tests/core/molmo2/precision-npz.js';

const { values } = parseArgs({
  options: {
    prompts: { type: 'string', default: '24' },
    tokens: { type: 'string', default: '16' },
    'fixtures-only': { type: 'boolean', default: false },
    variant: { type: 'string', default: 'qwen3' },
  },
});
// --variant o-7b: the tiny O-7B checkpoint (OLMo3 decoder) with the same prompts in its ids; the Qwen3 fixtures are skipped.
const o7b = values.variant === 'o-7b';
const nPrompts = Number(values.prompts);
const N = Number(values.tokens);
const prompts: { name: string; inp: ModelInputs }[] = [];
for (let i = 0; prompts.length < nPrompts; i++) {
  prompts.push({ name: `image ${i}`, inp: imageInputs(100 + i, 1 + (i % 2)) });
  prompts.push({ name: `video ${i}`, inp: videoInputs(200 + i, 2 + (i % 3)) });
  if (i % 2 === 0) prompts.push({ name: `multi-image ${i}`, inp: multiImageInputs(300 + i) });
}
prompts.length = nPrompts;
if (o7b) for (const q of prompts) q.inp = toO7bIds(q.inp);
const dir = tinyCheckpoint(o7b ? { seed: 1, variant: 'o-7b' } : { seed: 1 });
const cache = scratchDir('bench-fidelity');
const runs = new Map<Precision, PrecisionRun[]>();
for (const p of values['fixtures-only'] ? [] : PRECISIONS) {
  const t0 = performance.now();
  const { rt, run } = await openAt(dir, p, cache);
  const out: PrecisionRun[] = [];
  for (const q of prompts) out.push(await run(q.inp, N));
  runs.set(p, out);
  await rt.dispose();
  console.error(`${p}: ${prompts.length} prompts in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const base = runs.get('fp32') ?? [];
if (!values['fixtures-only'])
  console.log(
    `tiny ${o7b ? 'O-7B ' : ''}checkpoint (seed 1), ${prompts.length} prompts (${prompts.filter((q) => q.name.startsWith('image')).length} image, ${prompts.filter((q) => q.name.startsWith('video')).length} video, ${prompts.filter((q) => q.name.startsWith('multi')).length} multi-image), ${N} greedy tokens, vs fp32`,
  );
if (!values['fixtures-only'])
  console.log(
    '| precision | logits rel err (median / max) | features rel err (max) | first token agrees | all tokens agree | mean common prefix |',
  );
if (!values['fixtures-only']) console.log('|---|---|---|---|---|---|');
for (const p of PRECISIONS) {
  if (p === 'fp32' || values['fixtures-only']) continue;
  const r = runs.get(p)!;
  const le = r.map((x, i) => relError(x.logits, base[i]!.logits)).sort((a, b) => a - b);
  const fe = Math.max(...r.map((x, i) => relError(x.features, base[i]!.features)));
  const first = r.filter((x, i) => x.greedy[0] === base[i]!.greedy[0]).length;
  const all = r.filter((x, i) => commonPrefix(x.greedy, base[i]!.greedy) === N).length;
  const pre = r.reduce((a, x, i) => a + commonPrefix(x.greedy, base[i]!.greedy), 0) / r.length;
  const med = le[Math.floor(le.length / 2)]!;
  console.log(
    `| ${p} | ${med.toExponential(2)} / ${le[le.length - 1]!.toExponential(2)} | ${fe.toExponential(2)} | ${first}/${r.length} | ${all}/${r.length} | ${pre.toFixed(1)}/${N} |`,
  );
}

// The shared fixtures are for the Qwen3 tiny checkpoint (O-7B's are checked by parity-o7b-reference.test.ts).
if (o7b) process.exit(0);

// Against Allen AI's reference outputs (../shared/reference/parity: the HF port in fp32 on the seed-7 tiny checkpoint).
function findParity(): string {
  let dir = process.cwd();
  for (let i = 0; i < 6; i++) {
    for (const c of [
      join(dir, 'shared', 'reference', 'parity', 'forward'),
      join(dir, '..', 'shared', 'reference', 'parity', 'forward'),
    ])
      if (existsSync(c)) return `${c}/`;
    dir = dirname(dir);
  }
  throw new Error('shared/reference/parity/forward not found beside the repository or above it');
}
const FIX = findParity();
const fixtures = (['image', 'multi_image', 'video'] as const).map((c) => {
  const i = readNpz(`${FIX}${c}/inputs.npz`);
  const o = readNpz(`${FIX}${c}/outputs.npz`);
  const pix = (i.get('pixel_values') ?? i.get('pixel_values_videos'))!;
  const pool = (i.get('image_token_pooling_global') ?? i.get('video_token_pooling'))!;
  const inp: ModelInputs = {
    ids: Array.from(i.get('input_ids')!.data),
    types: Array.from(i.get('token_type_ids')!.data),
    pixels: pix.data as Float32Array,
    nCrops: pix.shape[0]!,
    pooling: pool.data as Int32Array,
    k: pool.shape[1]!,
  };
  return {
    c,
    inp,
    logits: o.get('last_logits')!.data as Float32Array,
    greedy: Array.from(o.get('greedy_tokens')!.data),
  };
});
const fixCache = scratchDir('bench-fidelity-fixtures');
console.log(
  `\nvs the reference fixtures (HF port, fp32, tiny seed 7): last-position logits rel err; common prefix with its 32 greedy tokens`,
);
console.log(`| precision | ${fixtures.map((f) => f.c).join(' | ')} |`);
console.log(`|---|${fixtures.map(() => '---|').join('')}`);
for (const p of PRECISIONS) {
  const { rt, run } = await openAt(tinyCheckpoint({ seed: 7 }), p, fixCache);
  const cells: string[] = [];
  for (const f of fixtures) {
    const r = await run(f.inp, 32);
    cells.push(`${relError(r.logits, f.logits).toExponential(2)}, ${commonPrefix(r.greedy, f.greedy)}/32`);
  }
  await rt.dispose();
  console.log(`| ${p} | ${cells.join(' | ')} |`);
}
