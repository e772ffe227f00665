// at() and entry(): checked look-ups for indices in bounds by construction (house rule 19).
import assert from 'node:assert/strict';
import test from 'node:test';
import { at, entry } from '../../src-main/api/at.js';
import { AppError } from '../../src-main/api/errors.js';

test('at() returns the element, and throws INTERNAL naming what was missing and the length', () => {
  const xs = [10, 0, 30];
  assert.equal(at(xs, 1), 0, 'a falsy element is an element');
  assert.equal(at(new Float32Array([1.5, 2.5]), 1), 2.5);
  assert.equal(at('abc', 2), 'c');
  for (const i of [3, -1, 1.5, NaN]) {
    assert.throws(
      () => at(xs, i, 'window'),
      (err: unknown) => {
        assert.ok(err instanceof AppError);
        assert.equal(err.code, 'INTERNAL');
        assert.equal(err.message, `window ${i} is missing (length 3).`);
        return true;
      },
    );
  }
  // A hole in a sparse array is missing too.
  const sparse = [1, 2, 3];
  delete sparse[1];
  assert.throws(() => at(sparse, 1), { code: 'INTERNAL' });
});

test('entry() reads maps and records, and throws INTERNAL for a missing key', () => {
  assert.equal(entry(new Map([['a', 0]]), 'a'), 0);
  assert.equal(entry({ a: '' }, 'a'), '');
  assert.throws(() => entry(new Map<string, number>(), 'b', 'track'), {
    code: 'INTERNAL',
    message: 'track b is missing.',
  });
  assert.throws(() => entry({ a: 1 } as Record<string, number>, 'b', 'timing'), {
    code: 'INTERNAL',
    message: 'timing b is missing.',
  });
  // Object.prototype keys are not entries of a record built from data.
  assert.throws(() => entry({} as Record<string, unknown>, 'toString'), { code: 'INTERNAL' });
});
