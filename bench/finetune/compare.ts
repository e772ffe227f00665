// Bench: our LoRA training step vs the same step in PyTorch through Allen AI's HF port (bench/finetune/torch_step.py
// on Debian's torch, via the shared reference harness), same tiny checkpoint, same S, rank 16, 2 threads, side by side.
// Run: FIXTURE_REF=<allenai/molmo2 checkout> npx tsx bench/finetune/compare.ts [--tokens 1024,2048,4096]
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { tinyCheckpoint } from '../../tests/helpers/tiny.js';

const { values } = parseArgs({ options: { tokens: { type: 'string', default: '1024,2048,4096' } } });
if (!process.env.FIXTURE_REF) {
  console.error('set FIXTURE_REF to a checkout of github.com/allenai/molmo2 (the folder holding olmo/hf_model)');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const ck = tinyCheckpoint({ seed: 7, dtype: 'float32' });
const mib = (b: number) => (b / 2 ** 20).toFixed(0);
const ours = (S: number, rc: string) =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(here, 'step.ts'),
        '--child',
        String(S),
        '--recompute',
        rc,
        '--threads',
        '2',
        '--rank',
        '16',
      ],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n')
      .pop()!,
  ) as { ms: number; peak: number };
const torch = (S: number) =>
  JSON.parse(
    execFileSync('/usr/bin/python3', [join(here, 'torch_step.py'), ck, String(S), '16'], {
      encoding: 'utf8',
      env: { ...process.env, FIXTURE_THREADS: '2' },
    })
      .trim()
      .split('\n')
      .pop()!,
  ) as { ms: number; peak_rss: number };

console.log(
  'tiny checkpoint (2 layers), text-only, 32 answer tokens, rank 16, fp32, 2 threads; PyTorch = HF port, plain autograd',
);
console.log(
  '| tokens | ours ms (no recompute / recompute) | PyTorch ms | PyTorch ÷ ours (no recompute) | peak RSS MiB ours (no rc / rc) | PyTorch peak RSS MiB |',
);
console.log('|---:|---:|---:|---:|---:|---:|');
for (const S of values.tokens.split(',').map(Number)) {
  const a = ours(S, '0');
  const b = ours(S, '1');
  const t = torch(S);
  console.log(
    `| ${S} | ${a.ms.toFixed(0)} / ${b.ms.toFixed(0)} | ${t.ms.toFixed(0)} | ${(t.ms / a.ms).toFixed(2)} | ${mib(a.peak)} / ${mib(b.peak)} | ${mib(t.peak_rss)} |`,
  );
}
