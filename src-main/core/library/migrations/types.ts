// The shape of one schema migration: a version number, a name and an `up` step run inside a transaction.
// Migrations are append-only: never edit a released one, add the next version instead.
import type Database from 'better-sqlite3';

export interface Migration {
  /** 1, 2, 3…: the schema version this migration brings the file to. */
  version: number;
  /** Short kebab-case name, stored in the migrations table. */
  name: string;
  /** Applies the change; runs inside the migrator's transaction, so it must not open its own. */
  up(db: Database.Database): void;
}
