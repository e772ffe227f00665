// `library repair`: keeps a copy of a damaged library aside, then rebuilds what is derived from the stored rows
// (every index, and the caption search index with its statistics) and checks again. Stored data is never rewritten.
import Database from 'better-sqlite3';
import { copyFileSync, existsSync } from 'node:fs';
import { AppError } from '../../api/errors.js';
import { APPLICATION_ID } from './migrations/index.js';
import { libraryError } from './store.js';
import { checkCaptionTerms, rebuildCaptionTerms } from './caption-terms-store.js';
import { registerTermFunctions } from './terms.js';
import { applicationId, integrityProblems, reindexAll, setBusyTimeout, withWriteLock } from './connection-store.js';

export interface RepairReport {
  path: string;
  /** Where the library was copied, as it was, before anything was touched. */
  copy: string;
  /** What integrity_check said before and after the rebuild (['ok'] = intact). */
  before: string[];
  after: string[];
  repaired: boolean;
}

/** Copies the library file (and its WAL, which holds committed pages too) aside while holding the write lock. */
function copyAside(db: Database.Database, path: string, stamp: string): string {
  const copy = `${path}.before-repair-${stamp}`;
  withWriteLock(db, () => {
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
  });
  return copy;
}

/** Repairs what can be rebuilt; `repaired` false means the damage is in stored rows (restore a backup). */
export function repairLibrary(path: string, now: () => Date = () => new Date()): RepairReport {
  if (!existsSync(path)) throw new AppError('NOT_FOUND', `No library file at ${path}.`);
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true });
  } catch (err) {
    throw libraryError(err, path);
  }
  try {
    setBusyTimeout(db, 5000);
    registerTermFunctions(db);
    if (applicationId(db) !== APPLICATION_ID) {
      throw new AppError('LIBRARY_CORRUPT', `${path} is not a Molmoscope library; repair leaves it untouched.`);
    }
    const before = integrityProblems(db, 'full', 50);
    const copy = copyAside(db, path, now().toISOString().replace(/[:.]/g, '-'));
    let after: string[];
    try {
      db.transaction(() => {
        reindexAll(db);
        rebuildCaptionTerms(db);
      }).immediate();
      checkCaptionTerms(db);
      after = integrityProblems(db, 'full', 50);
    } catch (err) {
      // Damaged table pages make the rebuild itself fail: that is stored data, which only a backup brings back.
      after = [`rebuild failed: ${(err as Error).message}`];
    }
    return {
      path,
      copy,
      before: before.length ? before : ['ok'],
      after: after.length ? after : ['ok'],
      repaired: after.length === 0,
    };
  } catch (err) {
    throw libraryError(err, path);
  } finally {
    db.close();
  }
}
