// Hungarian solver tests: hand cases, rectangular shapes, gating, and a brute-force cross-check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assign } from '../../../src-main/core/analytics/hungarian.js';
import { at } from '../../../src-main/api/at.js';

/** Best total over all matchings of min(n, m) pairs, by enumeration. */
function bruteMin(c: number[][]): number {
  const n = c.length;
  const m = at(c, 0).length;
  let best = Infinity;
  const usedCol = new Array(m).fill(false);
  const rec = (i: number, picked: number, acc: number) => {
    if (picked === Math.min(n, m)) return void (best = Math.min(best, acc));
    if (i === n) return;
    if (n - i > Math.min(n, m) - picked) rec(i + 1, picked, acc); // row i left out (only when rows > cols)
    for (let j = 0; j < m; j++) {
      if (usedCol[j]) continue;
      usedCol[j] = true;
      rec(i + 1, picked + 1, acc + at(at(c, i), j));
      usedCol[j] = false;
    }
  };
  rec(0, 0, 0);
  return best;
}

test('classic 3×3 case', () => {
  const r = assign([
    [4, 1, 3],
    [2, 0, 5],
    [3, 2, 2],
  ]);
  assert.deepEqual(
    r.map((a) => [a.row, a.col]),
    [
      [0, 1],
      [1, 0],
      [2, 2],
    ],
  );
  assert.equal(
    r.reduce((s, a) => s + a.cost, 0),
    5,
  );
});

test('rectangular: more rows than columns and more columns than rows', () => {
  assert.deepEqual(
    assign([[1], [0], [5]]).map((a) => [a.row, a.col]),
    [[1, 0]],
  );
  assert.deepEqual(
    assign([[9, 1, 4]]).map((a) => [a.row, a.col]),
    [[0, 1]],
  );
  assert.deepEqual(assign([]), []);
});

test('gating: forbidden pairs are never matched and one near pair beats two far ones', () => {
  // Without a gate the swap (9 + 9) would be forced; with gate 5, A1–B1 alone (1) is the answer.
  assert.deepEqual(
    assign(
      [
        [1, 9],
        [9, Infinity],
      ],
      { gate: 5 },
    ).map((a) => [a.row, a.col]),
    [[0, 0]],
  );
  assert.deepEqual(assign([[Infinity, 7]], { gate: 5 }), []);
  assert.throws(() => assign([[Infinity]]));
});

test('property: total cost equals brute force on random rectangular matrices', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }).chain((n) =>
        fc.integer({ min: 1, max: 5 }).chain((m) =>
          fc.array(fc.array(fc.integer({ min: -20, max: 50 }), { minLength: m, maxLength: m }), {
            minLength: n,
            maxLength: n,
          }),
        ),
      ),
      (c) => {
        const r = assign(c);
        assert.equal(r.length, Math.min(c.length, at(c, 0).length));
        assert.equal(new Set(r.map((a) => a.col)).size, r.length);
        assert.equal(
          r.reduce((s, a) => s + a.cost, 0),
          bruteMin(c),
        );
      },
    ),
    { numRuns: 300 },
  );
});
