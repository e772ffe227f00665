// Bench: which weight-precision kernels onnxruntime-node's CPU provider runs, and how fast and how exact, on one
// Qwen3-4B-shaped projection (K=2560 → N=9728) at decode (M=1) and prefill (M=128) rows; fp32 Gemm is the baseline.
// Run: flock /tmp/bench.lock npx tsx bench/precision/kernels.ts [--k 2560] [--n 9728] [--reps 5] [--only REGEX]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { encodeModel, MS_DOMAIN } from '../../src-main/core/molmo2/compile/emit.js';
import { Graph, type DType, type Value } from '../../src-main/core/molmo2/compile/graph.js';
import * as o from '../../src-main/core/molmo2/compile/ops.js';
import { nbitsLayout, quantizeRows, type NBits } from '../../src-main/core/molmo2/compile/quantize.js';
import { f32ToBf16, f32ToF16 } from '../../src-main/core/molmo2/checkpoint/safetensors.js';
import { makeRng } from '../../models/tiny/make-tiny.js';

const { values } = parseArgs({
  options: {
    k: { type: 'string', default: '2560' },
    n: { type: 'string', default: '9728' },
    reps: { type: 'string', default: '5' },
    only: { type: 'string' },
  },
});
const K = Number(values.k);
const N = Number(values.n);
const reps = Number(values.reps);
const dir = join(tmpdir(), `precision-kernels-${process.pid}`);
mkdirSync(dir, { recursive: true });
const rng = makeRng(3);
const W = Float32Array.from({ length: N * K }, () => rng.normal() / Math.sqrt(K));

function ext(g: Graph, file: string, data: ArrayBufferView, dtype: DType, dims: number[]): Value {
  writeFileSync(join(dir, file), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return g.external({ dtype, dims, location: file, offset: 0, length: data.byteLength }, file);
}

function transposeW(): Float32Array {
  const t = new Float32Array(K * N);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) t[k * N + n] = W[n * K + k]!;
  return t;
}

type Build = (g: Graph, x: Value) => Value;
const variants: Record<string, Build> = {
  'fp32 Gemm': (g, x) => o.linear(g, x, ext(g, 'w32', W, 'float32', [N, K])),
  'fp16 MatMul (x→fp16)': (g, x) =>
    o.cast(
      g,
      o.matmul(g, o.cast(g, x, 'float16'), ext(g, 'w16t', f32ToF16(transposeW()), 'float16', [K, N])),
      'float32',
    ),
  'fp16 weight, Cast→fp32 Gemm': (g, x) =>
    o.linear(g, x, o.cast(g, ext(g, 'w16', f32ToF16(W), 'float16', [N, K]), 'float32')),
  'bf16 MatMul (x→bf16)': (g, x) =>
    o.cast(
      g,
      o.matmul(g, o.cast(g, x, 'bfloat16'), ext(g, 'wbf', f32ToBf16(transposeW()), 'bfloat16', [K, N])),
      'float32',
    ),
};
for (const bits of [4, 8] as NBits[]) {
  for (const block of [32, 128]) {
    for (const acc of [0, 4]) {
      variants[`int${bits} MatMulNBits block ${block} acc ${acc}`] = (g, x) => {
        const l = nbitsLayout(N, K, bits, block);
        const qr = quantizeRows(W, N, l);
        const tag = `${bits}-${block}`;
        const ins = [
          x,
          ext(g, `q${tag}`, qr.q, 'uint8', [N, l.nBlocks, l.blob]),
          ext(g, `s${tag}`, qr.scales, 'float32', [N * l.nBlocks]),
          ext(g, `z${tag}`, qr.zp, 'uint8', [N * l.zpCols]),
        ];
        return g.add(
          'MatMulNBits',
          ins,
          [{ dtype: 'float32', shape: ['M', N] }],
          { K, N, bits, block_size: block, accuracy_level: acc },
          MS_DOMAIN,
        )[0]!;
      };
    }
  }
}

async function measure(name: string, build: Build): Promise<void> {
  const g = new Graph('k');
  const x = g.input('x', 'float32', ['M', K]);
  g.output(build(g, x), 'y');
  const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, '_')}.onnx`);
  writeFileSync(file, encodeModel(g));
  let s: ort.InferenceSession;
  try {
    s = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  } catch (err) {
    console.log(`${name.padEnd(40)} does not load: ${(err as Error).message.split('\n')[0]!.slice(0, 140)}`);
    return;
  }
  const cells: string[] = [];
  for (const M of [1, 128]) {
    const xs = Float32Array.from({ length: M * K }, () => rng.normal());
    const feeds = { x: new ort.Tensor('float32', xs, [M, K]) };
    try {
      const first = (await s.run(feeds)).y!.data as Float32Array;
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) await s.run(feeds);
      const ms = (performance.now() - t0) / reps;
      cells.push(`M=${M}: ${ms.toFixed(2)} ms, rel err ${relErr(first, xs, M).toExponential(2)}`);
    } catch (err) {
      cells.push(`M=${M}: fails: ${(err as Error).message.split('\n')[0]!.slice(0, 100)}`);
    }
  }
  console.log(`${name.padEnd(40)} ${cells.join(' | ')}`);
  await s.release();
}

function relErr(y: Float32Array, xs: Float32Array, M: number): number {
  let num = 0;
  let den = 0;
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let ref = 0;
      for (let k = 0; k < K; k++) ref += xs[m * K + k]! * W[n * K + k]!;
      num += (y[m * N + n]! - ref) ** 2;
      den += ref * ref;
    }
  }
  return Math.sqrt(num / den);
}

console.log(`onnxruntime-node ${ort.env.versions.common}, CPU provider, K=${K} N=${N}, ${reps} reps`);
for (const [name, build] of Object.entries(variants))
  if (!values.only || new RegExp(values.only).test(name)) await measure(name, build);
rmSync(dir, { recursive: true, force: true });
