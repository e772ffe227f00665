// Bench (not CI; needs ~30 GB of disk and up to ~10 GB of RAM at int4): our decoder against llama.cpp on the same
// real-shape (4B) text decoder, same precision class, same prompt length, same machine. The 4B-shaped checkpoint
// (make-tiny --preset molmo2-4b, random fp32 weights) is converted to our precision and also written as a qwen3 GGUF
// (int4 ↔ Q4_0, int8 ↔ Q8_0, fp16 ↔ F16, fp32 ↔ F32); then a text-only prompt of --prefill ids is prefilled and
// --decode tokens are decoded greedily by each engine. Prints prefill and decode ms/token side by side, as ratios
// (ours / llama.cpp: > 1 means we are slower), and where our time goes per ONNX operator (onnxruntime's profiler).
// Run: flock /tmp/bench.lock npx tsx bench/precision/llama-compare.ts --precision int4 [--prefill 512 --decode 32]
//      [--threads 2|2,1] [--prepare-only] [--dir /tmp/llama-compare] [--keep] [--split profile|difference] [--checkpoint DIR (e.g. a tiny one)]
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Token } from 'node-llama-cpp';
import { compileGraphs } from '../../src-main/core/molmo2/compile/compile.js';
import { parsePrecision, type Precision } from '../../src-main/core/molmo2/compile/precision.js';
import { Molmo2Runtime, type OpMs } from '../../src-main/core/molmo2/engine/runtime.js';
import { openCheckpoint, type Checkpoint } from '../../src-main/core/molmo2/weights.js';
import { makePresetCheckpoint } from '../../models/tiny/presets.js';
import { writeMolmo2DecoderGguf, type GgufClass } from './molmo2-gguf-util.js';
import { cpuLlama } from './llama-cpu.js';

const { values } = parseArgs({
  options: {
    precision: { type: 'string', default: 'int4' },
    prefill: { type: 'string', default: '512' },
    decode: { type: 'string', default: '32' },
    threads: { type: 'string', default: '2' },
    dir: { type: 'string', default: '/tmp/llama-compare' },
    keep: { type: 'boolean', default: false },
    split: { type: 'string', default: 'profile' },
    'skip-ours': { type: 'boolean', default: false },
    checkpoint: { type: 'string' },
    'prepare-only': { type: 'boolean', default: false },
  },
});
const precision = parsePrecision(values.precision);
const CLASS: Record<Precision, GgufClass> = { fp32: 'F32', fp16: 'F16', int8: 'Q8_0', int4: 'Q4_0' };
const S = Number(values.prefill);
const N = Number(values.decode);
/** --threads 2 or a list (2,1): every engine runs once per count. */
const threadCounts = values.threads.split(',').map(Number);
const ckDir = values.checkpoint ?? join(values.dir, 'checkpoint');
const cache = join(values.dir, 'cache');
const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
const rss = (key = 'VmRSS') =>
  Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Prompt ids: text tokens of Qwen3's base vocabulary from a fixed LCG, the same for both engines. */
function promptIds(n: number): number[] {
  let s = 12345;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return 100 + (s % 150000);
  });
}

interface Timing {
  prefillMsPerToken: number;
  decodeMsPerToken: number;
  tokens: number[];
  opMs?: OpMs;
}

/** Converts the weights to our precision and compiles the generate graph (once: reused from the cache). */
function prepareOurs(ck: Checkpoint): void {
  const t0 = performance.now();
  compileGraphs(ck, { cacheDir: join(cache, 'graphs'), kinds: ['generate'], precision });
  console.log(
    `ours: convert to ${precision} + compile ${sec(performance.now() - t0)}, peak RSS so far ${gb(rss('VmHWM'))}`,
  );
}

/** Writes the decoder as a GGUF of the matching class (once: reused when present). */
function prepareGguf(ck: Checkpoint): string {
  const file = join(values.dir, `decoder-${CLASS[precision]}.gguf`);
  if (existsSync(file)) return file;
  const t0 = performance.now();
  const embedding = precision === 'fp32' ? 'F32' : 'F16';
  writeMolmo2DecoderGguf(ck, file, { matrices: CLASS[precision], embedding });
  const took = sec(performance.now() - t0);
  console.log(
    `gguf: wrote ${gb(statSync(file).size)} (${CLASS[precision]}, token_embd ${embedding}) in ${took}, peak RSS so far ${gb(rss('VmHWM'))}`,
  );
  return file;
}

async function ours(ids: number[], threads: number): Promise<Timing> {
  const req = { ids, types: ids.map(() => 0), features: new Float32Array(0), repeatGuard: 0, stopIds: [] };
  if (values.split === 'profile') {
    // One profiled run: prefill and decode split by the decode Loop node's own time (a second session is opened).
    const rt = Molmo2Runtime.open(ckDir, { provider: 'cpu', cacheDir: cache, precision, profile: true, threads });
    try {
      const g = await rt.generate({ ...req, maxNewTokens: N + 1 });
      const forwards = Math.max(1, g.tokens.length - 1);
      console.log(`ours: RSS ${gb(rss())}, peak ${gb(rss('VmHWM'))}; ${g.tokens.length} tokens`);
      return {
        prefillMsPerToken: (g.prefillMs ?? NaN) / S,
        decodeMsPerToken: (g.decodeMs ?? NaN) / forwards,
        tokens: g.tokens,
        opMs: g.opMs,
      };
    } finally {
      await rt.dispose();
    }
  }
  // Difference of two runs in one session (no second session: for fp16, whose session alone is ~10 GB).
  const rt = Molmo2Runtime.open(ckDir, { provider: 'cpu', cacheDir: cache, precision, threads });
  try {
    const a = await rt.generate({ ...req, maxNewTokens: 1 });
    const b = await rt.generate({ ...req, maxNewTokens: N + 1 });
    console.log(
      `ours: RSS ${gb(rss())}, peak ${gb(rss('VmHWM'))}; runs ${sec(a.ms)} (1 token), ${sec(b.ms)} (${b.tokens.length} tokens)`,
    );
    return {
      prefillMsPerToken: a.ms / S,
      decodeMsPerToken: (b.ms - a.ms) / Math.max(1, b.tokens.length - 1),
      tokens: b.tokens,
    };
  } finally {
    await rt.dispose();
  }
}

