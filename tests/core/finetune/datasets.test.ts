// Datasets from the library through the contract ops: verdicts and corrections become grammar-formatted examples on
// each window's sample grid, traced to their source, split by recording, exported as JSONL the trainer accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDataset } from '../../../src-main/core/finetune/dataset.js';
import { heldoutRecordings, snapToGrid } from '../../../src-main/core/finetune/dataset-build.js';
import { seedLibrary } from './ft-seed.js';

type Ex = {
  id: number;
  task: string;
  split: string;
  recordingId: number;
  start: number;
  times: number[];
  answer: string;
  question: string;
  style: string | null;
  source: { kind: string; id: number; window?: number; rejected?: number[]; corrections?: number[] };
  truth: { kind: string; count?: number };
};

test('reviews, corrections and a clip answer become a versioned dataset split by recording, exported as training JSONL', async () => {
  const s = await seedLibrary('ft-datasets');
  const none = await s.dispatch('finetune.dataset.build', { name: 'mine' });
  assert.ok(!none.ok && none.error.code === 'INVALID_INPUT' && /nothing to learn from/.test(none.error.message));

  const count = await s.call<{ count: { instances: Array<{ id: number; evidence: Array<{ window: number }> }> } }>(
    'analytics.result',
    { runId: s.countRun },
  );
  const reject = count.count.instances[1]!.id;
  const rejectedIn = new Set(count.count.instances[1]!.evidence.map((e) => e.window));
  await s.call('finetune.review', { runId: s.countRun, instanceId: count.count.instances[0]!.id, verdict: 'accept' });
  const rv = await s.call<{ reviews: unknown[] }>('finetune.review', {
    runId: s.countRun,
    instanceId: reject,
    verdict: 'reject',
  });
  assert.equal(rv.reviews.length, 2);
  // Verdicts only on instances of finished count runs.
  const wrong = await s.dispatch('finetune.review', { runId: s.trackRun, instanceId: 1, verdict: 'accept' });
  assert.ok(!wrong.ok && wrong.error.code === 'INVALID_INPUT');
  const missing = await s.dispatch('finetune.review', { runId: s.countRun, instanceId: 999, verdict: 'accept' });
  assert.ok(!missing.ok && missing.error.code === 'NOT_FOUND');
  const c = await s.call<{ correction: { id: number } }>('analytics.correct', {
    runId: s.trackRun,
    edit: { kind: 'delete', trackId: 2 },
  });
  await s.call('finetune.answer.add', {
    recordingId: 2,
    start: 0,
    end: 3,
    task: 'qa',
    question: 'What is shown?',
    answer: 'Colour bars.',
  });
  // A caption the indexer wrote, corrected by the user: an example on that caption's window and sample times.
  s.lib.db
    .prepare(
      "INSERT INTO windows (id, recording_id, idx, start_s, end_s, sample_times) VALUES (50, 1, 0, 0, 3, '[0.5,1.5,2.5]')",
    )
    .run();
  s.lib.db
    .prepare(
      "INSERT INTO captions (id, window_id, model_id, prompt_kind, text, tokens, created_at) VALUES (60, 50, 'm', 'long', 'A blur.', 3, 't')",
    )
    .run();
  const cap = await s.call<{ text: string; start: number; end: number }>('finetune.caption', { captionId: 60 });
  assert.deepEqual([cap.text, cap.start, cap.end], ['A blur.', 0, 3]);
  await s.call('finetune.answer.add', {
    recordingId: 1,
    start: 0,
    end: 3,
    task: 'caption',
    answer: 'A test pattern with colour bars and a counter.',
    captionId: 60,
  });
  const foreign = await s.dispatch('finetune.answer.add', {
    recordingId: 2,
    start: 0,
    end: 3,
    task: 'caption',
    answer: 'x',
    captionId: 60,
  });
  assert.ok(!foreign.ok && foreign.error.code === 'INVALID_INPUT');
  const badClip = await s.dispatch('finetune.answer.add', {
    recordingId: 2,
    start: 1,
    end: 1.5,
    task: 'qa',
    question: 'x',
    answer: 'y',
  });
  assert.ok(!badClip.ok && badClip.error.code === 'INVALID_INPUT');

  const built = await s.call<{
    dataset: { id: number; version: number; perTask: Record<string, { train: number; heldout: number }> };
    heldoutRecordings: number[];
  }>('finetune.dataset.build', { name: 'mine', heldoutShare: 0.5, seed: 3 });
  assert.equal(built.dataset.version, 1);
  assert.equal(built.heldoutRecordings.length, 1);
  const { examples, total } = await s.call<{ examples: Ex[]; total: number }>('finetune.dataset.examples', {
    datasetId: built.dataset.id,
  });
  assert.ok(total >= 4);
  // No recording is in both splits.
  const splitOf = new Map<number, Set<string>>();
  for (const e of examples) splitOf.set(e.recordingId, (splitOf.get(e.recordingId) ?? new Set()).add(e.split));
  for (const [rec, splits] of splitOf) assert.equal(splits.size, 1, `recording ${rec} is in ${[...splits]}`);
  assert.ok(examples.some((e) => e.split === 'heldout') && examples.some((e) => e.split === 'train'));

  // Count examples: the rejected instance is gone, the answer is the formatter's, every time is on the window's grid.
  const counts = examples.filter((e) => e.task === 'count');
  assert.ok(counts.length >= 2);
  for (const e of counts) {
    assert.equal(e.source.kind, 'count_run');
    assert.deepEqual(e.source.rejected, [reject]);
    assert.equal(e.question, 'How many "person" are there in the video?');
    assert.equal(e.style, 'video_point_count');
    const n = rejectedIn.has(e.source.window!) ? 1 : 2;
    assert.match(
      e.answer,
      n === 1
        ? /^Counting the <points coords="[\d.]+ 1 \d{3} \d{3}">person<\/points> shows a total of 1\.$/
        : /^Counting the <points coords="[\d.]+ 1 100 500 2 600 400">person<\/points> shows a total of 2\.$/,
    );
    const key = Number(/coords="([\d.]+) /.exec(e.answer)![1]);
    assert.ok(
      e.times.some((t) => Math.abs(t - e.start - key) < 0.051),
      `${key} on the grid ${e.times}`,
    );
    assert.equal(e.truth.count, n);
  }
  // Track examples: the deleted track is gone, the correction is named.
  const tracks = examples.filter((e) => e.task === 'track');
  assert.ok(tracks.length >= 2);
  for (const e of tracks) {
    assert.deepEqual(e.source.corrections, [c.correction.id]);
    assert.equal(e.style, 'video_point_track_per_frame');
    assert.doesNotMatch(e.answer, / 2 \d{3} \d{3}/);
  }
  assert.equal(examples.filter((e) => e.task === 'qa').length, 1);
  const caption = examples.filter((e) => e.task === 'caption');
  assert.equal(caption.length, 1);
  assert.deepEqual(caption[0]!.times, [0.5, 1.5, 2.5]);
  assert.equal(caption[0]!.style, 'video_long_caption');
  assert.equal(caption[0]!.answer, 'A test pattern with colour bars and a counter.');

  // Export: every line validates as the trainer's format.
  const file = join(s.dir, 'out', 'data.jsonl');
  const ex = await s.call<{ examples: number }>('finetune.dataset.export', { datasetId: built.dataset.id, path: file });
  assert.equal(ex.examples, total);
  const parsed = parseDataset(readFileSync(file, 'utf8'), file);
  assert.deepEqual(parsed.bad, []);
  assert.equal(parsed.lines.length, total);
  assert.ok(parsed.lines.every((l) => l.media.kind === 'video' && l.media.times !== undefined));
  for (const path of [file, s.lib.path]) {
    const over = await s.dispatch('finetune.dataset.export', { datasetId: built.dataset.id, path });
    assert.ok(!over.ok && over.error.code === 'INVALID_INPUT', `${path} is not replaced`);
  }

  // Include/exclude; the next build is version 2.
  const off = await s.call<{ included: boolean }>('finetune.dataset.include', {
    exampleId: examples[0]!.id,
    included: false,
  });
  assert.equal(off.included, false);
  const again = await s.call<{ dataset: { version: number } }>('finetune.dataset.build', {
    name: 'mine',
    heldoutShare: 0.5,
    seed: 3,
  });
  assert.equal(again.dataset.version, 2);
  const list = await s.call<{ datasets: Array<{ version: number; included: number; examples: number }> }>(
    'finetune.datasets',
    {},
  );
  assert.deepEqual(
    list.datasets.map((d) => [d.version, d.examples - d.included]),
    [
      [2, 0],
      [1, 1],
    ],
  );
});

test('held-out recordings: seeded, never all, none when there is one recording; snapping keeps only points on the grid', () => {
  assert.deepEqual([...heldoutRecordings([5], 0.5, 1)], []);
  assert.equal(heldoutRecordings([1, 2], 0.9, 1).size, 1);
  assert.deepEqual(
    [...heldoutRecordings([1, 2, 3, 4, 5], 0.4, 7)].sort(),
    [...heldoutRecordings([5, 4, 3, 2, 1, 1], 0.4, 7)].sort(),
  );
  assert.equal(heldoutRecordings([1, 2, 3, 4, 5], 0.4, 7).size, 2);
  assert.equal(heldoutRecordings([1, 2, 3], 0, 7).size, 0);
  assert.equal(snapToGrid(1.02, [0, 0.5, 1, 1.5], 0.25), 1);
  assert.equal(snapToGrid(2.4, [0, 0.5, 1, 1.5], 0.25), null);
});
