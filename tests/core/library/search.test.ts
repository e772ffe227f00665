// Search: a stored word finds the right recording and times, overlapping windows merge into one moment,
// prefix/phrase queries work, filters narrow, and malformed user syntax is sanitised, never thrown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openLibrary, type Library } from '../../../src-main/core/library/store.js';
import { coalesce, DF_SAMPLE, expandPrefix, MAX_PREFIX_TERMS, search } from '../../../src-main/core/library/search.js';
import { toFtsQuery } from '../../../src-main/core/library/fts-query.js';
import { scratchDir } from '../../helpers/tiny.js';
import { captionAdder, seedRecordings } from './index-seed.js';
import { at } from '../../../src-main/api/at.js';

function lib(): Library {
  const l = openLibrary(join(scratchDir('lib-search'), 'lib.db'), { create: true });
  const [a, b] = seedRecordings(l, [60, 600], '/footage/north');
  const [c] = seedRecordings(l, [30], '/footage/south-gate');
  assert.ok(a !== undefined && b !== undefined && c !== undefined);
  l.db
    .prepare("UPDATE recordings SET path = '/footage/south-gate/other.mp4', content_hash = 'p1:x' WHERE id = ?")
    .run(c);
  const add = captionAdder(l, 10);
  add(a, 0, 0, 10, 'A man in a yellow raincoat walks a dog along the quay.');
  add(a, 1, 8, 18, 'The yellow raincoat man stops; a forklift reverses behind him.');
  add(a, 2, 16, 26, 'Empty quay, gulls circling above the containers.');
  add(a, 4, 32, 42, 'A forklift carries a pallet of blue barrels across the yard.');
  add(b, 0, 300, 310, 'A red bicycle leans against the fence near the ticket machine.');
  add(b, 1, 420, 430, 'Two cyclists ride past the ticket machine in the rain.');
  add(c, 0, 0, 10, 'A delivery van parks; the driver unloads boxes onto a trolley.');
  return l;
}

test('a word in a stored caption returns the right recording and times', () => {
  const l = lib();
  const r = search(l, 'bicycle');
  assert.equal(r.length, 1);
  assert.equal(at(r, 0).recordingId, 2);
  assert.equal(at(r, 0).path, '/footage/north/cam1.mp4');
  assert.deepEqual([at(r, 0).start, at(r, 0).end], [300, 310]);
  assert.match(at(r, 0).snippet, /«bicycle»/);
  assert.ok(at(r, 0).score > 0);
  l.close();
});

test('overlapping windows of one recording merge into one moment; separate ones stay apart', () => {
  const l = lib();
  const r = search(l, 'raincoat');
  assert.equal(r.length, 1);
  assert.deepEqual([at(r, 0).recordingId, at(r, 0).start, at(r, 0).end], [1, 0, 18]);
  assert.equal(at(r, 0).captionIds.length, 2);
  const f = search(l, 'forklift');
  assert.deepEqual(
    f.map((m) => [m.start, m.end]).sort((x, y) => at(x, 0) - at(y, 0)),
    [
      [8, 18],
      [32, 42],
    ],
  );
  l.close();
});

test('prefix, phrase, stemming and OR', () => {
  const l = lib();
  assert.deepEqual(
    search(l, 'bicyc*').map((m) => m.recordingId),
    [2],
  );
  assert.match(at(search(l, 'bicyc*'), 0).snippet, /«bicycle»/);
  assert.match(at(search(l, 'cyclist'), 0).snippet, /«cyclists»/);
  assert.deepEqual(
    search(l, 'cyclist').map((m) => m.start),
    [420],
  ); // porter: cyclists → cyclist
  assert.deepEqual(
    search(l, '"ticket machine"')
      .map((m) => m.start)
      .sort((a, b) => a - b),
    [300, 420],
  );
  assert.deepEqual(search(l, '"machine ticket"'), []);
  assert.equal(search(l, 'gulls OR trolley').length, 2);
  assert.equal(search(l, 'gulls trolley').length, 0);
  l.close();
});

