// The tokenizer cuts Molmo2's special tokens out before giving text to the BPE tokenizer (a speed-up for video
// prompts, which are mostly <im_patch> runs): its ids must equal the plain tokenizer's on any text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Tokenizer } from '@huggingface/tokenizers';
import { tinyCheckpoint } from '../../helpers/tiny.js';
import { loadTokenizer } from '../../../src-main/core/molmo2/tokenizer/tokenizer.js';

const dir = tinyCheckpoint({ seed: 0 });
const plainTokenizer = () => {
  const tj = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
  const cfg = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  const tok = new Tokenizer(tj, cfg);
  return (text: string) => tok.encode(text, { add_special_tokens: false }).ids;
};

const FRAGMENTS = [
  '<im_patch>',
  '<im_start>',
  '<im_end>',
  '<im_col>',
  '<frame_start>',
  '<frame_end>',
  '<|image|>',
  '<|video|>',
  '<|im_start|>',
  '<|im_end|>',
  '<|endoftext|>',
  '<points',
  'coords="1 2 3"',
  '<im_patc',
  '<|im_end|',
  'im_patch>',
  '<',
  '>',
  '|',
  ' ',
  '  ',
  '\n',
  '\n\n',
  '\t',
  'time 0.5',
  'How many',
  ' people?',
  'über',
  '東京',
  '🙂',
  'e\u0301',
  '1990s',
  "don't",
  'user\n',
  'assistant\n',
  ' <im_patch>',
  '<im_patch> ',
];

test('split encoding equals the plain tokenizer on 2,000 random prompts built from special and text fragments', async () => {
  const tok = await loadTokenizer(dir);
  const plain = plainTokenizer();
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 8 })), { maxLength: 40 }),
      (parts) => {
        const text = parts.join('');
        assert.deepEqual(tok.encode(text), plain(text), JSON.stringify(text));
      },
    ),
    { numRuns: 2000, seed: 7 },
  );
});

test('a 128-frame video prompt encodes to the same 11k ids as the plain tokenizer', async () => {
  const tok = await loadTokenizer(dir);
  let text = '<|im_start|>user\n';
  for (let f = 0; f < 128; f++)
    text += `time ${(f * 0.5).toFixed(1)} <frame_start>${'<im_patch>'.repeat(81)}<frame_end>`;
  text += ' How many people are in the video?<|im_end|>\n<|im_start|>assistant\n';
  const ids = tok.encode(text);
  assert.ok(ids.length > 11_000);
  assert.deepEqual(ids, plainTokenizer()(text));
});
