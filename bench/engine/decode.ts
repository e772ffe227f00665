// Bench: per-token decode time and ioBytesPerToken at 1k/4k/10k-token contexts on the generated tiny checkpoint,
// in-graph Loop generation vs the naive JavaScript loop (K/V in and out of session.run per token), same run.
// Run: npx tsx bench/engine/decode.ts [--contexts 1000,4000,10000] [--tokens 8] [--provider cpu]
import { parseArgs } from 'node:util';
import { Molmo2Runtime } from '../../src-main/core/molmo2/engine/runtime.js';
import type { ProviderName } from '../../src-main/core/molmo2/engine/providers.js';
import { scratchDir, tinyCheckpoint } from '../../tests/helpers/tiny.js';
import { longTextInputs } from '../../tests/core/molmo2/runtime/inputs.js';

const { values } = parseArgs({
  options: {
    'repeat-guard': { type: 'string', default: '0' },
    contexts: { type: 'string', default: '1000,4000,10000' },
    tokens: { type: 'string', default: '16' },
    provider: { type: 'string', default: 'cpu' },
  },
});
const contexts = values.contexts.split(',').map(Number);
const N = Number(values.tokens);
// The baseline has no repetition guard; leave it off in the Loop too unless asked (--repeat-guard 4 = ask's default).
const guard = Number(values['repeat-guard']);
const rt = Molmo2Runtime.open(tinyCheckpoint({ seed: 1 }), {
  provider: values.provider as ProviderName,
  cacheDir: scratchDir('bench-engine'),
});
const prof = Molmo2Runtime.open(tinyCheckpoint({ seed: 1 }), {
  provider: values.provider as ProviderName,
  cacheDir: scratchDir('bench-engine'),
  profile: true,
});
const features = new Float32Array(0);
const STREAM_EVERY = Math.max(1, Math.floor(N / 2));

// Warm up both paths (session creation, first-run allocations).
{
  const w = longTextInputs(64, 1);
  await rt.generate({ ...w, features, maxNewTokens: 2 });
  await rt.generateNaive({ ...w, features, maxNewTokens: 2 });
}

interface Row {
  ctx: number;
  loopMs: number;
  deltaMs: number;
  spreadMs: number;
  streamIo: number;
  naiveMs: number;
  loopIo: number;
  naiveIo: number;
  prefillMs: number;
}
const rows: Row[] = [];
for (const ctx of contexts) {
  const inp = longTextInputs(ctx, ctx);
  // Loop: the decode time is the Loop node's own duration from onnxruntime's profiler (prefill excluded).
  const pN = await prof.generate({ ...inp, features, maxNewTokens: N, repeatGuard: guard });
  // Unprofiled cross-check: (min time of N tokens − min time of prefill only) / N, min over 2 runs each.
  const times = async (m: number) => {
    const ts: number[] = [];
    for (let i = 0; i < 2; i++)
      ts.push((await rt.generate({ ...inp, features, maxNewTokens: m, repeatGuard: guard })).ms);
    return ts;
  };
  const tN = await times(N);
  const t0 = await times(0);
  const deltaMs = (Math.min(...tN) - Math.min(...t0)) / N;
  // On a busy machine the prefill's run-to-run spread can exceed the N decode steps; then Δ says nothing.
  const spread = Math.max(Math.max(...t0) - Math.min(...t0), Math.max(...tN) - Math.min(...tN));
  const naive = await rt.generateNaive({ ...inp, features, maxNewTokens: N + 1 });
  // Streaming in chunks of STREAM_EVERY tokens: the same tokens, the KV cache out and back in once per chunk.
  const streamed = await rt.generateStream(
    { ...inp, features, maxNewTokens: N, repeatGuard: guard },
    STREAM_EVERY,
    () => {},
  );
  const naiveSteps = naive.tokens.length - 1;
  if (pN.tokens.length !== N) throw new Error(`loop generated ${pN.tokens.length} tokens, expected ${N} (EOS?)`);
  rows.push({
    ctx,
    prefillMs: pN.prefillMs!,
    loopMs: pN.decodeMs! / N,
    deltaMs,
    spreadMs: spread,
    naiveMs: (naive.ms - naive.prefillMs) / naiveSteps,
    loopIo: pN.ioBytesPerToken,
    naiveIo: naive.ioBytesPerToken,
    streamIo: streamed.ioBytesPerToken,
  });
  console.error(`context ${ctx}: done`);
}
await rt.dispose();
await prof.dispose();

const fmtB = (b: number) =>
  b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(2)} MiB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b.toFixed(0)} B`;
console.log(
  `tiny Molmo2 checkpoint (text 64 wide, 2 layers, 2 KV heads × 16), provider ${values.provider}, ${N} decode tokens per point`,
);
console.log(
  `repeat guard ${guard}; Loop ms/token = the Loop node's time from onnxruntime's profiler / ${N}; Δ = unprofiled (min t(N) − min t(0)) / N,`,
);
console.log(
  '  shown as "noisy" when the run-to-run spread of those runs exceeds the N decode steps it is meant to resolve',
);
console.log(`streamed = the Loop in chunks of ${STREAM_EVERY} tokens (ask --stream), state carried between runs`);
console.log(
  '| context | prefill ms | Loop ms/token | Loop Δ ms/token | JS-loop ms/token | JS/Loop time | Loop io/token | streamed io/token | JS-loop io/token | JS/Loop io |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.ctx} | ${r.prefillMs.toFixed(0)} | ${r.loopMs.toFixed(2)} | ${r.spreadMs > N * r.loopMs ? `noisy (spread ${r.spreadMs.toFixed(0)} ms)` : r.deltaMs.toFixed(2)} | ${r.naiveMs.toFixed(2)} | ${(r.naiveMs / r.loopMs).toFixed(2)}× | ${fmtB(r.loopIo)} | ${fmtB(r.streamIo)} | ${fmtB(r.naiveIo)} | ${(r.naiveIo / r.loopIo).toFixed(0)}× |`,
  );
}
