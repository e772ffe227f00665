// House rule 18 is enforced: a function over 80 lines (blank lines and comments not counted) fails `npm run lint` in
// src-main and src-renderer, unless a disable comment on the line before says why. Probe files are always removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const eslint = resolve('node_modules/eslint/bin/eslint.js');

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
  const files = cases.map(([dir, n, disable], i) => {
    const file = resolve(dir, `zz-length-probe-${process.pid}-${i}.ts`);
    writeFileSync(file, source(n, disable));
    return file;
  });
  try {
    const r = spawnSync(process.execPath, [eslint, '--no-warn-ignored', '--format', 'json', ...files], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const results = JSON.parse(r.stdout) as Array<{
      filePath: string;
      messages: Array<{ ruleId: string | null; message: string }>;
    }>;
    cases.forEach(([dir, n, disable, fails], i) => {
      const msgs = results.find((x) => x.filePath === files[i])?.messages ?? [];
      const hit = msgs.some((m) => m.ruleId === 'max-lines-per-function');
      assert.equal(
        hit,
        fails,
        `${dir}, ${n + 4} lines${disable ? ' with a disable comment' : ''}: ${JSON.stringify(msgs)}`,
      );
    });
  } finally {
    for (const f of files) rmSync(f, { force: true });
  }
});