test('filters: recording, folder, date, duration', () => {
  const l = lib();
  assert.deepEqual(search(l, 'ticket', { recordingIds: [1] }), []);
  assert.equal(search(l, 'ticket', { recordingIds: [2] }).length, 2);
  assert.deepEqual(search(l, 'van', { folder: '/footage/north' }), []);
  assert.equal(search(l, 'van', { folder: '/footage/south-gate/' }).length, 1);
  assert.deepEqual(search(l, 'van', { folder: '/footage/south' }), [], 'folder filter matches whole path segments');
  assert.equal(search(l, 'forklift OR bicycle', { minDuration: 100 }).length, 1);
  assert.equal(search(l, 'forklift OR bicycle', { maxDuration: 100 }).length, 2);
  // seedRecordings dates recording i on 2026-01-0(i+1).
  assert.deepEqual(
    search(l, 'forklift OR bicycle', { dateFrom: '2026-01-02', dateTo: '2026-01-02' }).map((m) => m.recordingId),
    [2],
  );
  l.close();
});

test('malformed user syntax never throws and still finds what it can', () => {
  const l = lib();
  const nasty = [
    '"unbalanced quote',
    'AND',
    'OR',
    'NOT',
    '*',
    '"',
    '""',
    '(',
    ')',
    'bicycle AND',
    'NEAR(a b)',
    'text:bicycle',
    '^bicycle',
    '-bicycle',
    'bicycle"',
    '*bicycle',
    'a OR',
    '{text}: bicycle',
    "o'clock",
    'rain -',
    ':',
    'NOT bicycle',
    'bicycle NOT',
    '\u0000',
    '😀 bicycle',
  ];
  for (const q of nasty) assert.doesNotThrow(() => search(l, q), q);
  assert.deepEqual(
    search(l, '"red bicycle').map((m) => m.recordingId),
    [2],
  );
  assert.deepEqual(
    search(l, 'fence:bicycle').map((m) => m.recordingId),
    [2],
  ); // a column filter is not honoured, its words are
  assert.deepEqual(search(l, '*'), []);
  assert.deepEqual(search(l, 'AND'), []);
  assert.equal(toFtsQuery('*').match, '');
  assert.equal(toFtsQuery('red car*').match, 'w:"red" AND w:"car"*');
  l.close();
});

test('any string a user can type is sanitised into a valid FTS5 query (property test)', async () => {
  const fc = (await import('fast-check')).default;
  const l = lib();
  const alphabet = fc.constantFrom(
    '"',
    '*',
    '(',
    ')',
    ':',
    '^',
    '-',
    '+',
    ' ',
    'AND',
    'OR',
    'NOT',
    'NEAR',
    'a',
    'bicycle',
    'é',
    '{',
    '}',
    ',',
    '.',
    "'",
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.array(alphabet, { maxLength: 12 }).map((a) => a.join('')),
      ),
      (q) => {
        search(l, q);
      },
    ),
    { numRuns: 400, seed: 42 },
  );
  l.close();
});

test("filters stay exact when a recording's captions are not contiguous; ranking is capped to the newest matches", () => {
  const l = lib();
  // A later caption of recording 1 makes its id range [1, 8] span recordings 2 and 3.
  captionAdder(l, 5)(1, 9, 50, 60, 'A lantern by the gate.');
  assert.deepEqual(search(l, 'van', { recordingIds: [1] }), []);
  assert.deepEqual(
    search(l, 'lantern OR van', { recordingIds: [1] }).map((m) => m.start),
    [50],
  );
  // rankCap 2 over 3 matching captions (ids 5, 6 of recording 2 and 8 of recording 1): only the newest two rank.
  const capped = search(l, 'ticket OR lantern', { rankCap: 2, limit: 10 });
  assert.deepEqual(
    capped.map((m) => m.start).sort((a, b) => a - b),
    [50, 420],
  );
  assert.equal(search(l, 'ticket OR lantern', { limit: 10 }).length, 3);
  l.close();
});

