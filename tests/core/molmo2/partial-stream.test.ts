// Streaming partial answers to the UI: `engine.partial` events of a window rebuild exactly the stored answer (count
// job through the real executor, captions through the real captioner, tiny checkpoint on CPU), streaming leaves the
// answer byte-identical to a non-streamed call, and the throttle / half-character rules hold on given texts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { EventPayload } from '../../../src-main/api/contract.js';
import { seconds } from '../../../src-main/api/units.js';
import type { EventSink } from '../../../src-main/core/context.js';
import { createCoreContext } from '../../../src-main/core/platform/create-context.js';
import { closeModel, configureModel, modelSession } from '../../../src-main/core/molmo2/model-host.js';
import { partialStream } from '../../../src-main/core/molmo2/partial-stream.js';
import { openLibrary, type Library } from '../../../src-main/core/library/store.js';
import { importPaths } from '../../../src-main/core/library/import.js';
import { testMediaSource } from '../../helpers/media-source.js';
import { runJob } from '../../../src-main/core/library/jobs.js';
import { molmo2Captioner } from '../../../src-main/core/library/molmo2-captioner.js';
import { analyticsExecutor, queueAnalyticsJob } from '../../../src-main/core/analytics/run-jobs.js';
import { storedWindows } from '../../../src-main/core/analytics/run-windows-store.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { requiredSample } from '../../helpers/media-fixtures.js';
import { at } from '../../../src-main/api/at.js';

type Partial = EventPayload<'engine.partial'>;
const SAMPLE = requiredSample('concourse-crowd-720p.avi');
const partials: Partial[] = [];
const ctx = createCoreContext({
  host: 'cli',
  env: { ...process.env },
  emit: ((n, p) => {
    if (n === 'engine.partial') partials.push(p as Partial);
  }) as EventSink,
});
let lib: Library;
let recId: number;

/** What a UI shows after applying a window's events in order. */
const shown = (evs: Partial[]) => evs.reduce((s, e) => s.slice(0, e.offset) + e.text, '');

before(async () => {
  lib = openLibrary(join(scratchDir('partial-stream'), 'lib.db'), { create: true });
  recId = at(
    (await importPaths(lib, [SAMPLE], { media: testMediaSource(), signal: new AbortController().signal })).results,
    0,
  ).recordingId!;
  await configureModel(ctx, tinyCheckpoint({ seed: 1 }), 'cpu');
});

after(async () => {
  await closeModel(ctx);
  lib.close();
});

test('throttled deltas: appends at the end, a half character waits, a rewrite goes from where it differs, final always', () => {
  const evs: Partial[] = [];
  let t = 0;
  const s = partialStream(
    ((_n, p) => evs.push(p as Partial)) as EventSink,
    { jobId: 3, kind: 'count' },
    { throttleMs: 100, now: () => t },
  );
  const w = s.window(2, { runId: 9 });
  w.partial('Counting');
  t = 50;
  w.partial('Counting the'); // inside the throttle: held back
  t = 150;
  w.partial('Counting the caf\uFFFD'); // half of "é": only the stable part goes
  t = 300;
  w.partial('Counting the café');
  w.final('Counting the café.');
  assert.deepEqual(
    evs.map((e) => [e.offset, e.text, e.final]),
    [
      [0, 'Counting', false],
      [8, ' the caf', false],
      [16, 'é', false],
      [17, '.', true],
    ],
  );
  assert.deepEqual(
    evs.map((e) => [e.jobId, e.kind, e.runId, e.windowIndex]),
    Array(4).fill([3, 'count', 9, 2]),
  );
  assert.equal(evs.map((e) => e.text).join(''), 'Counting the café.');
  const r: Partial[] = [];
  const w2 = partialStream(((_n, p) => r.push(p as Partial)) as EventSink, { kind: 'index' }).window(0);
  w2.partial(' A man');
  w2.final('A man walks'); // the stored caption is trimmed: the final event rewrites from offset 0
  assert.equal(shown(r), 'A man walks');
  assert.equal(r.at(-1)!.offset, 0);
});

test(
  'count job: engine.partial events arrive while windows are written and rebuild each stored answer',
  { timeout: 300_000 },
  async () => {
    partials.length = 0;
    const { job, runs } = queueAnalyticsJob(lib, 'count', {
      query: 'person',
      scope: { recordingId: recId, start: 0, end: 5 },
      settings: { windowLength: 3, overlap: 1, maxFrames: 3, maxNewTokens: 80 },
    });
    const final = await runJob(lib, job.id, { count: analyticsExecutor(ctx, 'count') });
    assert.equal(final.status, 'done', final.errorMessage ?? '');
    const ws = storedWindows(lib, at(runs, 0).id);
    assert.equal(ws.length, 2);
    for (const w of ws) {
      const evs = partials.filter((p) => p.jobId === job.id && p.runId === at(runs, 0).id && p.windowIndex === w.index);
      assert.ok(evs.length >= 2, `window ${w.index}: ${evs.length} events (a partial before the final one)`);
      assert.equal(evs.filter((e) => e.final).length, 1);
      assert.ok(evs.at(-1)!.final);
      assert.equal(shown(evs), w.answer);
      if (evs.every((e, i) => i === 0 || e.offset === shown(evs.slice(0, i)).length))
        assert.equal(evs.map((e) => e.text).join(''), w.answer);
    }
  },
);

test(
  'streaming leaves the answer byte-identical: askVideo and the captioner, streamed and not',
  { timeout: 300_000 },
  async () => {
    const session = await modelSession(ctx);
    const q = { file: SAMPLE, times: [1, 2, 3], offset: 1, task: { kind: 'count' as const, label: 'person' } };
    const plain = await session.askVideo(q, { maxNewTokens: 70 });
    let last = '';
    const streamed = await session.askVideo(q, {
      maxNewTokens: 70,
      streamEvery: 32,
      onPartialText: (t) => {
        last = t;
      },
    });
    assert.equal(streamed.text, plain.text);
    assert.equal(streamed.tokens, plain.tokens);
    assert.equal(last, plain.text);
    const win = {
      recordingId: recId,
      path: SAMPLE,
      index: 0,
      start: seconds(0),
      end: seconds(3),
      sampleTimes: [0, 1.5, 3].map(seconds),
    };
    const signal = new AbortController().signal;
    const a = await molmo2Captioner(session, { tier: 'short', modelId: 'm', maxNewTokens: 40 }).caption(win, signal);
    partials.length = 0;
    const live = partialStream(ctx.emit, { jobId: 77, kind: 'index' });
    const b = await molmo2Captioner(session, {
      tier: 'short',
      modelId: 'm',
      maxNewTokens: 40,
      partials: { window: live.window, streamEvery: 8 },
    }).caption(win, signal);
    assert.equal(b.text, a.text);
    const evs = partials.filter((p) => p.jobId === 77 && p.recordingId === recId && p.windowIndex === 0);
    assert.ok(evs.length >= 2 && evs.at(-1)!.final, `${evs.length} events`);
    assert.equal(shown(evs), a.text);
  },
);
