// Streamed generation: chunks of the in-graph Loop, the decode state carried between runs, must give exactly the
// tokens of one generate() run — greedy, sampled with a seed and penalties, stopped by a stop id or the repeat guard.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Molmo2Runtime, type GenerateRequest } from '../../../../src-main/core/molmo2/engine/runtime.js';
import { scratchDir, tinyCheckpoint } from '../../../helpers/tiny.js';
import { ID, videoInputs } from './inputs.js';

test('streamed chunks concatenate to the one-run answer; state (counts, RNG, history, KV) carries over', async () => {
  const rt = Molmo2Runtime.open(tinyCheckpoint({ seed: 1 }), { provider: 'cpu', cacheDir: scratchDir('stream') });
  try {
    const v = videoInputs(5, 1);
    const { features } = await rt.vision(v.pixels, v.nCrops, v.pooling, v.k);
    const base = { ids: v.ids, types: v.types, features };
    const stream = async (req: GenerateRequest, every: number) => {
      const chunks: number[][] = [];
      const r = await rt.generateStream(req, every, (t) => chunks.push(t));
      assert.deepEqual(chunks.flat(), r.tokens);
      return { ...r, chunks };
    };
    const cases: Array<[string, GenerateRequest]> = [
      ['greedy', { ...base, maxNewTokens: 24 }],
      [
        'sampled, seed, top-p, penalties',
        {
          ...base,
          maxNewTokens: 23,
          temperature: 0.9,
          topP: 0.8,
          seed: 7,
          repetitionPenalty: 1.3,
          frequencyPenalty: 0.4,
        },
      ],
    ];
    for (const [what, req] of cases) {
      const one = await rt.generate(req);
      assert.equal(one.tokens.length, req.maxNewTokens, what);
      const s = await stream(req, 5);
      assert.deepEqual(s.tokens, one.tokens, what);
      assert.deepEqual(
        s.chunks.map((c) => c.length),
        [5, 5, 5, 5, req.maxNewTokens - 20],
        what,
      );
    }
    const greedy = (await rt.generate({ ...base, maxNewTokens: 24 })).tokens;
    // A stop id inside the second chunk ends the stream there, as it ends the one run.
    const stopAt = greedy.findIndex((t, i) => i >= 5 && greedy.indexOf(t) === i);
    const stopped = await stream({ ...base, maxNewTokens: 24, stopIds: [greedy[stopAt]!] }, 5);
    assert.deepEqual(stopped.tokens, greedy.slice(0, stopAt + 1));
    assert.equal(stopped.chunks.length, 2);
    // The repetition guard's history spans chunks: a one-token loop stops after 12 tokens in both modes.
    const text = { ids: [ID.bos, 700, 701, 702], types: [0, 0, 0, 0], features: new Float32Array(0) };
    const loopOne = await rt.generate({ ...text, maxNewTokens: 40, frequencyPenalty: -1e6 });
    const loopStream = await stream({ ...text, maxNewTokens: 40, frequencyPenalty: -1e6 }, 5);
    assert.equal(loopOne.tokens.length, 12);
    assert.deepEqual(loopStream.tokens, loopOne.tokens);
    // Streaming moves the KV cache once per chunk: more bytes per token than one run, fewer with longer chunks.
    const s4 = await stream({ ...base, maxNewTokens: 24 }, 4);
    const s12 = await stream({ ...base, maxNewTokens: 24 }, 12);
    const one = await rt.generate({ ...base, maxNewTokens: 24 });
    assert.ok(
      s4.ioBytesPerToken > s12.ioBytesPerToken && s12.ioBytesPerToken > one.ioBytesPerToken,
      `${s4.ioBytesPerToken} ${s12.ioBytesPerToken} ${one.ioBytesPerToken}`,
    );
    await assert.rejects(
      rt.generateStream({ ...base, maxNewTokens: 4 }, 0, () => {}),
      (e: Error & { code?: string }) => e.code === 'INVALID_INPUT',
    );
  } finally {
    await rt.dispose();
  }
});
