// Bench: what streaming a job window costs — generate in one in-graph Loop run vs streamed Loop chunks of `every`
// tokens (the KV cache crosses into JavaScript once per chunk), on a video window of the tiny checkpoint, same run.
// Run: npm run bench -- stream-cost [--frames 8] [--tokens 128] [--every 8,16,32,64] [--reps 3] [--provider cpu]
import { parseArgs } from 'node:util';
import { Molmo2Runtime } from '../../src-main/core/molmo2/engine/runtime.js';
import type { ProviderName } from '../../src-main/core/molmo2/engine/providers.js';
import { JOB_STREAM_EVERY } from '../../src-main/core/molmo2/partial-stream.js';
import { scratchDir, tinyCheckpoint } from '../../tests/helpers/tiny.js';
import { videoInputs } from '../../tests/core/molmo2/runtime/inputs.js';
import { entry } from '../../src-main/api/at.js';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '8' },
    tokens: { type: 'string', default: '128' },
    every: { type: 'string', default: '8,16,32,64' },
    reps: { type: 'string', default: '3' },
    provider: { type: 'string', default: 'cpu' },
  },
});
const N = Number(values.tokens);
const everies = values.every.split(',').map(Number);
const reps = Number(values.reps);
const rt = Molmo2Runtime.open(tinyCheckpoint({ seed: 1 }), {
  provider: values.provider as ProviderName,
  cacheDir: scratchDir('bench-stream'),
});
const v = videoInputs(3, Number(values.frames));
const vis = await rt.vision(v.pixels, v.nCrops, v.pooling, v.k);
// repeatGuard 0: every variant generates the whole budget, so the runs differ only in how the Loop is chunked.
const req = { ids: v.ids, types: v.types, features: vis.features, maxNewTokens: N, repeatGuard: 0 };
await rt.generate({ ...req, maxNewTokens: 2 });
await rt.generateStream({ ...req, maxNewTokens: 4 }, 2, () => {});

const best: Record<string, number> = {};
const lengths = new Set<number>();
const keep = (k: string, r: { ms: number; tokens?: number[] }) => {
  best[k] = Math.min(best[k] ?? Infinity, r.ms);
  if (r.tokens) lengths.add(r.tokens.length);
};
const variants: Array<[string, () => Promise<{ ms: number; tokens?: number[] }>]> = [
  ['one', () => rt.generate(req)],
  ...everies.map((e): [string, () => Promise<{ ms: number; tokens: number[] }>] => [
    `s${e}`,
    () => rt.generateStream(req, e, () => {}),
  ]),
];
// Interleaved repetitions in alternating order, minimum of each: other load on the machine hits every variant alike.
for (let r = 0; r < reps; r++) {
  keep('vision', await rt.vision(v.pixels, v.nCrops, v.pooling, v.k));
  for (const [k, f] of r % 2 ? [...variants].reverse() : variants) keep(k, await f());
}
const ms = (k: string) => entry(best, k, 'timing');
const window = ms('vision') + ms('one');
console.log(
  `stream cost: ${v.ids.length}-token prompt (${values.frames} frames), ${N} new tokens, provider ${values.provider}, min of ${reps}`,
);
console.log(
  `tokens generated per run: ${[...lengths].join(', ')} (must be one number: every variant does the same work)`,
);
console.log(
  `baseline one Loop run: generate ${ms('one').toFixed(0)} ms, window (vision + generate) ${window.toFixed(0)} ms`,
);
for (const e of everies) {
  const extra = ms(`s${e}`) - ms('one');
  console.log(
    `every ${String(e).padStart(3)}${e === JOB_STREAM_EVERY ? ' (jobs)' : '       '}: generate ${ms(`s${e}`).toFixed(0)} ms = ${(ms(`s${e}`) / ms('one')).toFixed(3)}× one run; window cost +${((100 * extra) / window).toFixed(1)} %`,
  );
}
await rt.dispose();
