// `molmoscope finetune missed` in this process: add a point where a count missed one (moved onto the sampled frame and
// said so), list, remove, and hostile arguments answered with a code on stderr and exit 2; the dataset build sees it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { seedLibrary } from './ft-seed.js';

test('finetune missed: add (snapped), list, remove with --json and in words; bad arguments exit 2 with a code', async () => {
  const s = await seedLibrary('ft-missed-cli');
  const run = String(s.countRun);
  s.lib.close();
  const env = { ...process.env, MOLMOSCOPE_HOME: join(s.dir, 'home'), MOLMOSCOPE_LOG_LEVEL: 'silent' };
  const cli = (...argv: string[]) => runCli(['finetune', ...argv, '--library', join(s.dir, 'lib.db')], { env });

  const added = await cli('missed', run, 'add', '2.4', '333', '667', '--json');
  assert.equal(added.code, 0, added.err);
  const a = JSON.parse(added.out) as { point: { id: number; t: number; mx: number; my: number }; requestedT: number };
  assert.deepEqual([a.point.t, a.requestedT, a.point.mx, a.point.my], [2.5, 2.4, 333, 667]);
  const words = await cli('missed', run, 'add', '1', '50', '60');
  assert.equal(words.code, 0, words.err);
  assert.match(words.out, /^added point #\d+ at 1 s\n/);
  const again = await cli('missed', run, 'add', '2.6', '333', '667');
  assert.equal(again.code, 2);
  assert.match(again.err, /"code":"INVALID_INPUT".*already there/);
  const listed = await cli('missed', run);
  assert.match(listed.out, new RegExp(`#\\d+ 1 s \\(50, 60\\)\\n#${a.point.id} 2.5 s \\(333, 667\\)\\n`));
  assert.equal(
    (await cli('missed', run, 'add', '0.4', '1', '1')).out.split('\n')[0],
    `added point #${a.point.id + 2} at 0 s (the sampled frame nearest 0.4 s)`,
  );

  const built = await cli('dataset', 'build', '--name', 'm', '--heldout', '0', '--json');
  assert.equal(built.code, 0, built.err);
  const ex = await cli('dataset', 'examples', '1', '--json');
  const examples = (JSON.parse(ex.out) as { examples: Array<{ source: { added?: number[] }; answer: string }> })
    .examples;
  assert.ok(examples.some((e) => e.source.added?.includes(a.point.id) && /\b333 667\b/.test(e.answer)));

  const removed = await cli('missed', run, 'remove', String(a.point.id), '--json');
  assert.equal(removed.code, 0, removed.err);
  assert.ok(!(JSON.parse(removed.out) as { points: Array<{ id: number }> }).points.some((p) => p.id === a.point.id));
  for (const [argv, code] of [
    [['missed', run, 'add', '1', '1001', '5'], 'INVALID_INPUT'],
    [['missed', run, 'add', '1', 'NaN', '5'], 'INVALID_INPUT'],
    [['missed', run, 'add', '99', '5', '5'], 'INVALID_INPUT'],
    [['missed', run, 'add', '1', '5'], 'INVALID_INPUT'],
    [['missed', String(s.trackRun), 'add', '1', '5', '5'], 'INVALID_INPUT'],
    [['missed', '77', 'add', '1', '5', '5'], 'NOT_FOUND'],
    [['missed', run, 'remove', String(a.point.id)], 'NOT_FOUND'],
    [['missed', run, 'drop', '1'], 'INVALID_INPUT'],
  ] as const) {
    const r = await cli(...argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.out}`);
    assert.equal((JSON.parse(r.err) as { error: { code: string } }).error.code, code, argv.join(' '));
  }
  // A message names the argument as the usage does: a positional by its name, a flag with its dashes.
  for (const [argv, message] of [
    [['missed', run, 'add', '1', 'NaN', '5'], 'X must be a number, got "NaN"'],
    [['missed', 'first', 'list'], 'RUN must be a number, got "first"'],
    [['rerun', run, '--adapter', 'abc'], '--adapter must be a number, got "abc"'],
  ] as const) {
    const r = await cli(...argv);
    assert.equal((JSON.parse(r.err) as { error: { message: string } }).error.message, message, argv.join(' '));
  }
});
