// Bench: inference with a LoRA adapter merged into a cached copy of the weights vs as a branch in the graphs (A, B
// as graph inputs), against the base model, at fp32 and int8: preparation (merge / adapter read), convert + compile,
// session load, prefill ms/token, decode ms/token, RSS after load and peak, disk the adapter costs. Each
// configuration runs in a fresh child process (so peaks do not mix) with its own cache (so conversions are counted).
// Run: flock /tmp/bench.lock npx tsx bench/finetune/adapter-infer.ts [--real-width] [--layers 2] [--rank 16]
//      [--prompt 512] [--new 16] [--precisions fp32,int8] [--modes base,merged,branch | --modes ab]
// --modes ab: base and branch in ONE process, their generate calls alternated 5 times (decode cost of the branch
// without the drift of a shared machine between processes).
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { openCheckpoint } from '../../src-main/core/molmo2/weights.js';
import { Molmo2Runtime } from '../../src-main/core/molmo2/engine/runtime.js';
import { parsePrecision } from '../../src-main/core/molmo2/compile/precision.js';
import { initLora, loraTargets, SeededRng } from '../../src-main/core/finetune/lora.js';
import { ADAPTER_WEIGHTS, saveAdapter } from '../../src-main/core/finetune/adapter.js';
import { adapterModelDir } from '../../src-main/core/finetune/use-adapter.js';
import { scratchDir, tinyCheckpoint } from '../../tests/helpers/tiny.js';
import { BENCH_CHECKPOINT_ARGS, benchCheckpointOptions } from './bench-checkpoint.js';

const { values } = parseArgs({
  options: {
    ...BENCH_CHECKPOINT_ARGS,
    prompt: { type: 'string', default: '512' },
    new: { type: 'string', default: '16' },
    precisions: { type: 'string', default: 'fp32,int8' },
    child: { type: 'string' },
    precision: { type: 'string' },
    adapter: { type: 'string' },
    modes: { type: 'string', default: 'base,merged,branch' },
  },
});
const layers = Number(values.layers);
const ckOpts = benchCheckpointOptions(layers, values['real-width'] === true);
const status = (key: string): number =>
  Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
const du = (p: string) => Number(execFileSync('du', ['-sb', p], { encoding: 'utf8' }).split('\t')[0]);
const timed = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
  const t0 = performance.now();
  const r = await f();
  return [r, performance.now() - t0];
};

async function child(mode: string, adapterDir: string): Promise<void> {
  const base = tinyCheckpoint(ckOpts);
  const precision = parsePrecision(values.precision ?? 'fp32');
  const cache = scratchDir(`adapter-infer-${mode}-${precision}`);
  // Preparation: merged = build the merged copy (per adapter); branch = nothing here (the runtime reads the adapter).
  const [modelDir, prepMs] = await timed(() =>
    mode === 'merged' ? adapterModelDir(base, adapterDir, cache).modelDir : base,
  );
  const rtOpts = {
    provider: 'cpu' as const,
    cacheDir: join(cache, 'model'),
    precision,
    ...(mode === 'branch' ? { adapterDir } : {}),
  };
  const [rt, openMs] = await timed(() => Molmo2Runtime.open(modelDir, rtOpts));
  const [, compileMs] = await timed(() => rt.compiled());
  const session = (k: 'generate') => (rt as unknown as { session(k: 'generate'): Promise<unknown> }).session(k);
  const [, loadMs] = await timed(() => session('generate'));
  const loaded = status('VmRSS');
  const rng = new SeededRng(3);
  const P = Number(values.prompt);
  const ids = Array.from({ length: P }, () => 100 + Math.floor(rng.next() * 50000));
  const req = { ids, types: ids.map(() => 0), features: new Float32Array(0), repeatGuard: 0 };
  await rt.generate({ ...req, maxNewTokens: 2 }); // warm-up
  // Medians of 3 (the machine is shared): prefill = a 1-token run; decode = (N-token run − 1-token run) / (N − 1).
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const ones: number[] = [];
  const ns: number[] = [];
  let tokens = 0;
  for (let i = 0; i < 3; i++) {
    ones.push((await rt.generate({ ...req, maxNewTokens: 1 })).ms);
    const r = await rt.generate({ ...req, maxNewTokens: Number(values.new) });
    ns.push(r.ms);
    tokens = r.tokens.length;
  }
  const one = median(ones);
  const n = { ms: median(ns), tokens: { length: tokens } };
  await rt.dispose();
  // New bytes on disk per adapter: the merged shard (the rest of the merged copy is hard links), or the adapter file.
  const disk =
    mode === 'merged'
      ? statSync(join(modelDir, 'adapter-merged.safetensors')).size
      : mode === 'branch'
        ? statSync(join(adapterDir, ADAPTER_WEIGHTS)).size
        : 0;
  const converted = precision === 'fp32' ? 0 : du(join(cache, 'model'));
  console.log(
    JSON.stringify({
      mode,
      precision,
      prepMs,
      openMs,
      compileMs,
      loadMs,
      prefillMsPerTok: one / P,
      decodeMsPerTok: (n.ms - one) / Math.max(n.tokens.length - 1, 1),
      tokens: n.tokens.length,
      loaded,
      peak: status('VmHWM'),
      disk,
      converted,
    }),
  );
}

