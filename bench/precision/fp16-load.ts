// Bench (not CI): load-time memory of fp16 Linear weights on onnxruntime-node's CPU provider, the weight stored
// pre-transposed [in, out] (what the converter writes since converter version 2) against [out, in] behind a Transpose
// node (before). L real-width projections (Qwen3-4B's ff_proj slice, 2560 → 9728), one process per layout (peaks do
// not mix). Prints the peak RSS while the session loads, RSS after load and one M=4 run's time.
// Run: npx tsx bench/precision/fp16-load.ts --layout pre-transposed|transpose [--layers 8]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../../src-main/core/molmo2/compile/emit.js';
import { Graph } from '../../src-main/core/molmo2/compile/graph.js';
import * as o from '../../src-main/core/molmo2/compile/ops.js';

const { values } = parseArgs({
  options: {
    layout: { type: 'string', default: 'pre-transposed' },
    layers: { type: 'string', default: '8' },
    dir: { type: 'string', default: '/tmp/fp16-load' },
  },
});
const [K, N, L] = [2560, 9728, Number(values.layers)];
const bytes = K * N * 2;
const file = join(values.dir, `w-${L}.bin`);
const status = (key: string) =>
  Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
if (!existsSync(file)) {
  // Written by a child so that this process's peak is the session's alone.
  const { execFileSync } = await import('node:child_process');
  execFileSync('mkdir', ['-p', values.dir]);
  execFileSync(process.execPath, [
    '-e',
    `const b=Buffer.alloc(${bytes * L});for(let i=0;i<b.length/2;i++)b.writeUInt16LE(0x3000+(i%977),i*2);require('fs').writeFileSync(${JSON.stringify(file)},b)`,
  ]);
}
const pre = values.layout === 'pre-transposed';
const g = new Graph('g');
const h = o.cast(g, g.input('x', 'float32', ['M', K]), 'float16');
for (let l = 0; l < L; l++) {
  const w = g.external(
    { dtype: 'float16', dims: pre ? [K, N] : [N, K], location: `w-${L}.bin`, offset: l * bytes, length: bytes },
    `w${l}`,
  );
  g.output(o.cast(g, o.matmul(g, h, pre ? w : o.transpose(g, w, [1, 0])), 'float32'), `y${l}`);
}
const model = encodeModel(g);
console.log(`${values.layout}: ${L} fp16 weights ${K}×${N} = ${gb(bytes * L)}; RSS before load ${gb(status('VmRSS'))}`);
const t0 = performance.now();
const s = await ort.InferenceSession.create(model, {
  graphOptimizationLevel: 'all',
  extra: { session: { model_external_initializers_file_folder_path: values.dir } },
} as ort.InferenceSession.SessionOptions);
console.log(
  `load ${((performance.now() - t0) / 1000).toFixed(1)} s: peak RSS ${gb(status('VmHWM'))}, RSS after ${gb(status('VmRSS'))}`,
);
const x = new ort.Tensor('float32', new Float32Array(4 * K).fill(0.01), [4, K]);
const t1 = performance.now();
await s.run({ x });
console.log(
  `one run (M=4, ${L} projections): ${(performance.now() - t1).toFixed(0)} ms; RSS ${gb(status('VmRSS'))}, peak ${gb(status('VmHWM'))}`,
);
