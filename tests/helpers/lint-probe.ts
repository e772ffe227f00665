// Lints probe source files written into the tree with the project's ESLint config, and always removes them: how the
// tests of house rules 16 and 18 show that a rule really fails `npm run lint` in a given folder.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const eslint = resolve('node_modules/eslint/bin/eslint.js');

/** One ESLint message about a probe. */
export interface LintMessage {
  ruleId: string | null;
  message: string;
}

/** Writes each probe as `<dir>/zz-<tag>-probe-<pid>-<i>.ts`, lints all in one run; returns each probe's messages. */
export function lintProbes(tag: string, probes: ReadonlyArray<{ dir: string; text: string }>): LintMessage[][] {
  const files = probes.map(({ dir, text }, i) => {
    const file = resolve(dir, `zz-${tag}-probe-${process.pid}-${i}.ts`);
    writeFileSync(file, text);
    return file;
  });
  try {
    const r = spawnSync(process.execPath, [eslint, '--no-warn-ignored', '--format', 'json', ...files], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const results = JSON.parse(r.stdout) as Array<{ filePath: string; messages: LintMessage[] }>;
    return files.map((file) => results.find((x) => x.filePath === file)?.messages ?? []);
  } finally {
    for (const f of files) rmSync(f, { force: true });
  }
}