async function llamaCpp(file: string, ids: number[], threads: number): Promise<Timing> {
  const llama = await cpuLlama(threads);
  const t0 = performance.now();
  const model = await llama.loadModel({ modelPath: file });
  try {
    const ctx = await model.createContext({ contextSize: S + N + 64, batchSize: S, threads });
    console.log(
      `llama.cpp: load + context ${sec(performance.now() - t0)}, RSS ${gb(rss())}; K/V cache fp16 (its default)`,
    );
    const seq = ctx.getSequence();
    const t1 = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(ids.slice(0, -1) as Token[]);
    const prefillMs = performance.now() - t1;
    // Each yield is one forward of one token: the prompt's last token, then each generated one.
    const tokens: number[] = [];
    const t2 = performance.now();
    for await (const t of seq.evaluate(ids.slice(-1) as Token[], { temperature: 0 }))
      if (tokens.push(Number(t)) >= N) break;
    const decodeMs = performance.now() - t2;
    return { prefillMsPerToken: prefillMs / (S - 1), decodeMsPerToken: decodeMs / tokens.length, tokens };
  } finally {
    await model.dispose();
    await llama.dispose();
  }
}

function printOps(op: OpMs | undefined, t: Timing): void {
  if (!op) return;
  const total = Object.values(op).reduce((a, v) => ({ prefill: a.prefill + v.prefill, decode: a.decode + v.decode }), {
    prefill: 0,
    decode: 0,
  });
  const rows = Object.entries(op)
    .sort((a, b) => b[1].prefill + b[1].decode - (a[1].prefill + a[1].decode))
    .slice(0, 10);
  console.log(
    `\nours, kernel time per operator (onnxruntime profiler; ms/token = op time / ${S} prompt tokens, / ${t.tokens.length - 1} decode forwards):`,
  );
  console.log('| op | prefill ms/token | share | decode ms/token | share |\n|---|---|---|---|---|');
  const f = (x: number, n: number, tot: number) => `${(x / n).toFixed(2)} | ${((100 * x) / tot).toFixed(1)} %`;
  for (const [name, v] of rows)
    console.log(
      `| ${name} | ${f(v.prefill, S, total.prefill)} | ${f(v.decode, Math.max(1, t.tokens.length - 1), total.decode)} |`,
    );
}

console.log(
  `4B-shaped text decoder, ${precision} ↔ llama.cpp ${CLASS[precision]}; prompt ${S} tokens, ${N} decoded; threads ${values.threads}; dir ${values.dir}`,
);
if (!values.checkpoint) {
  const t0 = performance.now();
  const bytes = makePresetCheckpoint(ckDir, 'molmo2-4b', {
    onShard: (f, i, n) => console.error(`checkpoint shard ${f} ${i + 1}/${n}`),
  });
  console.log(`checkpoint: ${gb(bytes)} of fp32 weights (${sec(performance.now() - t0)}; reused when present)`);
}
const ck = openCheckpoint(ckDir);
mkdirSync(values.dir, { recursive: true });
const ids = promptIds(S);
if (!values['skip-ours']) prepareOurs(ck);
const gguf = prepareGguf(ck);
if (values['prepare-only']) process.exit(0);
for (const threads of threadCounts) {
  const a = values['skip-ours'] ? null : await ours(ids, threads);
  const b = await llamaCpp(gguf, ids, threads);
  printTable(a, b, threads);
}
if (!values.keep) rmSync(values.dir, { recursive: true, force: true });

function printTable(a: Timing | null, b: Timing, threads: number): void {
  const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}×`;
  console.log(
    `\n| ${precision} ↔ ${CLASS[precision]}, CPU, ${threads} threads | ours (onnxruntime) | llama.cpp | ours / llama.cpp |\n|---|---|---|---|`,
  );
  if (a) {
    console.log(
      `| prefill ms/token (${S} tokens) | ${a.prefillMsPerToken.toFixed(1)} | ${b.prefillMsPerToken.toFixed(1)} | ${ratio(a.prefillMsPerToken, b.prefillMsPerToken)} |`,
    );
    console.log(
      `| decode ms/token (${N} tokens) | ${a.decodeMsPerToken.toFixed(1)} | ${b.decodeMsPerToken.toFixed(1)} | ${ratio(a.decodeMsPerToken, b.decodeMsPerToken)} |`,
    );
    printOps(a.opMs, a);
  } else
    console.log(
      `| prefill ms/token | – | ${b.prefillMsPerToken.toFixed(1)} | – |\n| decode ms/token | – | ${b.decodeMsPerToken.toFixed(1)} | – |`,
    );
}
