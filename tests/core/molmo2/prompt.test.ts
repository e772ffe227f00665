// Prompt construction through the real template, tokenizer and processors: strings, ids, counts, timestamps.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tinyCheckpoint } from '../../helpers/tiny.js';
import { loadCheckpoint, type Molmo2Checkpoint } from '../../../src-main/core/molmo2/checkpoint/load.js';
import { loadTokenizer, type Molmo2Tokenizer } from '../../../src-main/core/molmo2/tokenizer/tokenizer.js';
import { renderChat } from '../../../src-main/core/molmo2/prompt/chat-template.js';
import { pyFormatFixed, formatTimestamp } from '../../../src-main/core/molmo2/prompt/py-format.js';
import { buildImagePrompt, buildVideoPrompt, tokenizePrompt } from '../../../src-main/core/molmo2/prompt/build.js';
import { framePrefix } from '../../../src-main/core/molmo2/prompt/visual-tokens.js';
import { taskPrompt } from '../../../src-main/core/molmo2/prompt/task-prompts.js';
import { checkpointSampleTimes, decodeTimes } from '../../../src-main/core/molmo2/prompt/frame-source.js';
import { lavfiClip } from '../../helpers/media-fixtures.js';
import { createMediaService } from '../../../src-main/core/media/index.js';
import { at } from '../../../src-main/api/at.js';

const media = createMediaService();

let ck: Molmo2Checkpoint;
let tok: Molmo2Tokenizer;
before(async () => {
  const dir = tinyCheckpoint({ seed: 0 });
  ck = await loadCheckpoint(dir);
  tok = await loadTokenizer(dir);
});

const solid = (w: number, h: number, v = 90) => ({ width: w, height: h, rgb: new Uint8Array(w * h * 3).fill(v) });

test('the shipped chat template renders the §4.1 strings (via @huggingface/jinja)', () => {
  const T = ck.chatTemplate;
  const r = (m: Parameters<typeof renderChat>[1]) => renderChat(T, m);
  assert.equal(
    r([{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'Describe this image.' }] }]),
    '<|image|><|im_start|>user\nDescribe this image.<|im_end|>\n<|im_start|>assistant\n',
  );
  assert.equal(
    r([{ role: 'user', content: [{ type: 'image' }, { type: 'image' }, { type: 'text', text: 'Compare.' }] }]),
    'Image 1<|image|>Image 2<|image|><|im_start|>user\nCompare.<|im_end|>\n<|im_start|>assistant\n',
  );
  assert.equal(
    r([{ role: 'user', content: [{ type: 'video' }, { type: 'text', text: 'Which animal?' }] }]),
    '<|video|><|im_start|>user\nWhich animal?<|im_end|>\n<|im_start|>assistant\n',
  );
  assert.equal(
    r([{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'What color?', style: 'vqa2' }] }]),
    '<|image|><|im_start|>user\nvqa2: What color?<|im_end|>\n<|im_start|>assistant\n',
  );
  assert.equal(
    r([{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'Point to dogs', style: 'pointing' }] }]),
    '<|image|><|im_start|>user\nPoint to dogs<|im_end|>\n<|im_start|>assistant\n',
  );
  assert.equal(r([{ role: 'user', content: 'Hi' }]), '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
  assert.equal(
    r([
      { role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'Q1' }] },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Q2' },
    ]),
    '<|image|><|im_start|>user\nQ1<|im_end|>\n <|im_start|>assistant\nA1<|im_end|>\n<|im_start|>user\nQ2<|im_end|>\n<|im_start|>assistant\n',
  );
  assert.throws(() => r([{ role: 'assistant', content: 'x' }]), /alternate/);
});

test('timestamps print like Python format(t, ".1f"): round-half-even on the exact double', () => {
  // 0.25 is exactly 1/4: a true tie → even digit "0.2" (toFixed says "0.3").
  // 0.35 is stored as 0.34999999999999997779… → "0.3"; 2.45 as 2.45000000000000017763… → "2.5";
  // 12.05 as 12.0500000000000007105… → "12.1"; 191.5 is exact and needs no rounding → "191.5".
  const cases: Array<[number, string]> = [
    [0.25, '0.2'],
    [0.35, '0.3'],
    [2.45, '2.5'],
    [12.05, '12.1'],
    [191.5, '191.5'],
    [0.75, '0.8'],
    [1.25, '1.2'],
    [0.05, '0.1'],
    [0.15, '0.1'],
    [0, '0.0'],
    [-0, '-0.0'],
    [10, '10.0'],
    [63.5, '63.5'],
    [2.675, '2.7'],
  ];
  for (const [x, s] of cases) assert.equal(formatTimestamp(x), s, String(x));
  assert.equal((0.25).toFixed(1), '0.3'); // why we cannot use toFixed
  assert.equal(pyFormatFixed(2.675, 2), '2.67');
  assert.equal(pyFormatFixed(1e22, 1), '10000000000000000000000.0');
  assert.equal(pyFormatFixed(NaN), 'nan');
});

