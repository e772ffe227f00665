// House rule 1 is enforced: a core module importing electron fails both the core type-check and the lint.
// The probe file is written into src-main/core/ and always removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const tsc = resolve('node_modules/typescript/bin/tsc');
const eslint = resolve('node_modules/eslint/bin/eslint.js');

test('importing electron from src-main/core fails tsc -p tsconfig.core.json and eslint', () => {
  const name = `zz-boundary-probe-${process.pid}.ts`;
  const file = resolve('src-main/core', name);
  writeFileSync(
    file,
    "// probe written by tests/core/core-boundary.test.ts\nimport 'electron';\nexport const probe = 1;\n",
  );
  try {
    const t = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.core.json', '--noEmit'], { encoding: 'utf8' });
    assert.notEqual(t.status, 0, 'tsc accepted a core import of electron');
    assert.match(t.stdout, /core code must not import electron/);
    const l = spawnSync(process.execPath, [eslint, '--no-warn-ignored', file], { encoding: 'utf8' });
    assert.notEqual(l.status, 0, 'eslint accepted a core import of electron');
    assert.match(l.stdout, /no-restricted-imports/);
  } finally {
    rmSync(file, { force: true });
  }
});

test('the same import is fine in the Electron host (its own tsconfig)', () => {
  const t = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.electron.json', '--noEmit'], { encoding: 'utf8' });
  assert.equal(t.status, 0, t.stdout);
});
