// The ordered list of library schema migrations and the migrator that applies them.
// Each migration runs in its own transaction together with its row in schema_migrations and user_version.
import type Database from 'better-sqlite3';
import type { Migration } from './types.js';
import { m001Core } from './001-core.js';
import { m002CaptionsFts } from './002-captions-fts.js';
import { m003AnalyticsSketch } from './003-analytics-sketch.js';
import { m004Analytics } from './004-analytics.js';
import { m005CaptionTerms } from './005-caption-terms.js';
import { m006AdapterProvenance } from './006-adapter-provenance.js';
import { m007Finetune } from './007-finetune.js';
import { m008CountAddedPoints } from './008-count-added-points.js';
import { at } from '../../../api/at.js';

export type { Migration } from './types.js';

/** Every migration, in version order. */
export const MIGRATIONS: readonly Migration[] = [
  m001Core,
  m002CaptionsFts,
  m003AnalyticsSketch,
  m004Analytics,
  m005CaptionTerms,
  m006AdapterProvenance,
  m007Finetune,
  m008CountAddedPoints,
];

/** The schema version this build writes. */
export const LATEST_VERSION = at(MIGRATIONS, MIGRATIONS.length - 1, 'migration').version;

/** 'MOLM' — marks a SQLite file as a Molmoscope library (PRAGMA application_id). */
export const APPLICATION_ID = 0x4d4f4c4d;

/** Current schema version of an open database (PRAGMA user_version). */
export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies every migration above the current version up to `to` (default: latest); returns versions applied. */
export function migrate(db: Database.Database, opts: { to?: number; now?: () => Date } = {}): number[] {
  const to = opts.to ?? LATEST_VERSION;
  const now = opts.now ?? (() => new Date());
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version > to) break;
    if (m.version <= schemaVersion(db)) continue;
    // BEGIN IMMEDIATE: take the write lock before reading the version, so two processes never both migrate.
    db.transaction(() => {
      if (schemaVersion(db) >= m.version) return;
      // Inside the transaction: a process killed during the first migration must leave no table behind (a lone
      // schema_migrations table made the file look like a foreign SQLite database).
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
      m.up(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        now().toISOString(),
      );
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${m.version}`);
      applied.push(m.version);
    }).immediate();
  }
  return applied;
}
