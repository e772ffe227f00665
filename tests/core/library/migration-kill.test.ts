// kill -9 during each migration: a real child process is killed inside the migration's open transaction (after its
// step ran, before COMMIT) and at random moments around it. The file then holds either the old schema or the new one,
// never half (sqlite_schema, schema_migrations and user_version agree with a reference built to that version), passes
// integrity_check, keeps its data, and opens (migrating to the latest) afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { LATEST_VERSION, MIGRATIONS, migrate, schemaVersion } from '../../../src-main/core/library/migrations/index.js';
import { registerTermFunctions } from '../../../src-main/core/library/terms.js';
import { openLibrary } from '../../../src-main/core/library/store.js';
import { scratchDir } from '../../helpers/tiny.js';
import { mulberry32 } from '../../helpers/random.js';

const CHILD = resolve('tests/core/library/fixtures/migrate-child.ts');
const CAPTIONS = 4000;

/** A WAL library at `version` holding one recording with CAPTIONS captioned windows (so 002/005 have work to do). */
function seeded(path: string, version: number): void {
  const db = new Database(path);
  registerTermFunctions(db);
  db.pragma('journal_mode = WAL');
  migrate(db, { to: 1 });
  db.transaction(() => {
    db.exec(`INSERT INTO recordings (id, path, folder, name, size_bytes, mtime_ms, status, duration_s, imported_at, updated_at)
      VALUES (1, '/v/a.mp4', '/v', 'a.mp4', 10, 1, 'ready', 30, 't', 't')`);
    const w = db.prepare(
      "INSERT INTO windows (id, recording_id, idx, start_s, end_s, sample_times) VALUES (?, 1, ?, 0, 1, '[]')",
    );
    const c = db.prepare(
      "INSERT INTO captions (window_id, model_id, prompt_kind, text, tokens, created_at) VALUES (?, 'm', 'dense', ?, 9, 't')",
    );
    for (let i = 1; i <= CAPTIONS; i++) {
      w.run(i, i);
      c.run(i, `window ${i}: a red bicycle number ${i % 97} leans against wall ${i % 13} near cyclist ${i % 31}`);
    }
  })();
  migrate(db, { to: version });
  db.close();
}

type SchemaRow = { type: string; name: string; tbl_name: string; sql: string | null };
function snapshot(path: string): {
  version: number;
  schema: SchemaRow[];
  migrations: number[];
  integrity: string;
  captions: number;
} {
  const db = new Database(path, { readonly: true });
  try {
    return {
      version: schemaVersion(db),
      schema: db
        .prepare(
          "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name != 'schema_migrations' ORDER BY type, name",
        )
        .all() as SchemaRow[],
      migrations: db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'schema_migrations'").get()
        ? (db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all() as number[])
        : [],
      integrity: db.pragma('integrity_check', { simple: true }) as string,
      captions: schemaVersion(db) === 0 ? 0 : (db.prepare('SELECT count(*) FROM captions').pluck().get() as number),
    };
  } finally {
    db.close();
  }
}

/** Runs the child; kills it with SIGKILL when it prints `at` (after `delayMs`). Resolves whether the kill landed first. */
function runAndKill(
  db: string,
  to: number,
  mode: 'hold' | 'run',
  at: string,
  delayMs: number,
): Promise<{ killed: boolean }> {
  return new Promise((resolveP, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, db, String(to), mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (out.includes(`${at}\n`)) setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      if (sig === 'SIGKILL') resolveP({ killed: true });
      else if (code === 0) resolveP({ killed: false });
      else reject(new Error(`child exited ${code}: ${err}`));
    });
  });
}

test(
  'kill -9 during each migration leaves the old schema or the new one, never half',
  { timeout: 600_000 },
  async () => {
    const dir = scratchDir('mig-kill');
    const rand = mulberry32(16);
    const refs = new Map<number, ReturnType<typeof snapshot>>();
    const empty = join(dir, 'empty.db');
    const e = new Database(empty);
    e.pragma('journal_mode = WAL');
    e.close();
    refs.set(0, snapshot(empty));
    for (let v = 1; v <= LATEST_VERSION; v++) {
      const p = join(dir, `ref-${v}.db`);
      seeded(p, v);
      refs.set(v, snapshot(p));
    }
    const outcomes: string[] = [];
    for (const m of MIGRATIONS) {
      const from = m.version - 1;
      const base = from === 0 ? empty : join(dir, `base-${from}.db`);
      if (from > 0) seeded(base, from);
      const rows = from === 0 ? 0 : CAPTIONS;
      const trials: Array<{ mode: 'hold' | 'run'; delay: number }> = [
        { mode: 'hold', delay: 0 },
        ...[0, 1, 2].map(() => ({ mode: 'run' as const, delay: Math.floor(rand() * 40) })),
      ];
      for (const [i, t] of trials.entries()) {
        const db = join(dir, `m${m.version}-${i}.db`);
        copyFileSync(base, db);
        const r = await runAndKill(db, m.version, t.mode, t.mode === 'hold' ? 'inside' : 'start', t.delay);
        const s = snapshot(db);
        const ref = refs.get(s.version);
        outcomes.push(
          `${m.version}/${t.mode}${t.mode === 'run' ? `+${t.delay}ms` : ''}: ${r.killed ? 'killed' : 'finished'} at v${s.version}`,
        );
        assert.ok(s.version === from || s.version === m.version, `migration ${m.version}: version ${s.version}`);
        if (t.mode === 'hold') assert.equal(s.version, from, 'killed inside the transaction: the old schema');
        assert.deepEqual(
          s.schema,
          ref!.schema,
          `migration ${m.version} trial ${i}: the schema is exactly version ${s.version}'s`,
        );
        assert.deepEqual(s.migrations, ref!.migrations);
        assert.equal(s.integrity, 'ok');
        assert.equal(s.captions, rows, 'no stored row lost');
        // Killed in the first migration, the file never became a library: it is created as one now.
        const lib = openLibrary(db, { create: s.version === 0 });
        assert.equal(lib.schemaVersion, LATEST_VERSION);
        lib.close();
      }
    }
    console.log(outcomes.join('\n'));
  },
);
