// Metric tests against hand-computed cases: counting accuracy, point P/R/F1 with regions, and HOTA step by step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  evalCounts,
  parseCountAnswer,
  countTolerance,
} from '../../../src-main/core/analytics/metrics/count-metrics.js';
import { evalPoints } from '../../../src-main/core/analytics/metrics/point-metrics.js';
import { evalTracks } from '../../../src-main/core/analytics/metrics/track-metrics.js';
import { hota } from '../../../src-main/core/analytics/metrics/hota.js';
import { pointInRegion, regionCenter } from '../../../src-main/core/analytics/metrics/regions.js';
import {
  parseEvalFile,
  TracksGtSchema,
  TracksPredSchema,
} from '../../../src-main/core/analytics/metrics/eval-format.js';
import { at } from '../../../src-main/api/at.js';

const near = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-9, `${msg ?? ''} ${a} ≠ ${b}`);

test('count answers parse like the reference, and close accuracy uses 1 + floor(0.05·gt)', () => {
  assert.equal(parseCountAnswer('7'), 7);
  assert.equal(parseCountAnswer(' 12. '), 12);
  assert.equal(parseCountAnswer('Counting the <points coords="1 1 100 100">dog</points> shows a total of 3.'), 3);
  assert.equal(parseCountAnswer('The total number of cars in the video is: 41'), 41);
  assert.equal(parseCountAnswer('There are 2 <points coords="0.5 1 100 100 2 200 200">cat</points>.'), 2);
  assert.equal(parseCountAnswer('There are none.'), 0);
  assert.equal(parseCountAnswer('I cannot tell.'), null);
  assert.deepEqual([0, 19, 20, 39, 40, 100].map(countTolerance), [1, 1, 2, 2, 3, 6]);
  // gt 10 (tol 1): pred 11 close, not exact. gt 40 (tol 3): pred 43 close, 44 not. gt 3: "3" exact. gt 5: missing → invalid.
  const m = evalCounts(
    {
      examples: [
        { id: 'a', count: 11 },
        { id: 'b', answer: 'a total of 43' },
        { id: 'c', answer: '3' },
        { id: 'd', count: 44 },
      ],
    },
    {
      examples: [
        { id: 'a', count: 10 },
        { id: 'b', count: 40 },
        { id: 'c', count: 3 },
        { id: 'd', count: 40 },
        { id: 'e', count: 5 },
      ],
    },
  );
  assert.equal(m.n, 5);
  near(m.exactAccuracy, 1 / 5);
  near(m.closeAccuracy, 3 / 5);
  assert.equal(m.invalid, 1);
  near(m.meanAbsError!, (1 + 3 + 0 + 4) / 4);
  assert.deepEqual(
    m.bins.map((b) => [b.bin, b.n]),
    [
      ['0-5', 1],
      ['5-10', 1],
      ['10-15', 1],
      ['15-20', 0],
      ['20-25', 0],
      ['25+', 2],
    ],
  );
});

test('regions: box, polygon with a hole, and a binary grid with the reference rounding', () => {
  assert.ok(pointInRegion(10, 10, { box: [10, 10, 20, 20] }));
  assert.ok(!pointInRegion(20.5, 10, { box: [10, 10, 20, 20] }));
  const ring = {
    polygons: [
      [
        [0, 0],
        [10, 0],
        [10, 10],
        [0, 10],
      ],
      [
        [4, 4],
        [6, 4],
        [6, 6],
        [4, 6],
      ],
    ] as [number, number][][],
  };
  assert.ok(pointInRegion(2, 2, ring));
  assert.ok(!pointInRegion(5, 5, ring)); // in the hole
  const grid = { grid: { rows: ['000', '010', '000'] } };
  assert.ok(pointInRegion(1.4, 0.6, grid)); // rounds to (1, 1)
  assert.ok(!pointInRegion(1.6, 1, grid)); // rounds to (2, 1)
  assert.ok(!pointInRegion(-3, 1, grid));
  assert.ok(pointInRegion(105, 52, { grid: { rows: ['01'], x0: 100, y0: 50, cell: 4 } })); // cell (1, 0) covers x 104..107
  assert.deepEqual(regionCenter({ grid: { rows: ['01'], x0: 100, y0: 50, cell: 4 } }), { x: 105.5, y: 51.5 });
});

