// House rule 15 is enforced: SQL is written only in per-table stores (`*-store.ts`) and in migrations. Every other
// file under src-main is scanned for statement calls and SQL string literals; a hit fails with its file:line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** Files that may hold SQL without being a store, each with its reason. Keep this list short. */
const EXCEPTIONS: Record<string, string> = {
  // The integrity check runs in a worker thread from plain CommonJS source (no TypeScript loader there), so it cannot
  // import a store: its one PRAGMA integrity_check on its own read-only connection is written in that source.
  'src-main/core/library/integrity-check.ts': 'worker source cannot import a store',
};

const KEYWORDS =
  'SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA|WITH|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|REINDEX|VACUUM|ATTACH|DETACH|ANALYZE';

/** What counts as writing SQL: a statement call, exec() of a literal or on a db handle, or a literal that opens with SQL. */
const PATTERNS: Array<[string, RegExp]> = [
  ['prepare() or pragma() call', /\.\s*(?:prepare|pragma)\s*\(/g],
  ['exec() of a string literal', /\.\s*exec\s*\(\s*['"`]/g],
  ['exec() on a database handle', /\b\w*(?:db|database|sqlite)\w*\s*\.\s*exec\s*\(/gi],
  ['SQL string literal', new RegExp(`['"\`]\\s*(?:${KEYWORDS})\\b(?=\\s+[\\w(*'"])`, 'g')],
  [
    'SQL string literal (lower case)',
    /['"`]\s*(?:select\s+[\w(*][^'"`]*\bfrom\b|select\s+\w+\s*\(|insert\s+(?:or\s+\w+\s+)?into\b|delete\s+from\b|update\s+\w+\s+set\b|pragma\s+\w+|create\s+(?:virtual\s+)?(?:table|index|trigger)\b)/g,
  ],
];

/** Every SQL-looking place in a source text, as line numbers with what was found. */
export function sqlHits(text: string): Array<{ line: number; what: string }> {
  const out: Array<{ line: number; what: string }> = [];
  for (const [what, re] of PATTERNS) {
    for (const m of text.matchAll(re)) out.push({ line: text.slice(0, m.index).split('\n').length, what });
  }
  return out.sort((a, b) => a.line - b.line);
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (n === 'node_modules' || n.startsWith('.')) continue;
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (/\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(n) && !n.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Where a file may write SQL: a per-table store, a migration, or a listed exception. */
function mayWriteSql(rel: string): boolean {
  return /-store\.ts$/.test(rel) || rel.startsWith('src-main/core/library/migrations/') || rel in EXCEPTIONS;
}

test('SQL is written only in *-store.ts files and migrations (house rule 15)', () => {
  const files = sourceFiles(resolve('src-main'));
  assert.ok(files.length > 150, `${files.length} files`);
  const found: string[] = [];
  for (const f of files) {
    const rel = relative(resolve('.'), f).split('\\').join('/');
    if (mayWriteSql(rel)) continue;
    for (const h of sqlHits(readFileSync(f, 'utf8'))) found.push(`${rel}:${h.line} ${h.what}`);
  }
  assert.deepEqual(found, [], `SQL outside the stores (move it into a <table>-store.ts):\n${found.join('\n')}`);
});

test('every listed exception still holds SQL (a stale entry is removed)', () => {
  for (const rel of Object.keys(EXCEPTIONS)) {
    assert.ok(
      sqlHits(readFileSync(resolve(rel), 'utf8')).length > 0,
      `${rel} holds no SQL any more: drop it from EXCEPTIONS`,
    );
  }
});

test('the scanner finds SQL written in the ways the code writes it, and not regexes or prose', () => {
  const sql = [
    "const n = db.prepare('SELECT count(*) FROM captions').pluck().get();",
    "lib.db.pragma('busy_timeout = 5000');",
    "db.exec('REINDEX');",
    'database.exec(script);',
    'const q = `\n  UPDATE jobs SET status = ? WHERE id = ?`;',
    "const s = 'INSERT OR IGNORE INTO caption_vocab (term) VALUES (?)';",
    "const v = 'select sqlite_version()';",
    "const w = 'delete from windows where id = ?';",
    'const c = `WITH cand AS (SELECT 1) SELECT * FROM cand`;',
  ];
  sql.forEach((s, i) => assert.ok(sqlHits(s).length > 0, `not found (#${i}): ${s}`));
  const prose = [
    'const m = /^(\\d+)\\s*MiB$/.exec(mem);',
    "throw new Error('Select a recording first');",
    "const msg = 'Update Molmoscope to open it.';",
    "io.stdout.write('With the tiny checkpoint, this takes a second.');",
    "const label = 'Delete this correction';",
    'async function prepare(base: string) {}',
  ];
  prose.forEach((s, i) => assert.deepEqual(sqlHits(s), [], `false hit (#${i}): ${s}`));
});
