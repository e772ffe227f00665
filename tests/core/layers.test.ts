// House rule 16 is enforced: each layer's forbidden import fails the lint (probe files written and always removed),
// and the allowed ones pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const eslint = resolve('node_modules/eslint/bin/eslint.js');

/** [folder, import string, forbidden?] — each becomes one probe file in that folder. */
const PROBES: Array<[string, string, boolean]> = [
  ['src-main/core/media', '../library/store.js', true],
  ['src-main/core/media', '../molmo2/session.js', true],
  ['src-main/core/media', '../context.js', true],
  ['src-main/core/media', '../../api/errors.js', false],
  ['src-main/core/media', '../platform/paths.js', false],
  ['src-main/core/molmo2', '../library/store.js', true],
  ['src-main/core/molmo2', '../analytics/stitch.js', true],
  ['src-main/core/molmo2', '../media/index.js', false],
  ['src-main/core/library', '../analytics/stitch.js', true],
  ['src-main/core/library', '../../serve/server.js', true],
  ['src-main/core/library', '../media/index.js', false],
  ['src-main/core/analytics', '../../cli/main.js', true],
  ['src-main/core/models', '../library/store.js', true],
  ['src-main/core/models', '../handlers/index.js', true],
  ['src-main/core/models', '../molmo2/checkpoint/load.js', false],
  ['src-renderer/src', '../../src-main/core/context.js', true],
  ['src-renderer/src', '../../models/tiny/make-tiny.js', true],
  ['src-renderer/src', 'node:fs', true],
  ['src-renderer/src', '../../src-main/api/errors.js', false],
];

test('layer rules: forbidden imports fail eslint with the layer message, allowed ones pass', () => {
  const files = PROBES.map(([dir, spec], i) => {
    const file = resolve(dir, `zz-layer-probe-${process.pid}-${i}.ts`);
    writeFileSync(file, `// probe written by tests/core/layers.test.ts\nimport '${spec}';\nexport const probe = ${i};\n`);
    return file;
  });
  try {
    const r = spawnSync(process.execPath, [eslint, '--no-warn-ignored', '--format', 'json', ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const results = JSON.parse(r.stdout) as Array<{ filePath: string; messages: Array<{ ruleId: string | null; message: string }> }>;
    PROBES.forEach(([dir, spec, forbidden], i) => {
      const msgs = results.find((x) => x.filePath === files[i])?.messages ?? [];
      const hit = msgs.some((m) => m.ruleId === 'no-restricted-imports' && /house rule/.test(m.message));
      assert.equal(hit, forbidden, `${dir} importing ${spec}: ${forbidden ? 'accepted' : 'refused'} (${JSON.stringify(msgs)})`);
    });
  } finally {
    for (const f of files) rmSync(f, { force: true });
  }
});
