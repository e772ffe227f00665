// Bench: cost of one indexing window for the two caption tiers (dense vs short), side by side in the same run, on
// the generated tiny checkpoint through the real captioner (frame decode, preprocessing, vision, prefill, decode).
// Run: npm run bench -- index/tiers [--repeat 2] [--provider cpu] [--clip FILE]
// The repeat guard is off so each tier generates its whole token budget (random weights would otherwise stop early);
// the real model stops at EOS, so the README extrapolates with its typical caption lengths.
import { parseArgs } from 'node:util';
import { Molmo2Session } from '../../src-main/core/molmo2/session.js';
import { molmo2Captioner, TIER_MAX_NEW_TOKENS } from '../../src-main/core/library/molmo2-captioner.js';
import { windowSampleTimes, windowsFor } from '../../src-main/core/library/media-adapter.js';
import { seconds } from '../../src-main/api/units.js';
import type { PromptKind } from '../../src-main/core/library/captioner.js';
import { scratchDir, tinyCheckpoint } from '../../tests/helpers/tiny.js';
import { sampleClip } from '../../tests/helpers/media-fixtures.js';
import { createMediaService } from '../../src-main/core/media/index.js';

const media = createMediaService();

const { values } = parseArgs({
  options: {
    repeat: { type: 'string', default: '2' },
    provider: { type: 'string', default: 'cpu' },
    clip: { type: 'string' },
  },
});
const clip = values.clip ?? sampleClip('concourse-crowd-720p.avi');
if (!clip) throw new Error('no clip: pass --clip FILE (the shared sample was not found)');
const dir = tinyCheckpoint({ seed: 1 });
const session = await Molmo2Session.open({
  modelDir: dir,
  cacheDir: scratchDir('bench-tiers'),
  provider: values.provider,
  media,
});
const p = await media.probe(clip);
const w = windowsFor(p.duration, { length: seconds(63.5), overlap: seconds(8) })[0]!;
const win = {
  recordingId: 1,
  path: clip,
  index: w.index,
  start: w.start,
  end: w.end,
  sampleTimes: windowSampleTimes(w),
};
const signal = new AbortController().signal;

// Warm-up: graph load and first-run allocations are not a window's cost.
await molmo2Captioner(session, { tier: 'short', modelId: 'bench', maxNewTokens: 2, repeatGuard: 0 }).caption(
  win,
  signal,
);

interface Row {
  tier: PromptKind;
  tokens: number;
  total: number;
  t: Record<string, number>;
}
const rows: Row[] = [];
for (const tier of ['short', 'dense'] as const) {
  const c = molmo2Captioner(session, { tier, modelId: 'bench', repeatGuard: 0 });
  let best: Row | null = null;
  for (let i = 0; i < Number(values.repeat); i++) {
    const t0 = performance.now();
    const r = await c.caption(win, signal);
    const total = performance.now() - t0;
    if (!best || total < best.total) best = { tier, tokens: r.tokens, total, t: r.timings };
  }
  rows.push(best!);
}
await session.close();

const short = rows[0]!;
const perToken = (rows[1]!.total - short.total) / (rows[1]!.tokens - short.tokens);
const fixed = short.total - short.tokens * perToken;
console.log(
  `tiny Molmo2 checkpoint, provider ${session.provider}, ${clip.split('/').pop()} window 0 (${(w.end - w.start).toFixed(1)} s, ${win.sampleTimes.length} frames, ${short.t.promptTokens} prompt tokens); min of ${values.repeat} runs`,
);
console.log(
  '| tier | budget | tokens | preprocess ms | vision ms | prefill ms | decode ms | window ms | ms/token | vs short |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const f = (k: string) => (r.t[k] === undefined ? '–' : r.t[k].toFixed(0));
  console.log(
    `| ${r.tier} | ${TIER_MAX_NEW_TOKENS[r.tier]} | ${r.tokens} | ${f('preprocess')} | ${f('vision')} | ${f('prefill')} | ${f('decode')} | ${r.total.toFixed(0)} | ${(r.total / r.tokens).toFixed(2)} | ${(r.total / short.total).toFixed(2)}× |`,
  );
}
console.log(
  `fit: window ms ≈ ${fixed.toFixed(0)} fixed (frames, vision, prefill) + ${perToken.toFixed(2)} ms × generated tokens`,
);
for (const [name, shortTok, denseTok] of [
  ['real-model typical lengths (short ≈ 40, dense ≈ 300 tokens)', 40, 300],
] as const) {
  console.log(
    `${name}: dense/short on this checkpoint = ${((fixed + denseTok * perToken) / (fixed + shortTok * perToken)).toFixed(2)}×`,
  );
}
