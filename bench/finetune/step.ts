// Bench: one LoRA training step (loss + all LoRA gradients) on the tiny checkpoint at 1k/2k/4k tokens, with and
// without layer recompute: step time and peak RSS, each configuration in a fresh child process so peaks do not mix.
// Run: npx tsx bench/finetune/step.ts [--tokens 1024,2048,4096] [--layers 2] [--threads 2] [--rank 16] [--real-width]
// --real-width: Molmo2-4B's decoder widths (hidden 2560, 32/8 heads × 128, MLP 9728) at --layers layers, to estimate
// the 4B model's memory from a measured smaller real-shaped model.
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { openCheckpoint } from '../../src-main/core/molmo2/weights.js';
import { TrainSession, type TrainExample } from '../../src-main/core/finetune/train-session.js';
import { initLora, SeededRng } from '../../src-main/core/finetune/lora.js';
import { scratchDir, tinyCheckpoint } from '../../tests/helpers/tiny.js';
import { BENCH_CHECKPOINT_ARGS, benchCheckpointOptions } from './bench-checkpoint.js';

const { values } = parseArgs({
  options: {
    ...BENCH_CHECKPOINT_ARGS,
    tokens: { type: 'string', default: '1024,2048,4096' },
    threads: { type: 'string', default: '2' },
    child: { type: 'string' },
    recompute: { type: 'string' },
    only: { type: 'string' },
  },
});

/** S text tokens, the last 32 of them the answer (text-only, like the PyTorch side). */
export function benchExample(S: number, seed = 1): TrainExample {
  const rng = new SeededRng(seed);
  const ids = Array.from({ length: S }, () => 100 + Math.floor(rng.next() * 50000));
  const pos = Array.from({ length: 32 }, (_, i) => S - 33 + i);
  return {
    ids,
    types: new Array<number>(S).fill(0),
    features: new Float32Array(0),
    logitPositions: pos,
    targets: pos.map((p) => ids[p + 1]!),
    weights: new Array<number>(32).fill(1),
  };
}

const layers = Number(values.layers);
const ckOpts = benchCheckpointOptions(layers, values['real-width'] === true);

if (values.child) {
  const S = Number(values.child);
  const ck = openCheckpoint(tinyCheckpoint(ckOpts));
  const spec = { rank: Number(values.rank), alpha: 2 * Number(values.rank) };
  const s = await TrainSession.open(ck, {
    spec,
    cacheDir: scratchDir('bench-ft'),
    recompute: values.recompute === '1',
    threads: Number(values.threads),
  });
  const params = initLora(s.targets, spec, 1);
  for (const v of params.values()) for (let i = 0; i < v.length; i++) v[i] = v[i]! || 0.01; // non-zero B: every GEMM runs
  await s.step(benchExample(64), params, 32);
  const loaded = process.memoryUsage().rss;
  const ms: number[] = [];
  for (let i = 0; i < (values['real-width'] ? 1 : 3); i++) {
    const t0 = performance.now();
    await s.step(benchExample(S, i + 2), params, 32);
    ms.push(performance.now() - t0);
  }
  console.log(
    JSON.stringify({
      S,
      loaded,
      peak: process.resourceUsage().maxRSS * 1024,
      ms: ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)],
    }),
  );
  await s.close();
} else {
  const self = fileURLToPath(import.meta.url);
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  console.log(
    `${values['real-width'] ? 'Molmo2-4B widths' : 'tiny checkpoint'}, ${layers} layers, rank ${values.rank}, ${values.threads} intra-op threads, CPU provider, fp32`,
  );
  console.log('| tokens | recompute | step ms (median of 3) | RSS after load MiB | peak RSS MiB | peak − load MiB |');
  console.log('|---:|:---:|---:|---:|---:|---:|');
  for (const S of values.tokens.split(',').map(Number)) {
    for (const rc of values.only ? [values.only] : ['1', '0']) {
      const args = [
        '--import',
        'tsx',
        self,
        '--child',
        String(S),
        '--recompute',
        rc,
        '--layers',
        values.layers,
        '--threads',
        values.threads,
        '--rank',
        values.rank,
        ...(values['real-width'] ? ['--real-width'] : []),
      ];
      const r = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' }).trim().split('\n').pop()!) as {
        loaded: number;
        peak: number;
        ms: number;
      };
      console.log(
        `| ${S} | ${rc === '1' ? 'yes' : 'no'} | ${r.ms.toFixed(0)} | ${mib(r.loaded)} | ${mib(r.peak)} | ${mib(r.peak - r.loaded)} |`,
      );
    }
  }
}
