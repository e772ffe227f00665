// Output grammar: every form Molmo2 emits, 30+ damaged answers, and format→parse→format round trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseAnswer } from '../../../src-main/core/molmo2/grammar/parse.js';
import { formatPoints, formatTracks } from '../../../src-main/core/molmo2/grammar/format.js';
import { at } from '../../../src-main/api/at.js';

const IMG = { kind: 'image' as const, width: 640, height: 480 };
const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} != ${b}`);

test('formatter reproduces the reference strings of §7.2 (image, 640×480)', () => {
  const pts = [
    { x: 320, y: 240 },
    { x: 100, y: 50 },
    { x: 600, y: 400 },
  ];
  const tagS = '<points coords="1 1 156 104 2 500 500 3 938 833">dog</points>';
  assert.equal(formatPoints({ kind: 'image', label: 'dog', width: 640, height: 480, points: pts }), tagS);
  assert.equal(
    formatPoints({ kind: 'image', label: 'dog', width: 640, height: 480, points: pts, mode: 'point_count' }),
    `Counting the ${tagS} shows a total of 3.`,
  );
  assert.equal(
    formatPoints({ kind: 'image', label: 'dog', width: 640, height: 480, points: pts, mode: 'count_then_point' }),
    `There are 3 ${tagS}.`,
  );
  assert.equal(formatPoints({ kind: 'image', label: 'dog', width: 640, height: 480, points: [] }), 'There are none.');
});

test('formatter: multi-image html-v2 and html-v1, video, tracks (§7.2)', () => {
  const sizes = [
    { width: 640, height: 480 },
    { width: 10, height: 10 },
    { width: 100, height: 100 },
  ];
  const points = [
    { key: 1, x: 10, y: 20 },
    { key: 1, x: 300, y: 200 },
    { key: 3, x: 50, y: 60 },
  ];
  assert.equal(
    formatPoints({ kind: 'multi-image', label: 'cat', sizes, points, mode: 'point_count' }),
    'Counting the <points coords="1 1 016 042 2 469 417;3 3 500 600">cat</points> shows a total of 3.',
  );
  assert.equal(
    formatPoints({ kind: 'multi-image', label: 'cat', sizes, points, separator: '\t' }),
    '<points coords="1 1 016 042 2 469 417\t3 3 500 600">cat</points>',
  );
  const vpts = [
    { key: 0.5, x: 31.2, y: 45 },
    { key: 2.0, x: 10, y: 90 },
    { key: 2.0, x: 60, y: 41 },
  ];
  const vtag = '<points coords="0.5 1 312 450;2.0 2 100 900 3 600 410">penguin</points>';
  assert.equal(formatPoints({ kind: 'video', label: 'penguin', width: 100, height: 100, points: vpts }), vtag);
  assert.equal(
    formatPoints({ kind: 'video', label: 'penguin', width: 100, height: 100, points: vpts, mode: 'count' }),
    '3',
  );
  const tracks = [
    {
      id: 'a',
      points: [
        { t: 0, x: 100, y: 300 },
        { t: 1.0, x: 130, y: 320 },
      ],
    },
    {
      id: 'b',
      points: [
        { t: 0, x: 400, y: 100 },
        { t: 0.5, x: 410, y: 110 },
      ],
    },
  ];
  assert.equal(
    formatTracks({ label: 'person', width: 640, height: 480, tracks }),
    '<tracks coords="0.0 1 156 625 2 625 208;0.5 2 641 229;1.0 1 203 667">person</tracks>',
  );
  assert.equal(
    formatPoints({
      kind: 'image',
      label: 'mug',
      alt: 'red mug',
      width: 1000,
      height: 1000,
      points: [{ x: 412, y: 530 }],
    }),
    '<points alt="red mug" coords="1 1 412 530">mug</points>',
  );
});

test('parser: single image point_count, count_then_point, pointing, none, bare N', () => {
  const a = parseAnswer(
    'Counting the <points coords="1 1 156 104 2 500 500 3 938 833">dog</points> shows a total of 3.',
    IMG,
  );
  assert.equal(a.count, 3);
  assert.deepEqual(
    a.points.map((p) => [p.key, p.id]),
    [
      [1, 1],
      [1, 2],
      [1, 3],
    ],
  );
  near(at(a.points, 0).x, 99.84);
  near(at(a.points, 0).y, 49.92);
  near(at(a.points, 1).x, 320);
  near(at(a.points, 1).y, 240);
  assert.deepEqual(a.dropped, []);
  assert.equal(parseAnswer('There are 3 <points coords="1 1 156 104 2 500 500 3 938 833">dog</points>.', IMG).count, 3);
  const p = parseAnswer('<points coords="1 1 156 104">dog</points>', IMG);
  assert.equal(p.count, null);
  assert.equal(p.points.length, 1);
  assert.equal(parseAnswer('There are none.', IMG).count, 0);
  assert.equal(parseAnswer('3', { kind: 'video', width: 10, height: 10 }).count, 3);
  assert.equal(parseAnswer(' 12\n', { kind: 'video', width: 10, height: 10 }).count, 12);
});

test('parser: alt attribute inside prose, several tags, html-v1 TAB and other separators', () => {
  const a = parseAnswer(
    'The <points alt="red mug" coords="1 1 412 530">mug</points> is left of the <points coords="1 2 800 500">plate</points>.',
    { kind: 'image', width: 1000, height: 2000 },
  );
  assert.deepEqual(
    a.points.map((p) => [p.id, p.x, p.y]),
    [
      [1, 412, 1060],
      [2, 800, 1000],
    ],
  );
  const sizes = [
    { width: 640, height: 480 },
    { width: 10, height: 10 },
    { width: 100, height: 100 },
  ];
  for (const sep of [';', '\t', ',', ':']) {
    const r = parseAnswer(`<points coords="1 1 016 042 2 469 417${sep}3 3 500 600">cat</points>`, {
      kind: 'multi-image',
      width: 0,
      height: 0,
      sizes,
    });
    assert.deepEqual(
      r.points.map((p) => p.key),
      [1, 1, 3],
    );
    near(at(r.points, 2).x, 50);
    near(at(r.points, 2).y, 60);
    near(at(r.points, 0).x, 0.016 * 640);
  }
});

test('parser: video points keyed by seconds and tracks grouped by object id', () => {
  const v = parseAnswer(
    'Counting the <points coords="0.5 1 312 450;2.0 2 100 900 3 600 410">penguin</points> shows a total of 3.',
    { kind: 'video', width: 100, height: 100 },
  );
  assert.equal(v.count, 3);
  assert.deepEqual(
    v.points.map((p) => [p.key, p.id]),
    [
      [0.5, 1],
      [2, 2],
      [2, 3],
    ],
  );
  const t = parseAnswer('<tracks coords="0.0 1 156 625 2 625 208;0.5 2 641 229;1.0 1 203 667">person</tracks>', {
    kind: 'video',
    width: 640,
    height: 480,
  });
  assert.deepEqual(
    t.tracks.map((tr) => [tr.id, tr.points.map((p) => p.t)]),
    [
      [1, [0, 1]],
      [2, [0, 0.5]],
    ],
  );
  near(at(at(t.tracks, 0).points, 0).x, 99.84);
  near(at(at(t.tracks, 0).points, 0).y, 300);
  assert.equal(t.points.length, 0);
});

test('parser: 0–1000 maps to the right image of a multi-image answer; outside points dropped', () => {
  const sizes = [
    { width: 200, height: 100 },
    { width: 1000, height: 3000 },
  ];
  const r = parseAnswer('<points coords="1 1 500 500;2 2 500 500 3 1001 500">x</points>', {
    kind: 'multi-image',
    width: 0,
    height: 0,
    sizes,
  });
  assert.deepEqual(
    r.points.map((p) => [p.key, p.x, p.y]),
    [
      [1, 100, 50],
      [2, 500, 1500],
    ],
  );
  assert.equal(r.dropped.length, 1);
  assert.match(at(r.dropped, 0).reason, /outside/);
});

// Thirty-plus damaged answers: [answer, kind, expected point ids kept, expected dropped reasons (regex), count]
const V = { kind: 'video' as const, width: 100, height: 100 };
const MI = {
  kind: 'multi-image' as const,
  width: 0,
  height: 0,
  sizes: [
    { width: 100, height: 100 },
    { width: 50, height: 50 },
  ],
};
type Case = [string, typeof IMG | typeof V | typeof MI, number[], RegExp[], number | null];
const MALFORMED: Case[] = [
  ['<points coords="1 1 156 104 2 500', IMG, [1], [/cut off mid-point/, /cut off inside a tag/], null],
  ['<points coords="1 1 156 104 2 500 500 3 9', IMG, [1, 2], [/cut off mid-point/, /cut off inside/], null],
  ['<points coords="1 1 156 10', IMG, [], [/cut off mid-point/, /cut off inside/], null],
  ['<points coords="1 1 156 104 2 500 500', IMG, [1], [/may be incomplete/, /cut off inside/], null],
  ['<points coords="1 1 156 104 2 500 500 ', IMG, [1, 2], [/cut off inside/], null],
  ['<points coords="1 1 156 104 2 500 500">dog</poi', IMG, [1, 2], [], null],
  ['<points coords="1 1 156 104"', IMG, [1], [/after the coords/], null],
  ['<poi', IMG, [], [], null],
  ['<points coords="1 1 5 42">dog</points>', IMG, [], [/malformed point/], null],
  ['<points coords="1 1 56 104 2 500 500">dog</points>', IMG, [2], [/malformed point/], null],
  ['<points coords="1 1 156 104 1 156 104">dog</points>', IMG, [1], [/repeated point/], null],
  [
    '<points coords="1 1 156 104 2 500 500 2 500 500 2 500 500">dog</points>',
    IMG,
    [1, 2],
    [/repeated/, /repeated/],
    null,
  ],
  ['<points coords="1 1 1500 104">dog</points>', IMG, [], [/outside/], null],
  ['<points coords="1 1 500 9999">dog</points>', IMG, [], [/outside/], null],
  ['<points coords="abc">dog</points>', IMG, [], [/characters other than digits/], null],
  ['<points alt="dog">dog</points>', IMG, [], [/without a coords/], null],
  ['<points coords="1 1 156 104 2 500">dog</points>', IMG, [1], [/malformed point/], null],
  ['<points coords="">dog</points>', IMG, [], [], null],
  ['<points coords="1">dog</points>', IMG, [], [/malformed group/], null],
  ['<points coords="1 1 -156 104">dog</points>', IMG, [], [/characters other than digits/], null],
  ['<points coords="1 1 156.5 104">dog</points>', IMG, [], [/malformed point/], null],
  ['<points coords="1 1 156 104;;2 2 500 500">x</points>', MI, [1, 2], [], null],
  ['<points coords="1 1 156 104;5 2 500 500">x</points>', MI, [1], [/no image 5/], null],
  ['<points coords="0 1 500 500">x</points>', MI, [], [/no image 0/], null],
  ['<tracks coords="0.0 1 156 625 1 200 200;0.5 1 300 300">p</tracks>', V, [1], [/repeated object id/], null],
  ['<tracks coords="0.5 1 500 500;0.', V, [1], [/cut off mid-group/, /cut off inside/], null],
  ['Counting the <points coords="1 1 156 104">dog</points> shows a total of', IMG, [1], [], null],
  ['asdf <<>> 12 apples and </points> stuff', IMG, [], [], null],
  ['1 1 156 104', IMG, [], [], null],
  ['', IMG, [], [], null],
  ['<points coords="1 1 156 104"><points coords="1 2 500 500">x</points>', IMG, [1, 2], [], null],
  ['<points coords="1 1 156 104 2 500 500 xx">dog</points>', IMG, [], [/characters other than digits/], null],
  ['There are none.', V, [], [], 0],
  ['<points coords="1 1 0156 104">dog</points> There are 1 dog.', IMG, [1], [], 1],
];

test(`parser keeps the valid part of ${MALFORMED.length} damaged answers and says why the rest was dropped`, () => {
  assert.ok(MALFORMED.length >= 30);
  for (const [text, opts, ids, reasons, count] of MALFORMED) {
    const r = parseAnswer(text, opts);
    const got = [...r.points.map((p) => p.id), ...r.tracks.map((t) => t.id)];
    assert.deepEqual(got, ids, `ids for ${JSON.stringify(text)}`);
    assert.equal(r.dropped.length, reasons.length, `dropped for ${JSON.stringify(text)}: ${JSON.stringify(r.dropped)}`);
    reasons.forEach((re, i) => assert.match(at(r.dropped, i).reason, re, `reason ${i} for ${JSON.stringify(text)}`));
    for (const d of r.dropped) assert.ok(d.text.length > 0, `dropped text is empty for ${JSON.stringify(text)}`);
    assert.equal(r.count, count, `count for ${JSON.stringify(text)}`);
  }
});

test('property: format → parse → format is the identity on random annotations', () => {
  const size = fc.record({ width: fc.integer({ min: 1, max: 5000 }), height: fc.integer({ min: 1, max: 5000 }) });
  const label = fc.stringMatching(/^[a-z][a-z ]{0,12}$/);
  const mode = fc.constantFrom('point', 'point_count', 'count_then_point') as fc.Arbitrary<
    'point' | 'point_count' | 'count_then_point'
  >;
  fc.assert(
    fc.property(
      fc.constantFrom('image', 'multi-image', 'video'),
      fc.array(size, { minLength: 1, maxLength: 4 }),
      label,
      mode,
      fc.array(
        fc.record({
          img: fc.nat(3),
          t: fc.integer({ min: 0, max: 3840 }),
          fx: fc.double({ min: 0, max: 1, noNaN: true }),
          fy: fc.double({ min: 0, max: 1, noNaN: true }),
        }),
        { maxLength: 12 },
      ),
      fc.constantFrom(';', '\t') as fc.Arbitrary<';' | '\t'>,
      (kind, sizes, lab, md, raw, sep) => {
        const k = kind as 'image' | 'multi-image' | 'video';
        const points = raw.map((r) => {
          const key = k === 'multi-image' ? (r.img % sizes.length) + 1 : k === 'video' ? r.t / 2 : 1;
          const s = at(sizes, k === 'multi-image' ? key - 1 : 0, 'image size');
          return { key, x: r.fx * s.width, y: r.fy * s.height };
        });
        const base = {
          kind: k,
          label: lab,
          mode: md,
          width: at(sizes, 0).width,
          height: at(sizes, 0).height,
          sizes,
          separator: sep,
        };
        const s1 = formatPoints({ ...base, points });
        const parsed = parseAnswer(s1, { kind: k, width: at(sizes, 0).width, height: at(sizes, 0).height, sizes });
        assert.deepEqual(parsed.dropped, []);
        assert.equal(parsed.points.length, points.length);
        if (points.length > 0 && md !== 'point') assert.equal(parsed.count, points.length);
        const s2 = formatPoints({ ...base, points: parsed.points });
        assert.equal(s2, s1);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: tracks format → parse → format is the identity', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4000 }),
      fc.integer({ min: 1, max: 4000 }),
      fc.array(
        fc.array(
          fc.record({
            t: fc.integer({ min: 0, max: 600 }),
            fx: fc.double({ min: 0, max: 1, noNaN: true }),
            fy: fc.double({ min: 0, max: 1, noNaN: true }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        { minLength: 1, maxLength: 5 },
      ),
      (W, H, objs) => {
        const tracks = objs.map((pts, i) => {
          const seen = new Set<number>();
          return {
            id: i + 10,
            points: pts
              .filter((p) => !seen.has(p.t) && seen.add(p.t))
              .map((p) => ({ t: p.t / 2, x: p.fx * W, y: p.fy * H })),
          };
        });
        const s1 = formatTracks({ label: 'obj', width: W, height: H, tracks });
        const parsed = parseAnswer(s1, { kind: 'video', width: W, height: H });
        assert.deepEqual(parsed.dropped, []);
        const s2 = formatTracks({ label: 'obj', width: W, height: H, tracks: parsed.tracks });
        assert.equal(s2, s1);
      },
    ),
    { numRuns: 200 },
  );
});