test('image pointing P/R/F1: Hungarian on distance, success when inside the matched mask', () => {
  // Two GT objects (points + boxes); three predictions: one inside A, one near B but outside its box, one stray.
  // Hungarian pairs p1–A (0 px) and p2–B (5 px); p2 is outside B's box → 1 success.
  // P = 1/3, R = 1/2, F1 = 2·(1/3)(1/2)/(5/6) = 0.4.
  const m = evalPoints(
    {
      examples: [
        {
          id: 'img',
          points: [
            { x: 10, y: 10 },
            { x: 105, y: 100 },
            { x: 300, y: 300 },
          ],
        },
        { id: 'empty', points: [] },
      ],
    },
    {
      examples: [
        {
          id: 'img',
          width: 640,
          height: 480,
          objects: [
            { x: 10, y: 10, region: { box: [0, 0, 20, 20] } },
            { x: 100, y: 100, region: { box: [95, 95, 102, 105] } },
          ],
        },
        { id: 'empty', width: 640, height: 480, objects: [] }, // no GT and no prediction → 1
      ],
    },
  );
  near(at(m.examples, 0).precision, 1 / 3);
  near(at(m.examples, 0).recall, 1 / 2);
  near(at(m.examples, 0).f1, 0.4, 'f1');
  assert.deepEqual([at(m.examples, 1).precision, at(m.examples, 1).f1], [1, 1]);
  near(m.f1, (0.4 + 1) / 2);
});

test('video pointing: the region must hold at the predicted time; model units are scaled per example', () => {
  const gt = {
    examples: [
      {
        id: 'v',
        width: 1000,
        height: 500,
        duration: 10,
        objects: [
          {
            id: '1',
            t: 2,
            x: 500,
            y: 250,
            regions: [{ t: 2, region: { box: [480, 230, 520, 270] as [number, number, number, number] } }],
          },
        ],
      },
    ],
  };
  // Same place at t = 2 → success; at t = 2.5 the object has no region → failure.
  assert.equal(evalPoints({ examples: [{ id: 'v', points: [{ t: 2, x: 505, y: 255 }] }] }, gt).f1 > 0.99, true);
  assert.equal(evalPoints({ examples: [{ id: 'v', points: [{ t: 2.5, x: 505, y: 255 }] }] }, gt).f1, 0);
  // 0–1000 units: (505, 510) → (505 px, 255 px).
  assert.equal(
    at(evalPoints({ units: 'model', examples: [{ id: 'v', points: [{ t: 2, x: 505, y: 510 }] }] }, gt).examples, 0)
      .successes,
    1,
  );
});

