// `ask --precision`: each precision answers through the real CLI → session → engine path, converted weights land in
// the cache under <precision>/, and where a precision's greedy tokens agree with fp32 the parsed points and tracks
// are identical (the answer is parsed from tokens alone); bf16 and unknown names are refused before any work.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, sampleVideoFlags } from '../../helpers/cli.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';

async function ask(
  args: string[],
  cache: string,
): Promise<{ code: number; out: Record<string, unknown> | null; err: string }> {
  const r = await runCli(['ask', ...args, '--json'], { env: { ...process.env, MOLMOSCOPE_CACHE: cache } });
  return { code: r.code, out: r.code === 0 ? (JSON.parse(r.out) as Record<string, unknown>) : null, err: r.err };
}

test('ask --precision: fp16/int8/int4 answer through the engine; agreeing tokens give identical points and tracks', async () => {
  const model = tinyCheckpoint({ seed: 1 });
  const cache = scratchDir('precision-cli');
  const common = [...sampleVideoFlags(model), '--frames', '2', '--max-new-tokens', '8', 'Point to the people.'];
  const base = await ask([...common, '--precision', 'fp32'], cache);
  assert.equal(base.code, 0, base.err);
  assert.equal(base.out!.precision, 'fp32');
  let agreeing = 0;
  for (const p of ['fp16', 'int8', 'int4']) {
    const r = await ask([...common, '--precision', p], cache);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out!.precision, p);
    const dirs = readdirSync(cache, { recursive: true }) as string[];
    assert.ok(
      dirs.some((f) => f.endsWith(join(p, `weights-${p}.bin`))),
      `${p} weights converted into the cache`,
    );
    if (r.out!.text === base.out!.text) {
      agreeing++;
      assert.deepEqual(r.out!.points, base.out!.points);
      assert.deepEqual(r.out!.tracks, base.out!.tracks);
      assert.equal(r.out!.count, base.out!.count);
    }
  }
  assert.ok(agreeing >= 1, 'fp16 at least agrees with fp32 on this prompt');
  assert.ok(!existsSync(join(model, 'fp16')), 'nothing converted into the model folder');
});

test('ask --precision bf16 / nonsense: INVALID_INPUT before the engine starts', async () => {
  const cache = scratchDir('precision-cli-bad');
  for (const p of ['bf16', 'int2']) {
    const r = await ask(['--model', tinyCheckpoint({ seed: 1 }), '--image', 'nope.png', '--precision', p, 'hi'], cache);
    assert.notEqual(r.code, 0);
    const e = (JSON.parse(r.err) as { error: { code: string; message: string } }).error;
    assert.equal(e.code, 'INVALID_INPUT');
    assert.match(e.message, p === 'bf16' ? /bf16 is not offered/ : /precision "int2" is not one of/);
  }
});
