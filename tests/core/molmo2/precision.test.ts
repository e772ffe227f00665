// Weight precisions: the MatMulNBits quantiser's layout, conversion into the cache (never the model folder, reused,
// never half-used after a kill), fidelity per precision against fp32 on the tiny checkpoint, the memory estimate.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync, truncateSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dequantizeRows, nbitsLayout, quantizeRows } from '../../../src-main/core/molmo2/compile/quantize.js';
import { parsePrecision, type Precision } from '../../../src-main/core/molmo2/compile/precision.js';
import { compileGraphs } from '../../../src-main/core/molmo2/compile/compile.js';
import { estimateMemory, defaultPrecision } from '../../../src-main/core/molmo2/compile/memory-estimate.js';
import { RELEASED_SHAPES } from '../../../src-main/core/molmo2/compile/released-shapes.js';
import { relError } from '../../../src-main/core/molmo2/reference/math.js';
import { openCheckpoint } from '../../../src-main/core/molmo2/weights.js';
import { AppError } from '../../../src-main/api/errors.js';
import { fitChecks } from '../../../src-main/core/doctor.js';
import { makeRng } from '../../../models/tiny/make-tiny.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { imageInputs, videoInputs } from './runtime/inputs.js';
import { openAt, type PrecisionRun } from './precision-harness.js';

test('quantiser: every value within half a step of its block, K not a multiple of the block, zero stays zero', () => {
  const rng = makeRng(5);
  for (const [bits, block, K] of [
    [4, 32, 70],
    [8, 128, 300],
    [4, 128, 64],
  ] as const) {
    const N = 7;
    const w = Float32Array.from({ length: N * K }, (_, i) => (i % 13 === 0 ? 0 : rng.normal()));
    const l = nbitsLayout(N, K, bits, block);
    const q = quantizeRows(w, N, l);
    assert.equal(q.q.length, (N * Math.ceil(K / block) * (block * bits)) / 8);
    const back = dequantizeRows(q, N, l);
    for (let r = 0; r < N; r++) {
      for (let k = 0; k < K; k++) {
        const step = q.scales[r * l.nBlocks + Math.floor(k / block)]!;
        assert.ok(Math.abs(back[r * K + k]! - w[r * K + k]!) <= step / 2 + 1e-6, `bits ${bits} r ${r} k ${k}`);
        if (w[r * K + k] === 0) assert.equal(back[r * K + k], 0);
      }
    }
  }
  assert.throws(() => nbitsLayout(4, 64, 4, 48), RangeError);
});

test('precision names: fp32/fp16/int8/int4 parse; bf16 and nonsense are refused with INVALID_INPUT', () => {
  for (const p of ['fp32', 'fp16', 'int8', 'int4']) assert.equal(parsePrecision(p), p);
  for (const p of ['bf16', 'int3', '', 'FP16'])
    assert.throws(
      () => parsePrecision(p),
      (e: unknown) => e instanceof AppError && e.code === 'INVALID_INPUT',
    );
});

// Tolerances from bench/precision/fidelity.ts on this checkpoint (median/max logits rel err: fp16 6e-4/8e-4, int8
// 2e-2/2.4e-2, int4 0.21/0.23), with headroom; the tiny model's 32-wide ViT is int4's worst case (one block per row).
const TOL: Record<Exclude<Precision, 'fp32'>, number> = { fp16: 5e-3, int8: 6e-2, int4: 0.4 };

