// House rule 18 is enforced: a function over 80 lines (blank lines and comments not counted) fails `npm run lint` in
// src-main and src-renderer, unless a disable comment on the line before says why. Probe files are always removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { at } from '../../src-main/api/at.js';
import { lintProbes } from '../helpers/lint-probe.js';

/** A function of `n` + 4 counted lines (its first line, `let`, n statements, `return`, `}`), optionally after a disable comment. */
function source(n: number, disable: boolean): string {
  const body = Array.from({ length: n }, (_, i) => `  x += ${i};`).join('\n');
  const comment = disable ? '// eslint-disable-next-line max-lines-per-function -- probe: a reason is given\n' : '';
  return `// probe written by tests/core/function-length.test.ts\n${comment}export function probe(): number {\n  let x = 0;\n${body}\n\n  // a comment line\n  return x;\n}\n`;
}

test('max-lines-per-function: 81 lines fail in src-main and src-renderer, 80 pass, a disable comment with a reason passes', () => {
  const cases: Array<[string, number, boolean, boolean]> = [
    ['src-main/core/media', 77, false, true],
    ['src-main/core/media', 76, false, false],
    ['src-renderer/src', 77, false, true],
    ['src-main/cli', 77, true, false],
  ];
  const messages = lintProbes(
    'length',
    cases.map(([dir, n, disable]) => ({ dir, text: source(n, disable) })),
  );
  cases.forEach(([dir, n, disable, fails], i) => {
    const msgs = at(messages, i);
    const hit = msgs.some((m) => m.ruleId === 'max-lines-per-function');
    assert.equal(
      hit,
      fails,
      `${dir}, ${n + 4} lines${disable ? ' with a disable comment' : ''}: ${JSON.stringify(msgs)}`,
    );
  });
});
