// `molmoscope ask` on the sample video with a generated checkpoint (CPU): deterministic for a seed, the per-token
// I/O through session.run is the same at two context lengths (2 and 3 frames), and --stream gives the same answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, sampleVideoFlags } from '../../../helpers/cli.js';
import { scratchDir, tinyCheckpoint } from '../../../helpers/tiny.js';

async function ask(args: string[], cache: string, stderrLines?: string[]): Promise<Record<string, unknown>> {
  const r = await runCli(['ask', ...args, '--json'], { env: { ...process.env, MOLMOSCOPE_CACHE: cache } });
  assert.equal(r.code, 0, r.err);
  stderrLines?.push(...r.err.split('\n').filter((l) => l.startsWith('{')));
  return JSON.parse(r.out) as Record<string, unknown>;
}

test('ask: video on CPU, seed-deterministic, ioBytesPerToken independent of context length', async () => {
  const model = tinyCheckpoint({ seed: 1 });
  const cache = scratchDir('ask');
  const common = [
    ...sampleVideoFlags(model),
    '--max-new-tokens',
    '6',
    '--temperature',
    '0.8',
    '--seed',
    '3',
    'Count the people.',
  ];
  const a = await ask([...common, '--frames', '2'], cache);
  const b = await ask([...common, '--frames', '2'], cache);
  assert.equal(a.text, b.text);
  assert.equal(a.provider, 'cpu');
  assert.equal(a.tokens, 6);
  for (const k of ['preprocess', 'vision', 'prefill', 'decodeTokensPerSecond'])
    assert.ok(((a.timings as Record<string, number>)[k] ?? 0) > 0, k);
  const c = await ask([...common, '--frames', '3'], cache);
  assert.ok((c.promptTokens as number) > (a.promptTokens as number));
  assert.equal(c.ioBytesPerToken, a.ioBytesPerToken);
  console.log(
    `ask: ${a.promptTokens} prompt tokens → ${a.ioBytesPerToken} B/token; ${c.promptTokens} → ${c.ioBytesPerToken} B/token`,
  );
  // The seed is what makes it deterministic: another seed samples another answer (fixed inputs, so this cannot flake).
  const d = await ask([...common.slice(0, -2), '4', 'Count the people.', '--frames', '2'], cache);
  assert.notEqual(d.text, a.text);
  // --stream: the same answer, delivered as partial texts every 2 tokens (stderr with --json), the last one complete.
  const lines: string[] = [];
  const st = await ask([...common, '--frames', '2', '--stream', '--stream-every', '2'], cache, lines);
  assert.equal(st.text, a.text);
  const partials = lines.map((l) => (JSON.parse(l) as { partial: string }).partial);
  assert.equal(partials.length, 3);
  assert.equal(partials.at(-1), a.text);
});
