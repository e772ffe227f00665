// Learning works: on the tiny checkpoint, three clips with target answers (a count with points, a track, a caption)
// are learned by `molmoscope train` — afterwards `ask --adapter` answers each greedily with exactly its target.
// (≈300 CPU steps: the slowest test of this folder, about two minutes on two cores.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLines, runCli } from '../../helpers/cli.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { chat, hueClip, trainArgv, trainEnv } from './train-data.js';

const base = tinyCheckpoint({ seed: 7, dtype: 'float32' });

const CASES = [
  {
    hue: 100,
    q: 'How many people are there?',
    a: 'Counting the <points coords="0.5 1 500 400 2 300 600">people</points> shows a total of 2.',
  },
  { hue: 200, q: 'Track the car.', a: '<tracks coords="0.0 1 120 340;0.5 1 150 330;1.0 1 180 320">car</tracks>' },
  { hue: 300, q: 'Describe this video.', a: 'A colour test pattern with a moving counter.', task: 'caption' },
];

test('after 300 steps the greedy answers with the adapter equal the three targets', async () => {
  const dir = scratchDir('learn');
  const env = trainEnv(dir);
  const data = join(dir, 'data.jsonl');
  writeFileSync(
    data,
    CASES.map((c) =>
      JSON.stringify({
        video: hueClip(c.hue),
        ...(c.task ? { task: c.task } : {}),
        messages: chat(c.q, c.a),
      }),
    ).join('\n'),
  );
  const out = join(dir, 'adapter');
  const flags = ['--steps', '300', '--lr', '1e-2', '--rank', '64', '--alpha', '64', '--warmup', '10', '--json'];
  const t = await runCli(trainArgv(base, data, out, flags), { env });
  assert.equal(t.code, 0, t.err);
  const losses = jsonLines<{ event: string; loss?: number }>(t.out)
    .filter((e) => e.event === 'step')
    .map((e) => e.loss!);
  console.log(
    `loss every 30 steps: ${losses
      .filter((_, i) => i % 30 === 0 || i === losses.length - 1)
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const before = await runCli(
    ['ask', '--model', base, '--video', hueClip(CASES[0]!.hue), CASES[0]!.q, '--max-new-tokens', '60'],
    { env },
  );
  assert.notEqual(before.out.trim(), CASES[0]!.a, 'the base model does not already answer with the target');
  for (const c of CASES) {
    const r = await runCli(
      ['ask', '--model', base, '--adapter', out, '--video', hueClip(c.hue), c.q, '--max-new-tokens', '60', '--json'],
      { env },
    );
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { text: string; adapter: { dir: string; sha256: string } };
    assert.equal(j.text, c.a);
    assert.equal(j.adapter.dir, out);
    assert.match(j.adapter.sha256, /^[0-9a-f]{64}$/);
  }
});