test('the rank cap counts only captions that pass the filters, even inside a range that spans other recordings', () => {
  const l = lib();
  // Recording 1's ids span [1, 8]; id 7 (recording 3's van) lies inside and must not use up the cap.
  captionAdder(l, 5)(1, 9, 50, 60, 'A lantern by the gate.');
  const r = search(l, 'van OR forklift OR lantern', { recordingIds: [1], rankCap: 2, limit: 10 });
  assert.deepEqual(
    r.map((m) => m.start).sort((a, b) => a - b),
    [32, 50],
  );
  l.close();
});

test('equal BM25 scores rank the newest caption first', () => {
  const l = lib();
  const add = captionAdder(l, 6);
  add(2, 7, 900, 910, 'A heron lands on the pier.');
  add(3, 7, 100, 110, 'A heron lands on the pier.');
  const r = search(l, 'heron');
  assert.equal(r.length, 2);
  assert.equal(at(r, 0).score, at(r, 1).score);
  assert.deepEqual(
    r.map((m) => m.recordingId),
    [3, 2],
  );
  l.close();
});

test('coalesce keeps at most max ranges, covers every input range, and closes equal gaps oldest first', () => {
  const ranges: Array<[number, number]> = [
    [1, 2],
    [11, 12],
    [21, 22],
    [31, 32],
    [35, 36],
  ];
  assert.deepEqual(coalesce(ranges, 5), ranges);
  assert.deepEqual(coalesce(ranges, 3), [
    [1, 12],
    [21, 22],
    [31, 36],
  ]); // the 3-wide gap first, then the oldest 9-wide
  assert.deepEqual(coalesce(ranges, 2), [
    [1, 22],
    [31, 36],
  ]);
  assert.deepEqual(coalesce(ranges, 1), [[1, 36]]);
});

/** BM25 as documented in search.ts, computed here independently from whitespace-split test texts. */
function bm25(docs: string[][], query: string[][], doc: string[], all = false): number {
  const n = docs.length;
  const avgdl = docs.reduce((s, d) => s + d.length, 0) / n;
  let score = 0;
  for (const alt of query) {
    // alt: a term, or a phrase of terms (its frequency: occurrences of the whole phrase, here never repeated).
    const has = (d: string[]) => d.some((_, i) => alt.every((t, j) => d[i + j] === t));
    const df = docs.filter(has).length;
    const tf = alt.length === 1 ? doc.filter((t) => t === alt[0]).length : has(doc) ? 1 : 0;
    if (!tf && all) return 0;
    if (!tf) continue;
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    score += (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * doc.length) / avgdl));
  }
  return score;
}

test('scores are BM25 over the whole library: term frequency, length, IDF, OR and phrases', () => {
  const l = openLibrary(join(scratchDir('lib-search'), 'bm25.db'), { create: true });
  const recs = seedRecordings(l, [30, 30, 30, 30, 30], '/footage/bm25');
  const texts = [
    'gate gate gate opens slowly',
    'a lantern by the gate',
    'a very long caption about a gate and many other things that happen near it today',
    'the ticket machine near the lantern',
    'ticket machine ticket',
  ];
  const add = captionAdder(l, 5);
  texts.forEach((t, i) => add(at(recs, i), 0, 0, 10, t));
  const docs = texts.map((t) => t.split(' '));
  const check = (q: string, query: string[][], all = true) => {
    const got = search(l, q, { limit: 10 });
    const want = docs
      .map((d, i) => ({ rec: recs[i], s: bm25(docs, query, d, all) }))
      .filter((x) => x.s > 0)
      .sort((a, b) => b.s - a.s);
    assert.deepEqual(
      got.map((m) => m.recordingId),
      want.map((w) => w.rec),
      q,
    );
    got.forEach((m, i) => assert.ok(Math.abs(m.score - at(want, i).s) < 1e-9, `${q}: ${m.score} vs ${at(want, i).s}`));
  };
  check('gate', [['gate']]); // tf 3 first, the long caption last
  check('gate OR lantern', [['gate'], ['lantern']], false);
  check('lantern gate', [['lantern'], ['gate']]);
  check('"ticket machine"', [['ticket', 'machine']]);
  check('"ticket machine" lantern', [['ticket', 'machine'], ['lantern']]);
  l.close();
});