test('each precision: converted once into cache/<precision> (model folder untouched), logits within tolerance of fp32', async () => {
  const dir = tinyCheckpoint({ seed: 1 });
  const before = readdirSync(dir).sort();
  const cache = scratchDir('precision');
  const inputs = [imageInputs(11, 1), videoInputs(12, 2)];
  const runs = new Map<Precision, PrecisionRun[]>();
  for (const p of ['fp32', 'fp16', 'int8', 'int4'] as const) {
    const { rt, run } = await openAt(dir, p, cache);
    const out: PrecisionRun[] = [];
    for (const inp of inputs) out.push(await run(inp, 6));
    runs.set(p, out);
    await rt.dispose();
  }
  for (const p of ['fp16', 'int8', 'int4'] as const) {
    assert.ok(existsSync(join(cache, 'graphs', p, `weights-${p}.bin`)), `${p} weights in the cache`);
    runs.get(p)!.forEach((r, i) => {
      const e = relError(r.logits, runs.get('fp32')![i]!.logits);
      assert.ok(e <= TOL[p], `${p} prompt ${i}: logits rel err ${e} > ${TOL[p]}`);
      assert.equal(r.greedy.length, 6);
    });
  }
  // Greedy agreement is measured (bench/precision/fidelity.ts), not asserted: the random tiny model's top-2 margins
  // are small enough that fp16 rounding flips some of them.
  assert.deepEqual(readdirSync(dir).sort(), before, 'nothing is written into the model folder');
  // Reuse: a second conversion of the same checkpoint at the same precision reads the manifest and writes nothing.
  const ck = openCheckpoint(dir);
  const mtime = statSync(join(cache, 'graphs', 'int4', 'weights-int4.bin')).mtimeMs;
  let progress = 0;
  compileGraphs(ck, {
    cacheDir: join(cache, 'graphs'),
    kinds: ['vision'],
    precision: 'int4',
    onProgress: (s) => {
      if (s === 'convert-weights') progress++;
    },
  });
  assert.equal(progress, 0);
  assert.equal(statSync(join(cache, 'graphs', 'int4', 'weights-int4.bin')).mtimeMs, mtime);
});

