// In-graph generation controls: stop ids end the Loop (the stop token is kept), penalties follow in-graph counts,
// a vanishing top_p sample equals greedy, and token count never exceeds max_new_tokens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Molmo2Runtime } from '../../../../src-main/core/molmo2/engine/runtime.js';
import { scratchDir, tinyCheckpoint } from '../../../helpers/tiny.js';
import { ID } from './inputs.js';

test('stop ids, repetition penalty, top-p and max_new_tokens act inside the graph', async () => {
  const rt = Molmo2Runtime.open(tinyCheckpoint({ seed: 1 }), { provider: 'cpu', cacheDir: scratchDir('gen') });
  const req = { ids: [ID.bos, 700, 701, 702], types: [0, 0, 0, 0], features: new Float32Array(0) };
  try {
    const greedy = await rt.generate({ ...req, maxNewTokens: 24 });
    assert.equal(greedy.tokens.length, 24);
    const stopped = await rt.generate({ ...req, maxNewTokens: 24, stopIds: [greedy.tokens[4]!] });
    assert.deepEqual(stopped.tokens, greedy.tokens.slice(0, greedy.tokens.indexOf(greedy.tokens[4]!) + 1));
    // Greedy on random weights never repeats, so drive the penalties the other way: a negative frequency penalty or a
    // repetition "penalty" below 1 makes the first token win every later step (the counts are tracked in-graph).
    assert.equal(new Set(greedy.tokens).size, greedy.tokens.length);
    const freq = await rt.generate({ ...req, maxNewTokens: 12, frequencyPenalty: -1e6 });
    assert.deepEqual(freq.tokens, Array(12).fill(greedy.tokens[0]));
    // The degenerate-repetition guard stops a run of one token after MIN_SPAN (12) tokens; off, it runs to the limit.
    const looping = await rt.generate({ ...req, maxNewTokens: 40, frequencyPenalty: -1e6 });
    assert.equal(looping.tokens.length, 12);
    const unguarded = await rt.generate({ ...req, maxNewTokens: 40, frequencyPenalty: -1e6, repeatGuard: 0 });
    assert.equal(unguarded.tokens.length, 40);
    const rep = await rt.generate({ ...req, maxNewTokens: 12, repetitionPenalty: 1e-6 });
    assert.equal(rep.tokens[1], rep.tokens[0]);
    assert.ok(
      new Set(rep.tokens).size <= 3,
      `repetition penalty < 1 should lock onto seen tokens: ${rep.tokens.join(',')}`,
    );
    const nucleus = await rt.generate({ ...req, maxNewTokens: 24, temperature: 1, topP: 1e-9, seed: 9 });
    assert.deepEqual(nucleus.tokens, greedy.tokens, 'top_p → 0 keeps only the argmax');
    const hot = await rt.generate({ ...req, maxNewTokens: 24, temperature: 5, seed: 9 });
    assert.notDeepEqual(hot.tokens, greedy.tokens, 'hot sampling departs from greedy');
    assert.ok(greedy.ioBytesPerToken < 64, `ioBytesPerToken ${greedy.ioBytesPerToken}`);
  } finally {
    await rt.dispose();
  }
});