test('HOTA on a small two-object example, computed step by step', () => {
  // GT objects g1, g2; predicted ids p1, p2. S[g][p] = 1 when p's point is inside g's region. Four frames:
  //   F1: S = [[1,0],[0,1]]   F2: S = [[1,0],[0,1]]   F3: S = [[0,1],[1,0]] (ids swapped)   F4: gt {g1}, pred {p1,p2}, S = [[1,0]]
  // Counts: n_g1 = 4, n_g2 = 3, n_p1 = 4, n_p2 = 4.
  // Pass 1 — each S=1 entry has row sum = col sum = 1, so simIoU = 1/(1+1−1) = 1. Potentials:
  //   (g1,p1) = 3 (F1,F2,F4), (g2,p2) = 2, (g1,p2) = 1 (F3), (g2,p1) = 1 (F3).
  //   A(g1,p1) = 3/(4+4−3) = 0.6; A(g2,p2) = 2/(3+4−2) = 0.4; A(g1,p2) = 1/(4+4−1) = 1/7; A(g2,p1) = 1/(3+4−1) = 1/6.
  // Pass 2 — Hungarian on A·S per frame: F1, F2 → (g1,p1),(g2,p2); F3 → (g1,p2),(g2,p1); F4 → (g1,p1), p2 unmatched.
  //   TP = 2+2+2+1 = 7, FN = 0, FP = 1 (p2 in F4).
  //   DetA = 7/(7+0+1) = 0.875; DetRe = 7/7 = 1; DetPr = 7/8.
  //   Matches M: (g1,p1) = 3, (g2,p2) = 2, (g1,p2) = 1, (g2,p1) = 1.
  //   AssA = Σ M·M/(n_g+n_p−M) / TP = (3·3/5 + 2·2/5 + 1·1/7 + 1·1/6)/7 = (13/5 + 13/42)/7 = 611/1470 ≈ 0.415646.
  //   HOTA = √(DetA·AssA) = √(0.875·611/1470) ≈ 0.603067.
  //   AssRe = Σ M·M/n_g / TP = (9/4 + 4/3 + 1/4 + 1/3)/7 = (25/6)/7 = 25/42; AssPr = (9/4 + 4/4 + 1/4 + 1/4)/7 = 3.75/7.
  const frames = [
    {
      gtIds: [1, 2],
      predIds: [1, 2],
      sim: [
        [1, 0],
        [0, 1],
      ],
    },
    {
      gtIds: [1, 2],
      predIds: [1, 2],
      sim: [
        [1, 0],
        [0, 1],
      ],
    },
    {
      gtIds: [1, 2],
      predIds: [1, 2],
      sim: [
        [0, 1],
        [1, 0],
      ],
    },
    { gtIds: [1], predIds: [1, 2], sim: [[1, 0]] },
  ];
  const all = hota(frames);
  const h = all.find((x) => x.alpha === 0.5)!;
  assert.deepEqual([h.tp, h.fn, h.fp], [7, 0, 1]);
  near(h.detA, 0.875, 'DetA');
  near(h.detRe, 1, 'DetRe');
  near(h.detPr, 7 / 8, 'DetPr');
  near(h.assA, 611 / 1470, 'AssA');
  near(h.hota, Math.sqrt(0.875 * (611 / 1470)), 'HOTA');
  near(h.assRe, 25 / 42, 'AssRe');
  near(h.assPr, 3.75 / 7, 'AssPr');
  near(h.locA, 1, 'LocA');
  // Binary similarity: every α of the sweep gives the same numbers.
  assert.equal(all.length, 19);
  for (const x of all) near(x.hota, h.hota);
  // Edge cases: nothing at all → 1; predictions but no GT → 0.
  assert.equal(
    hota([]).every((x) => x.hota === 1),
    true,
  );
  assert.equal(at(hota([{ gtIds: [], predIds: [1], sim: [] }]), 9).hota, 0);
});

test('track eval from JSON files reproduces the hand-computed HOTA, plus per-frame P/R/F1', () => {
  // The same four frames as above, as files: g1 box around (100,100), g2 box around (300,100) (moving down in F3–F4).
  const box = (x: number, y: number) => ({ box: [x - 10, y - 10, x + 10, y + 10] as [number, number, number, number] });
  const gt = parseEvalFile(
    TracksGtSchema,
    {
      examples: [
        {
          id: 'clip',
          width: 640,
          height: 360,
          fps: 2,
          objects: [
            { id: 'g1', frames: [0, 0.5, 1, 1.5].map((t) => ({ t, region: box(100, 100 + 40 * t) })) },
            { id: 'g2', frames: [0, 0.5, 1].map((t) => ({ t, region: box(300, 100 + 40 * t) })) },
          ],
        },
      ],
    },
    'gt',
  );
  const pred = parseEvalFile(
    TracksPredSchema,
    {
      examples: [
        {
          id: 'clip',
          tracks: [
            {
              id: 1,
              points: [
                { t: 0, x: 101, y: 100 },
                { t: 0.5, x: 101, y: 120 },
                { t: 1, x: 300, y: 140 },
                { t: 1.5, x: 100, y: 160 },
              ],
            },
            {
              id: 2,
              points: [
                { t: 0, x: 299, y: 100 },
                { t: 0.5, x: 299, y: 120 },
                { t: 1, x: 100, y: 140 },
                { t: 1.5, x: 500, y: 300 },
              ],
            },
          ],
        },
      ],
    },
    'pred',
  );
  const m = evalTracks(pred, gt);
  near(m.hota, Math.sqrt(0.875 * (611 / 1470)));
  near(m.detA, 0.875);
  near(m.assA, 611 / 1470);
  assert.equal(m.alphaInvariant, true);
  // Per-frame F1: frames 1–3 have every point in its matched region (F1 = 1); frame 4: P = 1/2, R = 1, F1 = 2/3.
  near(m.spatial.f1, (3 + (2 * 0.5) / (1.5 + 1e-10)) / 4);
  assert.throws(
    () =>
      parseEvalFile(
        TracksGtSchema,
        {
          examples: [{ id: 'x', width: 1, height: 1, objects: [{ id: 1, frames: [{ t: 0, region: { box: [1] } }] }] }],
        },
        'gt',
      ),
    { code: 'INVALID_INPUT' },
  );
});