test('timestamp prefixes tokenize digit by digit (Qwen3 tokenizer)', () => {
  assert.deepEqual(tok.encode('0.0 '), [15, 13, 15, 220]);
  assert.deepEqual(tok.encode(' 0.5 '), [220, 15, 13, 20, 220]);
  assert.deepEqual(tok.encode(' 12.5 '), [220, 16, 17, 13, 20, 220]);
  assert.equal(framePrefix(0, 0.25), '0.2 ');
  assert.equal(framePrefix(3, 191.5), ' 191.5 ');
  assert.deepEqual(tok.encode('<im_start><im_patch><im_end>'), [151936, 151938, 151937]);
  assert.equal(tok.decode([151645, 151938, 9707, 11], { skipSpecial: true }), 'Hello,');
  assert.equal(tok.decode([151938, 9707]), '<im_patch>Hello');
});

test('timestamp rounding cases reach the model as these token ids (0.25, 0.35, 2.45, 12.05, 191.5)', () => {
  const f = solid(8, 8);
  const times = [0.25, 0.35, 2.45, 12.05, 191.5];
  const m = buildVideoPrompt({
    checkpoint: ck,
    tokenizer: tok,
    frames: times.map((time) => ({ time, ...f })),
    question: 'q',
  });
  // Qwen3 digits '0'…'9' are ids 15…24, '.' is 13, ' ' is 220; each prefix is followed by <im_start> (151936).
  const D = (c: string) => (c === '.' ? 13 : c === ' ' ? 220 : 15 + Number(c));
  const want = ['0.2 ', ' 0.3 ', ' 2.5 ', ' 12.1 ', ' 191.5 '];
  const ids = Array.from(m.inputIds);
  let pos = 1; // after BOS
  for (const w of want) {
    assert.deepEqual(ids.slice(pos, pos + w.length + 1), [...[...w].map(D), 151936], w);
    pos += w.length + 1 + 81 + 1; // prefix, <im_start>, 81 patches, <im_end>
  }
  assert.match(
    m.text,
    /^<\|im_end\|>0\.2 <im_start><im_patch>×81<im_end> 0\.3 <im_start><im_patch>×81<im_end> 2\.5 <im_start>/,
  );
});

test('a checkpoint configured for fps sampling samples at the video fps rule; without the video fps it is INVALID_INPUT', () => {
  const cfg = { ...ck.videoPreprocessor, frame_sample_mode: 'fps', num_frames: 128, sampling_fps: 2 };
  // 30 fps video: candidates 2 and 6 fps; 128 frames at 6 fps still span 10 s → k/6 for k/6 < 10.
  assert.deepEqual(
    checkpointSampleTimes(10, cfg, 128, 30),
    Array.from({ length: 60 }, (_, k) => k / 6),
  );
  assert.throws(
    () => checkpointSampleTimes(10, cfg, 128),
    (e: Error & { code?: string }) => e.code === 'INVALID_INPUT',
  );
});

test('single image prompt: BOS, low-res block, high-res block with <im_col>, token types, pooling rows', () => {
  const m = buildImagePrompt({
    checkpoint: ck,
    tokenizer: tok,
    images: [solid(100, 100)],
    question: 'Describe this image.',
  });
  const ids = Array.from(m.inputIds);
  const tmpl = tok.encode('<|im_start|>user\nDescribe this image.<|im_end|>\n<|im_start|>assistant\n');
  assert.equal(ids.length, 1 + 410 + tmpl.length);
  assert.equal(ids[0], 151645);
  assert.equal(ids[1], 151940);
  assert.deepEqual(ids.slice(2, 16), Array(14).fill(151938));
  assert.equal(ids[1 + 197], 151937); // <im_end> closes the 196-token low-res block
  assert.equal(ids[199], 151936); // <im_start> of the high-res block
  assert.deepEqual(ids.slice(200, 215), [...Array(14).fill(151938), 151939]);
  assert.deepEqual(ids.slice(1 + 410), tmpl);
  assert.equal(
    m.tokenTypeIds.reduce((a, b) => a + b, 0),
    410,
  );
  assert.equal(m.tokenTypeIds[0], 0);
  assert.equal(ids.filter((i) => i === 151938).length, m.pooling.length / m.poolK);
  assert.equal(m.poolK, 4);
  assert.equal(m.nCrops, 2);
  assert.equal(m.pixelValues.length, 2 * 729 * 588);
  assert.match(
    m.text,
    /^<\|im_end\|><low_res_im_start><im_patch>×196<im_end><im_start>(<im_patch>×14<im_col>){14}<im_end><\|im_start\|>user\n/,
  );
});

