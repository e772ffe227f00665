// The optional verify stage of library.search: the verdict grammar on real answer strings, and a real re-check of
// the top K moments with the generated checkpoint (answers are gibberish, but they are real model output).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { JobDto, MomentDto } from '../../../src-main/api/ops/library.js';
import { createCoreContext } from '../../../src-main/core/platform/create-context.js';
import { createDispatcher } from '../../../src-main/core/handlers/index.js';
import { configureModel } from '../../../src-main/core/molmo2/model-host.js';
import { shutdownHost } from '../../../src-main/core/host-shutdown.js';
import { verdictOf, verifyQuestion } from '../../../src-main/core/library/verify.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { makeClip } from './clips.js';
import { opCaller } from '../../helpers/cli.js';

test('verdictOf reads the first word of real yes/no answers; the question drops search syntax', () => {
  for (const a of ['Yes', 'yes.', ' Yes, a red umbrella is visible.', '"Yes"']) assert.equal(verdictOf(a), 'yes', a);
  for (const a of ['No', 'no.', 'No, there is none.']) assert.equal(verdictOf(a), 'no', a);
  for (const a of ['', 'Maybe', 'There are 3.', 'Nope', 'yesterday']) assert.equal(verdictOf(a), 'unclear', a);
  assert.equal(
    verifyQuestion('"red umbrella" cycl* OR bus'),
    'Does this video show red umbrella cycl bus? Answer yes or no.',
  );
});

test(
  'library.search with verify re-checks only the top K moments with Molmo2 and reports the cost',
  { timeout: 180_000 },
  async () => {
    const dir = scratchDir('verify');
    const clip = makeClip(join(dir, 'clip.mp4'), { seconds: 6 });
    const ctx = createCoreContext({ host: 'serve', env: { ...process.env, MOLMOSCOPE_CACHE: join(dir, 'cache') } });
    const d = createDispatcher(ctx);
    const call = opCaller(d);
    try {
      await call('library.open', { path: join(dir, 'lib.db') });
      await call('library.import', { paths: [clip] });
      // Without a model, verify is refused with a code (plain search still works).
      const noModel = await d.dispatch('library.search', { query: 'x', verify: { topK: 1 } });
      assert.ok(noModel.ok, 'no results: nothing to verify, no model needed');
      await configureModel(ctx, tinyCheckpoint({ seed: 3 }), 'cpu');
      const job = await call<JobDto>('library.index', { tier: 'short', windowLength: 2, overlap: 0 });
      for (let i = 0; i < 1200 && (await call<JobDto>('jobs.get', { id: job.id })).status !== 'done'; i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.equal((await call<JobDto>('jobs.get', { id: job.id })).status, 'done');
      const text = (
        await call<{ windows: Array<{ captions: Array<{ text: string }> }> }>('library.windows', { recordingId: 1 })
      ).windows
        .map((w) => w.captions[0]!.text)
        .join(' ');
      // Words as FTS5's unicode61 tokenizer sees them (a-z runs inside other letters are not words).
      const word = (text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []).find((t) => /^[a-z]{4,}$/.test(t))!;
      assert.ok(word, 'a plain word in the captions');
      const plain = await call<{ results: MomentDto[]; verification?: unknown }>('library.search', { query: word });
      assert.ok(plain.results.length >= 1);
      assert.equal(plain.verification, undefined, 'off by default');
      assert.ok(plain.results.every((m) => m.evidence === undefined));
      const v = await call<{
        results: MomentDto[];
        verification: { checked: number; ms: number; tokens: number; modelId: string };
      }>('library.search', { query: `${word}*`, verify: { topK: 1 } });
      assert.equal(v.verification.checked, 1);
      assert.ok(v.verification.ms > 0 && v.verification.tokens > 0);
      assert.ok(v.verification.modelId.startsWith('tiny-'));
      const checked = v.results.filter((m) => m.evidence);
      assert.equal(checked.length, 1);
      const e = checked[0]!.evidence!;
      assert.equal(e.question, `Does this video show ${word}? Answer yes or no.`);
      assert.ok(['yes', 'no', 'unclear'].includes(e.verdict));
      assert.equal(e.verdict, verdictOf(e.answer));
      assert.equal(e.tokens, v.verification.tokens);
      assert.ok(e.windowStart >= checked[0]!.start && e.windowEnd <= checked[0]!.end);
    } finally {
      await shutdownHost(ctx);
    }
  },
);
