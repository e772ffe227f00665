// Message trees in the data path: tree lines parse (and single-answer lines as before), hostile tree lines are bad
// lines with a clear reason, the library's export groups one clip's answers into one line traced to their example
// rows (which stay one per answer), and a tree over the token limit is refused with PROMPT_TOO_LONG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { createMediaService } from '../../../src-main/core/media/index.js';
import { DATA_LIMITS, parseDataset, tokenWeight, type LineAnswer } from '../../../src-main/core/finetune/dataset.js';
import { clipTrees, TREE_TEXT_BUDGET } from '../../../src-main/core/finetune/dataset-build.js';
import { sharedPrefixLength } from '../../../src-main/core/finetune/message-tree.js';
import { prepareExamples } from '../../../src-main/core/finetune/prepare.js';
import { estimateTokens, estimateTreeTokens, featureBytesOf } from '../../../src-main/core/finetune/train-memory.js';
import { openCheckpoint } from '../../../src-main/core/molmo2/weights.js';
import { estimateForDataset } from '../../../src-main/core/finetune/train-job.js';
import { FIXTURE_CHECKPOINT, FIXTURE_DIR } from './fixture.js';
import { seedLibrary } from './ft-seed.js';

const FILE = join(FIXTURE_DIR, 'data.jsonl');
const image = 'image_caption_frame5.png';
const qa = (q: string, a: string) => ({
  messages: [
    { role: 'user', content: q },
    { role: 'assistant', content: a },
  ],
});

test('a single-answer line parses as before; a tree line gives its answers in order with their refs', () => {
  const single = { image, weight: 0.5, task: 'qa', style: 'user_qa', ...qa('What is it?', 'A hall.') };
  const tree = {
    image,
    answers: [
      { ...qa('What is it?', 'A hall.'), ref: 'example:4' },
      { task: 'count', ...qa('How many?', 'There are none.'), ref: 'example:9' },
    ],
  };
  const { lines, bad } = parseDataset([single, tree].map((l) => JSON.stringify(l)).join('\n'), FILE);
  assert.deepEqual(bad, []);
  assert.deepEqual(lines[0]!.answers, [
    { history: [], question: 'What is it?', answer: 'A hall.', weight: 0.5, task: 'qa', style: 'user_qa' },
  ]);
  assert.deepEqual(
    lines[1]!.answers.map((a) => [a.question, a.task, a.ref]),
    [
      ['What is it?', undefined, 'example:4'],
      ['How many?', 'count', 'example:9'],
    ],
  );
  // Weights: a tree of one is the plain example; k answers divide only the default 2/√n rule by √k (n without EOS).
  const a: LineAnswer = lines[0]!.answers[0]!;
  const free: LineAnswer = { history: [], question: a.question, answer: a.answer };
  assert.equal(tokenWeight(free, 9, 1), 2 / 3);
  assert.equal(tokenWeight(free, 9, 4), 2 / Math.sqrt(8) / 2);
  assert.equal(tokenWeight(a, 9, 4), 0.5, 'an explicit weight wins');
  assert.equal(tokenWeight({ ...free, task: 'count' }, 9, 4), 0.2);
  assert.equal(tokenWeight({ ...free, task: 'caption' }, 9, 4), 0.1);
});

test('hostile tree lines are bad lines with a clear reason, never a crash', () => {
  const many = (n: number) => Array.from({ length: n }, () => qa('q', 'a'));
  const cases: Array<[string, unknown, RegExp]> = [
    ['no answers', { image, answers: [] }, /at least one answer/],
    ['10,000 answers', { image, answers: many(10_000) }, /at most 64 answers/],
    ['one past the bound', { image, answers: many(DATA_LIMITS.maxAnswers + 1) }, /at most 64 answers/],
    ['messages and answers', { image, ...qa('q', 'a'), answers: many(2) }, /either "messages".*or "answers"/],
    ['answers not a list', { image, answers: { a: 1 } }, /answers/],
    ['an answer not an object', { image, answers: [qa('q', 'a'), 'x'] }, /answers\.1/],
    ['an answer with an unknown key', { image, answers: [{ ...qa('q', 'a'), video: 'x' }] }, /answers\.0/],
    [
      'an answer with the wrong turn order',
      { image, answers: [qa('q', 'a'), { messages: [{ role: 'assistant', content: 'a' }, qa('q', 'a').messages[0]] }] },
      /answers\.1: message 1 should be "user"/,
    ],
    ['a ref too long', { image, answers: [{ ...qa('q', 'a'), ref: 'r'.repeat(201) }] }, /answers\.0\.ref/],
    ['a window without its end', { video: image, start: 1, answers: many(2) }, /both "start" and "end"/],
    ['an array line', [1, 2], /needs "video", "image" or "images"/],
  ];
  const { lines, bad } = parseDataset(cases.map(([, l]) => JSON.stringify(l)).join('\n'), FILE);
  assert.deepEqual(lines, []);
  assert.equal(bad.length, cases.length);
  cases.forEach(([what, , re], i) => assert.match(bad[i]!.reason, re, `${what}: ${bad[i]!.reason}`));
  assert.ok(
    bad.every((b) => b.reason.length < 400),
    'reasons stay short (no echo of 10,000 answers)',
  );
});

