// The tokenizer written by `molmoscope model make-tiny` loads with @huggingface/tokenizers and encodes Molmo2's
// chat markers and image tokens to the ids of the released Molmo2-4B files (models/molmo2-4b/added_tokens.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { scratchDir } from '../helpers/tiny.js';

const added = JSON.parse(readFileSync('models/molmo2-4b/added_tokens.json', 'utf8')) as Record<string, number>;

function makeTinyViaCli(): string {
  const dir = join(scratchDir('tok'), 'ckpt');
  const r = spawnSync(
    process.execPath,
    [resolve('bin/molmoscope.mjs'), 'model', 'make-tiny', dir, '--seed', '3', '--json'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return dir;
}

test('make-tiny tokenizer encodes <|im_start|>user\\n and <im_patch> to the released ids', () => {
  const dir = makeTinyViaCli();
  const tok = new Tokenizer(
    JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')),
    JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')),
  );
  // 151644 from added_tokens.json; 872 'user' and 198 '\n' (byte-level 'Ċ') are Qwen3's base vocabulary ids.
  assert.equal(added['<|im_start|>'], 151644);
  assert.deepEqual(tok.encode('<|im_start|>user\n', { add_special_tokens: false }).ids, [151644, 872, 198]);
  assert.deepEqual(tok.encode('<im_patch>', { add_special_tokens: false }).ids, [added['<im_patch>']]);
  assert.equal(added['<im_patch>'], 151938);
  // Every Molmo2 image/video token is one token with its released id, also inside running text.
  for (const name of [
    '<im_start>',
    '<im_end>',
    '<im_col>',
    '<low_res_im_start>',
    '<frame_start>',
    '<frame_end>',
    '<|image|>',
    '<|video|>',
    '<|im_end|>',
  ]) {
    assert.deepEqual(
      tok.encode(`a ${name} b`, { add_special_tokens: false }).ids.filter((id: number) => id >= 151643),
      [added[name]],
      name,
    );
  }
  assert.equal(tok.decode([151644, 872, 198], { skip_special_tokens: false }), '<|im_start|>user\n');
});
