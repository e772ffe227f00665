// Snippets highlight exactly the words the index matched (same tokenizer and stems), around the densest cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSnippet } from '../../../src-main/core/library/snippet.js';
import { toFtsQuery } from '../../../src-main/core/library/fts-query.js';

const snip = (text: string, q: string) => makeSnippet(text, toFtsQuery(q).highlight, '[', ']');

test('a word is highlighted when its stem is a query term or starts with a query prefix', () => {
  assert.equal(
    snip('Happiness at the gateway; the gate opens.', 'happy gate'),
    '[Happiness] at the gateway; the [gate] opens.',
  );
  assert.equal(snip('Two Cyclists ride; a cyclist waits.', 'cyclist'), 'Two [Cyclists] ride; a [cyclist] waits.');
  assert.equal(
    snip('Bicycles and a bicycle rack by the bike.', 'bicyc*'),
    '[Bicycles] and a [bicycle] rack by the bike.',
  );
  assert.equal(snip('The red car passes the red bus.', '"red car"'), 'The [red] [car] passes the [red] bus.');
  assert.equal(snip('Café crème', 'cafe'), '[Café] crème');
});

test('a long caption is cut around the densest cluster of hits', () => {
  const text = `${'filler '.repeat(30)}a dog and a dog by the dog bowl ${'more '.repeat(30)}`.trim();
  const s = snip(text, 'dog');
  assert.match(s, /^….*\[dog\] and a \[dog\] by the \[dog\] bowl.*…$/);
  assert.ok(s.split(' ').length <= 18, s);
});
