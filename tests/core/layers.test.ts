// House rule 16 is enforced: each layer's forbidden import fails the lint (probe files written and always removed),
// and the allowed ones pass, and no source file takes part in an import circle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { at } from '../../src-main/api/at.js';
import { lintProbes } from '../helpers/lint-probe.js';

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
  const messages = lintProbes(
    'layer',
    PROBES.map(([dir, spec], i) => ({
      dir,
      text: `// probe written by tests/core/layers.test.ts\nimport '${spec}';\nexport const probe = ${i};\n`,
    })),
  );
  PROBES.forEach(([dir, spec, forbidden], i) => {
    const msgs = at(messages, i);
    const hit = msgs.some((m) => m.ruleId === 'no-restricted-imports' && /house rule/.test(m.message));
    assert.equal(
      hit,
      forbidden,
      `${dir} importing ${spec}: ${forbidden ? 'accepted' : 'refused'} (${JSON.stringify(msgs)})`,
    );
  });
});

/** Relative imports of every .ts/.tsx file under the roots, resolved to files (type-only imports included). */
function importGraph(roots: string[]): Map<string, string[]> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (n === 'node_modules' || n.startsWith('.')) continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.tsx?$/.test(n) && !n.endsWith('.d.ts')) files.push(p);
    }
  };
  roots.forEach((r) => walk(resolve(r)));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  const spec =
    /(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\s*\(\s*['"](\.[^'"]+)['"]\s*\)|import\s+['"](\.[^'"]+)['"]/g;
  for (const f of files) {
    const deps: string[] = [];
    for (const m of readFileSync(f, 'utf8').matchAll(spec)) {
      const base = resolve(dirname(f), (m[1] ?? m[2] ?? m[3])!);
      const hit = [
        base.replace(/\.js$/, '.ts'),
        base.replace(/\.js$/, '.tsx'),
        `${base}.ts`,
        join(base, 'index.ts'),
      ].find((c) => known.has(c));
      if (hit) deps.push(hit);
    }
    graph.set(f, deps);
  }
  return graph;
}

/** Strongly connected components with more than one file (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.map((c) => relative(resolve('.'), c)).sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

test('no import circles in src-main, src-renderer and models', () => {
  const graph = importGraph(['src-main', 'src-renderer/src', 'models']);
  assert.ok(graph.size > 150, `${graph.size} files`);
  assert.deepEqual(circles(graph), []);
});

test('the circle check finds a circle', () => {
  const g = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ]);
  assert.deepEqual(
    circles(g).map((c) => c.length),
    [3],
  );
});
