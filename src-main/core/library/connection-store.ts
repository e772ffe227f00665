// The connection's own SQL: the pragmas a library is opened, checked and repaired with, and what SQLite's schema
// table says about a file. The tables' rows are read and written by their own `<table>-store.ts` files.
import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { sqliteBindingOption } from '../platform/sqlite-binding.js';

/** How long a statement waits for another connection's lock before SQLITE_BUSY. */
export function setBusyTimeout(db: Database.Database, ms: number): void {
  db.pragma(`busy_timeout = ${ms}`);
}

/** PRAGMA application_id (0 for a file that no Molmoscope migration has marked). */
export function applicationId(db: Database.Database): number {
  return db.pragma('application_id', { simple: true }) as number;
}

/** PRAGMA journal_mode, e.g. 'wal' or 'delete'. */
export function journalMode(db: Database.Database): string {
  return String(db.pragma('journal_mode', { simple: true }));
}

/** The problems `integrity_check` (or the faster `quick_check`) reports, at most `max`; empty when intact. */
export function integrityProblems(db: Database.Database, mode: 'full' | 'quick', max: number): string[] {
  const rows = db.pragma(`${mode === 'full' ? 'integrity_check' : 'quick_check'}(${max})`) as Array<
    Record<string, unknown>
  >;
  return rows.map((r) => String(Object.values(r)[0])).filter((v) => v !== 'ok');
}

/** Switches the file to WAL; returns the journal mode SQLite reports afterwards. */
export function enableWal(db: Database.Database): string {
  return String(db.pragma('journal_mode = WAL', { simple: true }));
}

/** The settings of a writable connection in WAL mode. */
export function tuneWritableConnection(db: Database.Database): void {
  // NORMAL in WAL mode: a killed process never corrupts or loses committed transactions; only power loss can drop the last few.
  db.pragma('synchronous = NORMAL');
  // 32 MiB page cache: FTS5 segment merges and search over a large library thrash SQLite's 2 MiB default.
  db.pragma('cache_size = -32768');
}

/** Turns on foreign key enforcement (off by default in SQLite, per connection). */
export function enableForeignKeys(db: Database.Database): void {
  db.pragma('foreign_keys = ON');
}

/** Reads up to `bytes` of the file through a memory map. */
export function setMmapSize(db: Database.Database, bytes: number): void {
  db.pragma(`mmap_size = ${bytes}`);
}

/** Whether the file holds anything a migration made (a table, or a row of schema_migrations). */
export function hasUserTables(db: Database.Database): boolean {
  // An empty schema_migrations table alone is what a process killed in the first migration left before the migrator
  // created it inside the migration's transaction: still a file that was never a library.
  const row = db
    .prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' AND name != 'schema_migrations'")
    .get() as { n: number };
  const migrations = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'schema_migrations'").get() !== undefined;
  return row.n > 0 || (migrations && db.prepare('SELECT 1 FROM schema_migrations LIMIT 1').get() !== undefined);
}

/** Runs `fn` holding the write lock (BEGIN IMMEDIATE … COMMIT), outside a transaction of better-sqlite3's. */
export function withWriteLock<T>(db: Database.Database, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    return fn();
  } finally {
    db.exec('COMMIT');
  }
}

/** Rebuilds every index of the file from its tables. */
export function reindexAll(db: Database.Database): void {
  db.exec('REINDEX');
}

/** SQLite's version through better-sqlite3, or null when the native module cannot load (e.g. wrong ABI). */
export function sqliteVersion(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const Db = require('better-sqlite3') as new (
      f: string,
      o: { nativeBinding?: string },
    ) => {
      prepare(s: string): { pluck(): { get(): unknown } };
      close(): void;
    };
    const db = new Db(':memory:', sqliteBindingOption());
    try {
      return String(db.prepare('select sqlite_version()').pluck().get());
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}