test('multi-image prompt: "Image k" labels are text (type 0); pooling indices offset per image', () => {
  const m = buildImagePrompt({
    checkpoint: ck,
    tokenizer: tok,
    images: [solid(100, 100), solid(640, 480)],
    question: 'Compare.',
  });
  const ids = Array.from(m.inputIds);
  assert.deepEqual(ids.slice(0, 4), [151645, ...tok.encode('Image 1')]);
  assert.equal(ids[4], 151940);
  assert.deepEqual(m.cropsPerImage, [2, 5]);
  assert.equal(
    ids.length,
    1 +
      tok.encode('Image 1').length * 2 +
      410 +
      752 +
      tok.encode('<|im_start|>user\nCompare.<|im_end|>\n<|im_start|>assistant\n').length,
  );
  const rows = m.pooling.length / 4;
  assert.equal(rows, 392 + 196 + 529);
  assert.equal(m.pooling[392 * 4], 2 * 729); // second image's low-res crop starts after the first image's 2 crops
  assert.equal(Math.max(...m.pooling), 7 * 729 - 1);
});

test('a prompt longer than the context is PROMPT_TOO_LONG', () => {
  assert.throws(
    () => tokenizePrompt(ck, tok, 'a '.repeat(40000)),
    (e: Error & { code?: string }) => e.code === 'PROMPT_TOO_LONG',
  );
});

test('BOS is not doubled when the prompt already starts with it', () => {
  const a = tokenizePrompt(ck, tok, '<|im_end|>hello');
  assert.deepEqual(Array.from(a.inputIds), [151645, 14990]);
  const b = tokenizePrompt(ck, tok, 'hello');
  assert.deepEqual(Array.from(b.inputIds), [151645, 14990]);
});

test('128-frame video prompt has exactly 1 + Σ(83 + timestamp tokens) + template tokens', () => {
  const times = checkpointSampleTimes(63.5, ck.videoPreprocessor);
  assert.equal(times.length, 128);
  assert.equal(times[127], 63.5);
  assert.equal(times[126], 63.0);
  const frames = times.map((time) => ({ time, ...solid(16, 9, 40) }));
  const m = buildVideoPrompt({ checkpoint: ck, tokenizer: tok, frames, question: 'Which animal?' });
  const template = tok.encode('<|im_start|>user\nWhich animal?<|im_end|>\n<|im_start|>assistant\n').length;
  // Qwen3 splits digits, '.', and spaces into single tokens, so a prefix costs exactly its character count.
  const tsTokens = times.reduce((a, t, k) => a + framePrefix(k, t).length, 0);
  assert.equal(
    tsTokens,
    times.reduce((a, t, k) => a + tok.encode(framePrefix(k, t)).length, 0),
  );
  assert.equal(m.inputIds.length, 1 + 128 * (81 + 2) + tsTokens + template);
  assert.equal(m.inputIds.length, 1 + 128 * 83 + (20 * 4 + 108 * 5 + 127) + template);
  assert.equal(m.pooling.length, 128 * 81 * 9);
  assert.equal(m.poolK, 9);
  assert.deepEqual(m.videoGrid, [128, 9, 9]);
  const ids = Array.from(m.inputIds);
  assert.deepEqual(ids.slice(0, 6), [151645, 15, 13, 15, 220, 151936]);
  assert.equal(ids[6 + 81], 151937);
  assert.deepEqual(ids.slice(88, 94), [220, 15, 13, 20, 220, 151936]);
  assert.equal(
    m.tokenTypeIds.reduce((a, b) => a + b, 0),
    128 * 83,
  );
  assert.match(m.text, /^<\|im_end\|>0\.0 <im_start><im_patch>×81<im_end> 0\.5 <im_start>/);
});

