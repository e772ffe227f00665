// Bench (not CI; needs ~23 GB of disk for 4B): a real-shape checkpoint (released dimensions and shards, random fp32
// weights) converted to a precision and run on the CPU provider: one image prompt (one crop) plus N new tokens.
// Prints conversion time and peak RSS, load time and resident memory, prefill and decode ms/token, disk used.
// `--graphs-only` instead writes a sparse checkpoint (headers, no data) and compiles every graph at fp32 and int4,
// printing each .onnx size against protobuf's 2 GB limit (the 8B proof; no weights are read).
// Run: flock /tmp/bench.lock npx tsx bench/precision/real-shape.ts --preset molmo2-4b --precision int4 --dir /tmp/p4b
//      (fp16 on CPU: add --one-session, its decoder session holds ≈ 18 GB of fp32 weight copies)
//      npx tsx bench/precision/real-shape.ts --preset molmo2-8b --graphs-only --dir /tmp/p8b
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compileGraphs, PROTOBUF_LIMIT, type GraphKind } from '../../src-main/core/molmo2/compile/compile.js';
import { parsePrecision } from '../../src-main/core/molmo2/compile/precision.js';
import { Molmo2Runtime } from '../../src-main/core/molmo2/engine/runtime.js';
import { openCheckpoint } from '../../src-main/core/molmo2/weights.js';
import { makePresetCheckpoint, PRESETS, type Preset } from '../../models/tiny/presets.js';
import { imageInputs } from '../../tests/core/molmo2/runtime/inputs.js';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'molmo2-4b' },
    precision: { type: 'string', default: 'int4' },
    dir: { type: 'string', default: '/tmp/precision-real-shape' },
    tokens: { type: 'string', default: '8' },
    'graphs-only': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    // One decoder session at a time: the generate session is loaded only in the profiled runtime (fp16 on CPU holds an
    // fp32 copy of its weights, ≈ 18 GB for 4B, so two of them do not fit 24 GB even one after the other).
    'one-session': { type: 'boolean', default: false },
  },
});
if (!(PRESETS as readonly string[]).includes(values.preset)) throw new Error(`--preset: one of ${PRESETS.join(', ')}`);
const preset = values.preset as Preset;
const precision = parsePrecision(values.precision);
const ckDir = join(values.dir, 'checkpoint');
const cache = join(values.dir, 'cache');
const KINDS: GraphKind[] = ['vision', 'generate', 'generate-stream', 'resume', 'prefill', 'step'];

const status = (key: string): number =>
  Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
const du = (p: string) => Number(execFileSync('du', ['-sb', p], { encoding: 'utf8' }).split('\t')[0]);
const timed = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
  const t0 = performance.now();
  const r = await f();
  return [r, performance.now() - t0];
};

console.log(`${preset}, precision ${precision}, onnxruntime-node CPU provider, dir ${values.dir}`);
const [bytes, makeMs] = await timed(() =>
  makePresetCheckpoint(ckDir, preset, {
    sparse: values['graphs-only'],
    onShard: (f, i, n) => console.error(`writing ${f} ${i + 1}/${n}`),
  }),
);
console.log(
  `checkpoint: ${gb(bytes)} of fp32 weights written in ${(makeMs / 1000).toFixed(0)} s${values['graphs-only'] ? ' (sparse: headers only)' : ''}`,
);

if (values['graphs-only']) {
  const ck = openCheckpoint(ckDir);
  for (const p of ['fp32', 'int4'] as const) {
    const { paths } = compileGraphs(ck, {
      cacheDir: join(cache, 'graphs'),
      kinds: KINDS,
      precision: p,
      planOnly: p !== 'fp32',
    });
    const sizes = KINDS.map((k) => `${k} ${(statSync(paths[k]).size / 1e6).toFixed(2)} MB`);
    const worst = Math.max(...KINDS.map((k) => statSync(paths[k]).size));
    console.log(
      `${p}: ${sizes.join(', ')}; largest ${(worst / 1e6).toFixed(2)} MB = ${((100 * worst) / PROTOBUF_LIMIT).toFixed(3)} % of protobuf's 2 GB limit`,
    );
  }
} else {
  const ck = openCheckpoint(ckDir);
  const [, convMs] = await timed(() => compileGraphs(ck, { cacheDir: join(cache, 'graphs'), kinds: KINDS, precision }));
  console.log(
    `convert to ${precision} + compile: ${(convMs / 1000).toFixed(0)} s, peak RSS so far ${gb(status('VmHWM'))}, converted ${gb(du(join(cache, 'graphs')))}`,
  );
  const rt = Molmo2Runtime.open(ckDir, { provider: 'cpu', cacheDir: cache, precision });
  const session = (k: GraphKind) => (rt as unknown as { session(k: GraphKind): Promise<unknown> }).session(k);
  const one = values['one-session'];
  const [, loadMs] = await timed(async () => {
    await session('vision');
    if (!one) await session('generate');
  });
  console.log(
    `load (vision${one ? '' : ' + generate'} sessions): ${(loadMs / 1000).toFixed(1)} s, RSS ${gb(status('VmRSS'))}, peak during load ${gb(status('VmHWM'))}`,
  );
  const inp = imageInputs(1, 0);
  const [vis, visMs] = await timed(() => rt.vision(inp.pixels, inp.nCrops, inp.pooling, inp.k));
  const S = inp.ids.length;
  const N = Number(values.tokens);
  console.log(`vision (1 crop): ${(visMs / 1000).toFixed(1)} s`);
  await rt.dispose();
  // Prefill and decode split from onnxruntime's profiler inside ONE run (the decode Loop node's own time): a
  // difference of two runs drowned in load noise on this shared machine. Profiling opens its own session.
  const prof = Molmo2Runtime.open(ckDir, { provider: 'cpu', cacheDir: cache, precision, profile: true });
  const [g, genMs] = await timed(() =>
    prof.generate({ ids: inp.ids, types: inp.types, features: vis.features, maxNewTokens: N + 1, repeatGuard: 0 }),
  );
  if (one)
    console.log(
      `generate call incl. loading its session: ${(genMs / 1000).toFixed(1)} s (load ≈ this − prefill − decode below)`,
    );
  const forwards = Math.max(1, g.tokens.length - 1);
  console.log(
    `prefill ${S} tokens (+ first token): ${g.prefillMs!.toFixed(0)} ms = ${(g.prefillMs! / S).toFixed(1)} ms/token`,
  );
  console.log(
    `decode ${forwards} more tokens: ${(g.decodeMs! / forwards).toFixed(0)} ms/token (decode Loop time / forwards)`,
  );
  console.log(
    `resident after runs: RSS ${gb(status('VmRSS'))}, peak ${gb(status('VmHWM'))} (the profiled run holds a second session); disk: checkpoint ${gb(du(ckDir))}, cache ${gb(du(cache))}`,
  );
  await prof.dispose();
}
if (!values.keep) rmSync(values.dir, { recursive: true, force: true });
