// Bench: the cost of the LoRA branch on ONE linear, isolated from the rest of the model (whose timings on this shared
// machine move by ±25 % between runs): Molmo2-4B's ff_proj (2560 → 19456) and att_proj (2560 → 6144) in fp32, as
// x·Wᵀ alone vs x·Wᵀ + s·(x·Aᵀ)·Bᵀ with A, B graph inputs (the compiler's lora-branch.ts), at M = 1 row (decode) and
// M = 256 rows (prefill), both sessions in one process, calls alternated in blocks; medians.
// Run: flock /tmp/bench.lock npx tsx bench/finetune/branch-kernel.ts [--rank 16] [--reps 200]
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { Graph } from '../../src-main/core/molmo2/compile/graph.js';
import * as o from '../../src-main/core/molmo2/compile/ops.js';
import { encodeModel } from '../../src-main/core/molmo2/compile/emit.js';
import { SeededRng } from '../../src-main/core/finetune/lora.js';

const { values } = parseArgs({
  options: { rank: { type: 'string', default: '16' }, reps: { type: 'string', default: '200' } },
});
const r = Number(values.rank);
const rng = new SeededRng(1);
const rand = (n: number, scale: number) => Float32Array.from({ length: n }, () => (2 * rng.next() - 1) * scale);

async function session(inF: number, outF: number, branch: boolean): Promise<ort.InferenceSession> {
  const g = new Graph('linear');
  const x = g.input('x', 'float32', ['M', inF]);
  const w = g.constant({ dtype: 'float32', dims: [outF, inF], data: rand(outF * inF, 0.02) }, 'w');
  let y = o.linear(g, x, w);
  if (branch) {
    const a = g.input('a', 'float32', ['r', inF]);
    const b = g.input('b', 'float32', [outF, 'r']);
    const s = g.input('s', 'float32', []);
    y = o.linear(g, o.mul(g, o.linear(g, x, a), s), b, y);
  }
  g.output(y, 'y');
  return ort.InferenceSession.create(encodeModel(g), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 2,
  });
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)] ?? NaN;
console.log(
  `fp32, rank ${r}, 2 intra-op threads, ${values.reps} calls each, alternated in blocks of 10; median µs per call`,
);
console.log('| linear | rows M | base µs | with branch µs | overhead |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, inF, outF] of [
  ['att_proj', 2560, 6144],
  ['ff_proj', 2560, 19456],
] as const) {
  const base = await session(inF, outF, false);
  const br = await session(inF, outF, true);
  const lora = {
    a: new ort.Tensor('float32', rand(r * inF, 0.02), [r, inF]),
    b: new ort.Tensor('float32', rand(outF * r, 0.02), [outF, r]),
    s: new ort.Tensor('float32', Float32Array.of(2), []),
  };
  for (const M of [1, 256]) {
    const x = new ort.Tensor('float32', rand(M * inF, 1), [M, inF]);
    const t = { base: [] as number[], br: [] as number[] };
    const reps = M === 1 ? Number(values.reps) : Math.max(10, Number(values.reps) / 10);
    for (let i = 0; i < reps; i += 10) {
      for (const [k, s, feeds] of [
        ['base', base, { x }],
        ['br', br, { x, ...lora }],
      ] as const) {
        for (let j = 0; j < 10; j++) {
          const t0 = performance.now();
          await s.run(feeds);
          t[k].push((performance.now() - t0) * 1000);
        }
      }
    }
    const a = median(t.base);
    const b = median(t.br);
    console.log(
      `| ${name} ${inF}→${outF} | ${M} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(100 * (b / a - 1)).toFixed(1)} % |`,
    );
  }
  await base.release();
  await br.release();
}