/** Base and branch runtimes in one process on one cache, generate calls alternated (same load on both): medians. */
async function interleaved(adapterDir: string): Promise<void> {
  const base = tinyCheckpoint(ckOpts);
  const precision = parsePrecision(values.precision ?? 'fp32');
  const cache = scratchDir(`adapter-ab-${precision}`);
  const rts = [
    Molmo2Runtime.open(base, { provider: 'cpu', cacheDir: cache, precision }),
    Molmo2Runtime.open(base, { provider: 'cpu', cacheDir: cache, precision, adapterDir }),
  ];
  const rng = new SeededRng(3);
  const P = Number(values.prompt);
  const ids = Array.from({ length: P }, () => 100 + Math.floor(rng.next() * 50000));
  const req = { ids, types: ids.map(() => 0), features: new Float32Array(0), repeatGuard: 0 };
  for (const rt of rts) await rt.generate({ ...req, maxNewTokens: 2 });
  const times = rts.map(() => ({ one: [] as number[], n: [] as number[] }));
  for (let round = 0; round < 5; round++) {
    for (const [i, rt] of rts.entries()) {
      times[i]?.one.push((await rt.generate({ ...req, maxNewTokens: 1 })).ms);
      times[i]?.n.push((await rt.generate({ ...req, maxNewTokens: Number(values.new) })).ms);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const N = Number(values.new);
  const row = (i: number) => ({
    prefill: median(times[i]?.one ?? []) / P,
    decode: median((times[i]?.n ?? []).map((t, k) => (t - (times[i]?.one[k] ?? NaN)) / (N - 1))),
  });
  console.log(
    `${precision} interleaved ×5: base ${JSON.stringify(row(0))} branch ${JSON.stringify(row(1))} (ms per token, medians)`,
  );
  for (const rt of rts) await rt.dispose();
}

function makeAdapter(): string {
  const ck = openCheckpoint(tinyCheckpoint(ckOpts));
  const spec = { rank: Number(values.rank), alpha: 2 * Number(values.rank) };
  const p = initLora(loraTargets(ck), spec, 1);
  const rng = new SeededRng(5);
  for (const t of loraTargets(ck)) p.get(t.keyB)?.forEach((_, i, b) => (b[i] = (2 * rng.next() - 1) * 0.01));
  const dir = scratchDir('adapter-infer-adapter');
  saveAdapter(dir, ck, spec, p, null);
  return dir;
}

if (values.child === 'ab') {
  await interleaved(values.adapter ?? '');
} else if (values.child) {
  await child(values.child, values.adapter ?? '');
} else {
  const adapterDir = makeAdapter();
  const self = fileURLToPath(import.meta.url);
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const shape = values['real-width']
    ? 'Molmo2-4B decoder widths (hidden 2560, 32/8 heads, MLP 9728, real vocabulary)'
    : 'tiny checkpoint widths';
  console.log(
    `${shape}, ${layers} layers, adapter rank ${values.rank}, prompt ${values.prompt} text tokens, ${values.new} new tokens, CPU provider`,
  );
  console.log(
    '| precision | mode | merge s | convert+compile s | load s | prefill ms/tok | decode ms/tok | RSS loaded MiB | peak MiB | adapter disk MB | converted MB |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  /** Runs this script as a child for one mode and precision; its last line of output. */
  const runChild = (mode: string, precision: string): string | undefined => {
    const args = [
      '--import',
      'tsx',
      self,
      '--child',
      mode,
      '--adapter',
      adapterDir,
      '--precision',
      precision,
      '--layers',
      values.layers,
      '--rank',
      values.rank,
      '--prompt',
      values.prompt,
      '--new',
      values.new,
      ...(values['real-width'] ? ['--real-width'] : []),
    ];
    return execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 })
      .trim()
      .split('\n')
      .pop();
  };
  for (const precision of values.precisions.split(',')) {
    if (values.modes === 'ab') {
      console.log(runChild('ab', precision));
      continue;
    }
    for (const mode of values.modes.split(',')) {
      const r = JSON.parse(String(runChild(mode, precision))) as Record<string, number>;
      const f = (k: string, d = 2) => (r[k] ?? NaN).toFixed(d);
      console.log(
        `| ${precision} | ${mode} | ${s(r.prepMs ?? NaN)} | ${s(r.compileMs ?? NaN)} | ${s(r.loadMs ?? NaN)} | ${f('prefillMsPerTok')} | ${f('decodeMsPerTok')} | ${mib(r.loaded ?? NaN)} | ${mib(r.peak ?? NaN)} | ${((r.disk ?? NaN) / 1e6).toFixed(1)} | ${((r.converted ?? NaN) / 1e6).toFixed(0)} |`,
      );
    }
  }
}