test('prompts that differ inside the visual tokens cannot share a prefix (INVALID_INPUT)', () => {
  const p = (ids: number[], types: number[]) => ({ promptIds: ids, promptTypes: types });
  assert.equal(sharedPrefixLength([p([1, 7, 7, 5, 6], [0, 1, 1, 0, 0]), p([1, 7, 7, 5, 6], [0, 1, 1, 0, 0])]), 4);
  assert.equal(sharedPrefixLength([p([1, 7, 7, 5, 6], [0, 1, 1, 0, 0]), p([1, 7, 7, 8], [0, 1, 1, 0])]), 3);
  assert.throws(
    () => sharedPrefixLength([p([1, 7, 7, 5], [0, 1, 1, 0]), p([1, 7, 9, 5], [0, 1, 1, 0])]),
    (e: Error & { code?: string }) => e.code === 'INVALID_INPUT' && /visual tokens/.test(e.message),
  );
});

type Row = Parameters<typeof clipTrees>[0][number];
const row = (over: Partial<Row>): Row => ({
  split: 'train',
  recordingId: 1,
  path: '/v.mp4',
  start: 0,
  end: 3,
  times: [0.5, 1.5, 2.5],
  question: 'q',
  answer: 'a',
  ...over,
});

test('grouping: one clip (recording, window, frames) in one split is one tree; bounds split it', () => {
  const xs = [
    row({ answer: '1' }),
    row({ answer: '2', split: 'heldout' }),
    row({ answer: '3', times: [0.5, 1.5] }),
    row({ answer: '4' }),
    row({ answer: '5', recordingId: 2 }),
    row({ answer: '6', start: 1 }),
    row({ answer: '7' }),
  ];
  assert.deepEqual(
    clipTrees(xs).map((t) => t.map((x) => x.answer)),
    [['1', '4', '7'], ['2'], ['3'], ['5'], ['6']],
  );
  const big = Array.from({ length: DATA_LIMITS.maxAnswers + 6 }, (_, i) => row({ answer: String(i) }));
  assert.deepEqual(
    clipTrees(big).map((t) => t.length),
    [DATA_LIMITS.maxAnswers, 6],
  );
  const long = 'x'.repeat(TREE_TEXT_BUDGET / 2);
  assert.deepEqual(
    clipTrees([row({}), row({ answer: long }), row({ answer: long }), row({})]).map((t) => t.length),
    [2, 2],
  );
  const ck = openCheckpoint(tinyCheckpoint(FIXTURE_CHECKPOINT));
  const one = [{ questionChars: 10, answerChars: 40 }];
  assert.equal(estimateTreeTokens(ck.config, 4, one), estimateTokens(ck.config, 4, 40));
  assert.ok(estimateTreeTokens(ck.config, 4, [...one, ...one]) < 2 * estimateTokens(ck.config, 4, 40));
});