test('shown timestamps are recomputed as (t·fps)/fps like the reference metadata', () => {
  const f = solid(8, 8);
  const frames = [
    { time: 0, ...f },
    { time: 63.25, ...f },
  ];
  const m = buildVideoPrompt({ checkpoint: ck, tokenizer: tok, frames, question: 'q', fps: 30000 / 1001 });
  assert.equal(m.timestamps![1], 63.25000000000001);
  assert.match(m.text, /^<\|im_end\|>0\.0 <im_start><im_patch>×81<im_end> 63\.3 <im_start>/);
  const n = buildVideoPrompt({ checkpoint: ck, tokenizer: tok, frames, question: 'q' });
  assert.match(n.text, / 63\.2 <im_start>/);
});

test('frame sampling: 0.5 s grid plus the last frame; linspace with endpoint beyond 191.5 s', () => {
  assert.deepEqual(
    checkpointSampleTimes(10, ck.videoPreprocessor),
    Array.from({ length: 21 }, (_, i) => i * 0.5),
  );
  assert.deepEqual(checkpointSampleTimes(1.2, ck.videoPreprocessor), [0, 0.5, 1.0, 1.2]);
  const edge = checkpointSampleTimes(191.5, ck.videoPreprocessor); // (384−1)/2 = 191.5 is not < 191.5: still the grid
  assert.equal(edge.length, 384);
  assert.deepEqual(edge.slice(-3), [190.5, 191, 191.5]);
  const over = checkpointSampleTimes(191.6, ck.videoPreprocessor);
  assert.equal(over.length, 384);
  assert.equal(over[383], 191.6);
  assert.equal(over[1], 191.6 / 383);
  const long = checkpointSampleTimes(3600, ck.videoPreprocessor);
  assert.equal(long.length, 384);
  assert.equal(long[0], 0);
  assert.equal(long[383], 3600);
  assert.ok(Math.abs(at(long, 1) - 3600 / 383) < 1e-9);
});

test('task prompts follow the trained wording and style rules', () => {
  assert.deepEqual(taskPrompt({ kind: 'caption' }, 'image'), { text: 'Describe this image.', style: 'long_caption' });
  assert.deepEqual(taskPrompt({ kind: 'qa', question: 'What color?', academic: true }, 'image'), {
    text: 'What color?',
    style: 'vqa2',
  });
  assert.deepEqual(taskPrompt({ kind: 'count', label: 'Penguins' }, 'video'), {
    text: 'How many "penguins" are there in the video?',
    style: 'video_point_count',
  });
  assert.deepEqual(taskPrompt({ kind: 'track', label: 'person' }, 'video'), {
    text: 'Track person.',
    style: 'video_point_track_per_frame',
  });
  assert.equal(
    taskPrompt({ kind: 'multi-image-point', label: 'cat', images: [1, 3] }, 'multi-image').text,
    'Point to cat in image_1, image_3.',
  );
  const p = taskPrompt({ kind: 'point', label: 'dog' }, 'image');
  const rendered = renderChat(ck.chatTemplate, [
    { role: 'user', content: [{ type: 'image' }, { type: 'text', text: p.text, style: p.style }] },
  ]);
  assert.ok(rendered.includes("user\nPoint to dog\nPlease say 'There are none.' if it is not in the image.<|im_end|>"));
  const vqa = buildImagePrompt({
    checkpoint: ck,
    tokenizer: tok,
    images: [solid(50, 50)],
    question: 'What color?',
    style: 'vqa2',
  });
  assert.ok(vqa.prompt.includes('user\nvqa2: What color?'));
});

test('video frames resized as they are decoded give the same model input as native frames resized by the preprocessor', async () => {
  const file = lavfiClip('prompt-640x360-4s.mp4', 'testsrc2=s=640x360:r=25', 4, ['-preset', 'veryfast']);
  const p = await media.probe(file);
  const times = checkpointSampleTimes(p.duration, ck.videoPreprocessor);
  const native = await decodeTimes(media, file, times, p);
  const size = ck.videoPreprocessor.size;
  const small = await decodeTimes(media, file, times, p, undefined, size);
  assert.deepEqual([native[0]!.width, native[0]!.height], [640, 360]);
  assert.ok(
    small.every(
      (f) => f.width === size.width && f.height === size.height && f.rgb.length === size.width * size.height * 3,
    ),
  );
  assert.deepEqual(
    small.map((f) => f.time),
    times,
  );
  const a = buildVideoPrompt({ checkpoint: ck, tokenizer: tok, frames: native, question: 'What happens?' });
  const b = buildVideoPrompt({ checkpoint: ck, tokenizer: tok, frames: small, question: 'What happens?' });
  assert.deepEqual(b.inputIds, a.inputIds);
  assert.ok(Buffer.from(b.pixelValues.buffer).equals(Buffer.from(a.pixelValues.buffer)), 'pixel values are identical');
});