test('a conversion killed half-way leaves nothing that is used: the next run converts afresh and its output is complete', async () => {
  const dir = tinyCheckpoint({ seed: 1 });
  const cache = scratchDir('precision-kill');
  const out = join(cache, 'int8');
  const script = `import { compileGraphs } from './src-main/core/molmo2/compile/compile.ts';
import { openCheckpoint } from './src-main/core/molmo2/weights.ts';
compileGraphs(openCheckpoint(${JSON.stringify(dir)}), { cacheDir: ${JSON.stringify(cache)}, kinds: ['vision'], precision: 'int8',
  onProgress: (s, d) => { if (s === 'convert-weights' && d === 3) { process.stdout.write('mid\\n'); const t = Date.now() + 60000; while (Date.now() < t); } } });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((res, rej) => {
    child.stdout.on('data', (b: Buffer) => {
      if (b.toString().includes('mid')) res();
    });
    child.on('exit', (c) => rej(new Error(`converter exited (${c}) before the kill`)));
  });
  const temps = readdirSync(out).filter((f) => f.includes('.tmp-'));
  assert.equal(temps.length, 1, 'the conversion writes under a temporary name');
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  assert.ok(
    !existsSync(join(out, 'weights-int8.bin')) && !existsSync(join(out, 'weights-int8.json')),
    'nothing under the final names',
  );
  let progress = 0;
  const ck = openCheckpoint(dir);
  compileGraphs(ck, {
    cacheDir: cache,
    kinds: ['vision'],
    precision: 'int8',
    onProgress: (s) => {
      if (s === 'convert-weights') progress++;
    },
  });
  assert.ok(progress > 3, 'converted afresh');
  assert.deepEqual(
    readdirSync(out).filter((f) => f.includes('.tmp-')),
    [],
    'the dead temp file was removed',
  );
  const { rt, run } = await openAt(dir, 'int8', join(cache, '..', `${cache.split('/').pop()}-rt`));
  await run(imageInputs(3, 1), 2);
  await rt.dispose();
});

test('memory estimate from real shapes: fp32 weights are the released 19.4 GB; precisions order; defaults follow memory', () => {
  const e = (p: Precision) => estimateMemory(RELEASED_SHAPES['molmo2-4b'], p);
  assert.ok(Math.abs(e('fp32').weights - 19_403_476_800) < 1e6, `4B fp32 weights ${e('fp32').weights}`);
  assert.ok(
    e('fp32').total > e('fp16').total && e('fp16').total > e('int8').total && e('int8').total > e('int4').total,
  );
  assert.ok(e('int4').weights < 0.2 * e('fp32').weights);
  assert.equal(e('int4').kvCache, 2 * 36 * 2 * 8 * 128 * e('int4').contextTokens * 4);
  const GB = 1e9;
  assert.equal(defaultPrecision(RELEASED_SHAPES['molmo2-4b'], 'cpu', { ramBytes: 64 * GB }), 'fp32');
  assert.equal(defaultPrecision(RELEASED_SHAPES['molmo2-4b'], 'cpu', { ramBytes: 24 * GB }), 'int8');
  assert.equal(defaultPrecision(RELEASED_SHAPES['molmo2-8b'], 'cpu', { ramBytes: 24 * GB }), 'int4');
  assert.equal(
    defaultPrecision(RELEASED_SHAPES['molmo2-4b'], 'cuda', { ramBytes: 24 * GB }),
    'fp32',
    'GPU memory unknown: unchanged',
  );
  assert.equal(
    defaultPrecision(RELEASED_SHAPES['molmo2-4b'], 'webgpu', { ramBytes: 8 * GB, gpuBytes: 32 * GB }),
    'fp16',
  );
  const tiny = openCheckpoint(tinyCheckpoint({ seed: 1 })).config;
  assert.equal(
    defaultPrecision(tiny, 'cpu', { ramBytes: 8 * GB }),
    'fp32',
    'the tiny checkpoint stays on the fp32 parity path',
  );
});

test('doctor fit section: says which precisions of 4B, 8B and O-7B fit RAM (and a GPU when known), warns with a fix when none does', () => {
  const GB = 1e9;
  const [b4, b8] = fitChecks(25 * GB, null);
  assert.equal(b4!.status, 'ok');
  assert.match(b4!.detail, /RAM 25\.0 GB: int8, int4 fit/);
  assert.match(b4!.detail, /fp32 needs ≈ 29\.8 GB \(weights 19\.4 GB\)/);
  assert.match(b8!.detail, /RAM 25\.0 GB: int4 fits/);
  const small = fitChecks(4 * GB, null);
  assert.ok(small.every((c) => c.status === 'warn' && c.fix && /none fits/.test(c.detail)));
  const gpu = fitChecks(8 * GB, 48 * GB);
  // O-7B's MHA K/V cache (24.5 GB for 128 frames) leaves even int4 above 70 % of 48 GB.
  assert.ok(
    gpu.filter((c) => c.id !== 'fit-molmo2-o-7b').every((c) => c.status === 'ok' && /GPU 48\.0 GB: /.test(c.detail)),
  );
  assert.match(gpu.find((c) => c.id === 'fit-molmo2-o-7b')?.detail ?? '', /GPU 48\.0 GB: none fits/);
  assert.match(gpu[0]!.detail, /GPU 48\.0 GB: fp32, fp16, int8, int4 fit/);
});

test('a converted file that was truncated, or whose checkpoint changed, is converted again (never half-read)', () => {
  const src = tinyCheckpoint({ seed: 1 });
  const dir = scratchDir('precision-stale');
  for (const f of readdirSync(src)) if (!f.endsWith('.onnx')) copyFileSync(join(src, f), join(dir, f));
  const cache = scratchDir('precision-stale-cache');
  const convert = () => {
    let n = 0;
    compileGraphs(openCheckpoint(dir), {
      cacheDir: cache,
      kinds: ['vision'],
      precision: 'int4',
      onProgress: (s) => {
        if (s === 'convert-weights') n++;
      },
    });
    return n;
  };
  const file = join(cache, 'int4', 'weights-int4.bin');
  assert.ok(convert() > 0);
  assert.equal(convert(), 0, 'reused');
  truncateSync(file, statSync(file).size - 64);
  assert.ok(convert() > 0, 'a short file is rebuilt');
  assert.equal(convert(), 0);
  utimesSync(join(dir, 'model.safetensors'), new Date(), new Date(Date.now() + 5000));
  assert.ok(convert() > 0, 'a changed checkpoint is rebuilt');
});