test('the export groups one clip’s answers into one tree line traced to their rows; the rows stay one per answer', async () => {
  const s = await seedLibrary('ft-tree-export');
  const clip = { recordingId: 2, start: 0, end: 3, task: 'qa' as const };
  const ids: number[] = [];
  for (const [q, a] of [
    ['What is shown?', 'Colour bars.'],
    ['Is there text?', 'No.'],
    ['How many bars?', 'Seven.'],
  ]) {
    const r = await s.call<{ id: number }>('finetune.answer.add', { ...clip, question: q, answer: a });
    ids.push(r.id);
  }
  await s.call('finetune.answer.add', { ...clip, end: 4, question: 'Longer?', answer: 'Yes.' });
  const built = await s.call<{ dataset: { id: number } }>('finetune.dataset.build', { name: 't', heldoutShare: 0 });
  const { examples } = await s.call<{
    examples: Array<{ id: number; task: string; times: number[]; source: { kind: string; id: number } }>;
  }>('finetune.dataset.examples', { datasetId: built.dataset.id });
  const qaRows = examples.filter((e) => e.task === 'qa');
  assert.equal(qaRows.length, 4, 'one example row per answer');
  const file = join(s.dir, 'out', 'trees.jsonl');
  const ex = await s.call<{ examples: number }>('finetune.dataset.export', { datasetId: built.dataset.id, path: file });
  assert.equal(ex.examples, examples.length);
  const text = readFileSync(file, 'utf8');
  const parsed = parseDataset(text, file);
  assert.deepEqual(parsed.bad, []);
  assert.equal(
    parsed.lines.reduce((n, l) => n + l.answers.length, 0),
    examples.length,
  );
  const trees = parsed.lines.filter((l) => l.answers.length > 1);
  assert.equal(trees.length, 1, text);
  const tree = trees[0]!;
  assert.deepEqual(
    tree.answers.map((a) => a.question),
    ['What is shown?', 'Is there text?', 'How many bars?'],
  );
  const byId = new Map(examples.map((e) => [`example:${e.id}`, e]));
  assert.deepEqual(
    tree.answers.map((a) => byId.get(a.ref!)?.source),
    ids.map((id) => ({ kind: 'clip_answer', id })),
    'each answer names the example row, which names the answer that made it',
  );
  assert.ok(parsed.lines.every((l) => l.answers.every((a) => a.ref && byId.has(a.ref))));

  // The video tree line trains as one sequence: every branch is its standalone example after the shared clip.
  const alone = tree.answers.map((a, i) => ({ ...tree, line: 100 + i, answers: [a] }));
  const r = await prepareExamples([tree, ...alone], {
    base: tinyCheckpoint(FIXTURE_CHECKPOINT),
    cacheDir: scratchDir('tree-video'),
    media: s.ctx.media,
  });
  const [t, ...singles] = r.examples;
  const P = Array.from(t!.branches!).indexOf(1);
  assert.ok(
    Array.from(t!.types).every((ty, i) => ty === 0 || i < P),
    'every visual token is in the shared prefix',
  );
  singles.forEach((e, j) => {
    const mine = Array.from(t!.ids).filter((_, i) => t!.branches![i] === j + 1);
    assert.deepEqual(mine, Array.from(e.ids).slice(P), `branch ${j + 1} is its standalone example after the prefix`);
    assert.deepEqual(Array.from(e.ids).slice(0, P), Array.from(t!.ids).slice(0, P));
  });
  assert.equal(t!.features.length, singles[0]!.features.length, 'the clip features once');
  // The memory estimate counts the tree once: its clip once, each further answer as a short branch.
  const cfg = openCheckpoint(tinyCheckpoint(FIXTURE_CHECKPOINT));
  const est = estimateForDataset(s.lib, built.dataset.id, cfg, 4);
  const perRow = examples.reduce((n, e) => n + featureBytesOf(cfg.config, e.times.length), 0);
  const frames = tree.media.kind === 'video' ? (tree.media.times?.length ?? 0) : 0;
  assert.equal(est.features, perRow - 2 * featureBytesOf(cfg.config, frames));
});

test('a tree longer than the token limit is a bad line with PROMPT_TOO_LONG', async () => {
  const dir = tinyCheckpoint(FIXTURE_CHECKPOINT);
  const digits = Array.from({ length: 500 }, (_, i) => String(i % 10)).join(' ');
  const line = { image, answers: Array.from({ length: 40 }, (_, i) => qa(`Question ${i}?`, digits)) };
  const { lines } = parseDataset(JSON.stringify(line), FILE);
  const r = await prepareExamples(lines, {
    base: dir,
    cacheDir: scratchDir('tree-long'),
    media: createMediaService(),
    skipBad: true,
  });
  assert.equal(r.examples.length, 0);
  assert.match(r.bad[0]!.reason, /^PROMPT_TOO_LONG: \d+ tokens \(at most 16384\)/);
});