test("a common term's document frequency is estimated from the id span of its newest matches", () => {
  const l = openLibrary(join(scratchDir('lib-search'), 'df.db'), { create: true });
  const [rec] = seedRecordings(l, [30], '/footage/df');
  const add = captionAdder(l, 5);
  assert.ok(rec !== undefined);
  // 6,000 captions: "pigeon" in every other one (3,000, more than DF_SAMPLE), "heron" only in the newest.
  const total = 6000;
  l.db.transaction(() => {
    for (let i = 0; i < total; i++)
      add(rec, i, i, i + 1, i === total - 1 ? 'pigeon heron' : i % 2 ? 'pigeon walks' : 'crow walks');
  })();
  assert.ok(DF_SAMPLE < 3000);
  const n = total;
  const avgdl = 2;
  const part = (df: number) =>
    (Math.log(1 + (n - df + 0.5) / (df + 0.5)) * 2.2) / (1 + 1.2 * (0.25 + (0.75 * 2) / avgdl));
  const [top] = search(l, 'pigeon heron');
  assert.ok(top);
  // The newest 2,000 "pigeon" captions are ids 6000, 5998 … 2002: n ≈ 2,000 × 6,000 / 3,999 (exact: 3,000);
  // "heron" (fewer than DF_SAMPLE matches) is counted.
  assert.ok(
    Math.abs(top.score - (part((DF_SAMPLE * total) / (total - (total - 2 * (DF_SAMPLE - 1)) + 1)) + part(1))) < 1e-9,
    `${top.score}`,
  );
  l.close();
});

test("a prefix expands to its indexed terms (same matches as FTS5's prefix query); a broad one is left to FTS5", () => {
  const l = lib();
  const add = captionAdder(l, 5);
  // 70 distinct "zz…" terms, more than MAX_PREFIX_TERMS.
  for (let i = 0; i < 7; i++)
    add(3, 10 + i, 100 + i * 20, 110 + i * 20, Array.from({ length: 10 }, (_, j) => `zz${i * 10 + j}`).join(' '));
  assert.ok(70 > MAX_PREFIX_TERMS);
  assert.deepEqual(expandPrefix(l, 'bicyc'), ['bicycl']);
  assert.deepEqual(expandPrefix(l, 'zz6'), [
    'zz6',
    'zz60',
    'zz61',
    'zz62',
    'zz63',
    'zz64',
    'zz65',
    'zz66',
    'zz67',
    'zz68',
    'zz69',
  ]);
  assert.equal(expandPrefix(l, 'zz'), null);
  assert.deepEqual(expandPrefix(l, 'nothingstartslikethis'), []);
  const count = (m: string) =>
    l.db.prepare('SELECT count(*) FROM captions_terms WHERE captions_terms MATCH ?').pluck().get(m);
  for (const q of ['zz6*', 'zz*', 'bicyc*', 'c*', 'ticket mach*', 'nothingstartslikethis*']) {
    const expanded = toFtsQuery(q, (p) => expandPrefix(l, p)).match;
    assert.equal(count(expanded), count(toFtsQuery(q).match), q);
  }
  assert.match(toFtsQuery('zz6*', (p) => expandPrefix(l, p)).match, /^\(w:"zz6" OR w:"zz60" OR/);
  assert.equal(toFtsQuery('zz*', (p) => expandPrefix(l, p)).match, 'w:"zz"*');
  assert.deepEqual(
    search(l, 'zz*', { limit: 10 }).map((m) => m.start),
    [100, 120, 140, 160, 180, 200, 220],
  );
  assert.deepEqual(
    search(l, 'zz6*').map((m) => m.start),
    [100, 220],
  );
  l.close();
});
