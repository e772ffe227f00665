// Opens a library file: checks it is an intact Molmoscope SQLite file, turns on WAL and migrates it.
// A corrupt, foreign or newer-version file is refused with a clear AppError and never written to.
import Database from 'better-sqlite3';
import { sqliteBindingOption } from '../platform/sqlite-binding.js';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { AppError } from '../../api/errors.js';
import { APPLICATION_ID, LATEST_VERSION, migrate, schemaVersion } from './migrations/index.js';
import { registerTermFunctions } from './terms.js';
import { corruptLibraryError, startIntegrityCheck, type IntegrityCheck } from './integrity-check.js';
import { storageError } from './storage-errors.js';
import {
  applicationId,
  enableForeignKeys,
  enableWal,
  hasUserTables,
  integrityProblems,
  journalMode,
  setBusyTimeout,
  setMmapSize,
  tuneWritableConnection,
} from './connection-store.js';

export interface OpenLibraryOptions {
  /** Create the file when it does not exist (default false: a missing file is NOT_FOUND). */
  create: boolean;
  /** Open read-only: no migration, no WAL switch; an out-of-date schema is refused. */
  readonly?: boolean;
  /**
   * 'full' = PRAGMA integrity_check before returning (default); 'background' = the same check on a worker thread with
   * a read-only connection, started by the first `writable()` (reads start at once; every writer awaits it; opening
   * checks in full first when the open itself must write, i.e. migrate); 'quick' = quick_check; 'none' skips it
   * (benchmarks and `library repair` only).
   */
  integrity?: 'full' | 'background' | 'quick' | 'none';
  /** How long to wait for another writer before LIBRARY_LOCKED (default 5000 ms). */
  busyTimeoutMs?: number;
}

export interface Library {
  readonly path: string;
  readonly db: Database.Database;
  /** Schema version after migration. */
  readonly schemaVersion: number;
  /** True when this call created the file. */
  readonly created: boolean;
  readonly readonly: boolean;
  /** Resolves once the library is known to be intact (at once unless opened with integrity 'background'); LIBRARY_CORRUPT otherwise. Every writer awaits it; the first call starts the check. */
  writable(): Promise<void>;
  close(): void;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Maps a better-sqlite3 error to the library's error codes. */
export function libraryError(err: unknown, path: string): AppError {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string })?.code ?? '';
  const msg = (err as Error)?.message ?? String(err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new AppError(
      'LIBRARY_LOCKED',
      `The library ${path} is locked by another process (${msg}). Close the other Molmoscope window or job and retry.`,
      undefined,
      { cause: err },
    );
  }
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return new AppError(
      'LIBRARY_CORRUPT',
      `The library ${path} is damaged or not a SQLite file (${msg}). It was left untouched; restore a backup or choose another file.`,
      undefined,
      { cause: err },
    );
  }
  const disk = storageError(err, path);
  if (disk) return disk;
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM')) {
    return new AppError('UNREADABLE', `The library ${path} cannot be opened (${msg}).`, undefined, { cause: err });
  }
  return new AppError('INTERNAL', `Library ${path}: ${msg}`, undefined, { cause: err });
}

/** An SQLite error (or a disk error) thrown while using a library, as the library's error code; anything else as it was. */
export function asLibraryError(err: unknown, path: string): unknown {
  const code = String((err as { code?: unknown })?.code ?? '');
  return code.startsWith('SQLITE_') || code === 'ENOSPC' || code === 'EIO' ? libraryError(err, path) : err;
}

function readHeader(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(100);
    const n = readSync(fd, buf, 0, 100, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * Library.writable and close for a background check. The worker starts on the first writable() call (a command that
 * only reads never pays for it, and its exit never waits on a check that a worker cannot abandon mid-PRAGMA); the
 * verdict is remembered.
 */
function backgroundCheck(path: string, enabled: boolean): { writable: () => Promise<void>; stop: () => void } {
  if (!enabled) return { writable: () => Promise.resolve(), stop: () => {} };
  let check: IntegrityCheck | null = null;
  let verdict: Promise<void> | null = null;
  return {
    writable: () => {
      if (!verdict) {
        check = startIntegrityCheck(path);
        verdict = check.result.then((problems) => {
          if (problems.length) throw corruptLibraryError(path, problems);
        });
        verdict.catch(() => {}); // reported to whoever awaits it
      }
      return verdict;
    },
    stop: () => check?.stop(),
  };
}

/** Bytes of a library file read through a memory map (the rest through read()). */
export const LIBRARY_MMAP_BYTES = 2 ** 31;

/** Checks the file before SQLite sees it (present unless created, not empty, a SQLite header); returns whether it exists. */
function checkLibraryFile(path: string, opts: OpenLibraryOptions, readonly: boolean): boolean {
  const exists = existsSync(path);
  if (!exists && (!opts.create || readonly)) throw new AppError('NOT_FOUND', `No library file at ${path}.`);
  const size = exists ? statSync(path).size : 0;
  if (exists && size === 0) {
    // A library truncated to nothing (a failed copy, a full disk) looks like a new file to SQLite; re-creating it
    // would hide the loss.
    throw new AppError(
      'LIBRARY_CORRUPT',
      `${path} is empty (0 bytes): it may be a library that was truncated. It was left untouched. Restore it from a backup, or delete the file to start a new library there.`,
    );
  }
  if (exists) {
    // Check the magic before SQLite sees the file: a text or media file must never be "recovered" into a DB.
    const header = readHeader(path);
    if (header.length < 100 || !header.subarray(0, 16).equals(SQLITE_MAGIC)) {
      throw new AppError(
        'LIBRARY_CORRUPT',
        `${path} is not a SQLite library file (bad header). It was left untouched.`,
      );
    }
  }
  return exists;
}

/** Read-only checks of an opened file: a new empty file, ours (application_id) and not newer than this build. */
function checkLibrarySchema(
  db: Database.Database,
  path: string,
  opts: OpenLibraryOptions,
  readonly: boolean,
): { version: number; fresh: boolean } {
  const version = schemaVersion(db);
  const appId = applicationId(db);
  const fresh = version === 0 && appId === 0 && !hasUserTables(db);
  if (fresh && (!opts.create || readonly)) {
    throw new AppError(
      'NOT_FOUND',
      `${path} is an empty file, not a library yet; create it (create: true) to initialise it.`,
    );
  }
  if (!fresh && appId !== APPLICATION_ID) {
    throw new AppError(
      'LIBRARY_CORRUPT',
      `${path} is a SQLite file but not a Molmoscope library (application_id ${appId}). It was left untouched.`,
    );
  }
  if (version > LATEST_VERSION) {
    throw new AppError(
      'LIBRARY_TOO_NEW',
      `${path} has schema version ${version}; this Molmoscope reads up to ${LATEST_VERSION}. Update Molmoscope to open it. The file was left untouched.`,
      { version, supported: LATEST_VERSION },
    );
  }
  return { version, fresh };
}

/** Runs the integrity check that must come before any write, and starts the background one where that is asked. */
function checkLibraryIntegrity(
  db: Database.Database,
  path: string,
  opts: OpenLibraryOptions,
  readonly: boolean,
  { version, fresh }: { version: number; fresh: boolean },
): ReturnType<typeof backgroundCheck> {
  const integrity = opts.integrity ?? 'full';
  // A migration or a journal switch writes: a background check cannot wait until after them.
  const mustCheckNow =
    integrity === 'full' ||
    (integrity === 'background' && !readonly && (version < LATEST_VERSION || journalMode(db) !== 'wal'));
  if (!fresh && integrity !== 'none' && (mustCheckNow || integrity === 'quick')) {
    const problems = integrityProblems(db, mustCheckNow ? 'full' : 'quick', 20);
    if (problems.length) throw corruptLibraryError(path, problems);
  }
  return backgroundCheck(path, !fresh && integrity === 'background' && !mustCheckNow && !readonly);
}

/** Readonly: refuses a schema that needs migrating. Writable: WAL, connection tuning and migrations. Then FKs and mmap. */
function prepareConnection(db: Database.Database, path: string, readonly: boolean, version: number): void {
  if (readonly) {
    if (version < LATEST_VERSION) {
      throw new AppError(
        'INVALID_INPUT',
        `${path} has schema version ${version} and needs migrating to ${LATEST_VERSION}; open it writable once.`,
      );
    }
  } else {
    const mode = enableWal(db);
    if (mode !== 'wal') throw new AppError('INTERNAL', `Could not switch ${path} to WAL (journal_mode=${mode}).`);
    tuneWritableConnection(db);
    migrate(db);
  }
  enableForeignKeys(db);
  // Reads through a memory map: search walks FTS5 doclists across a large file, and copying each page into the
  // page cache with a read() cost a third of a query's time at 1M captions (bench/search). The trade-off SQLite
  // documents: an I/O error on a mapped page is a SIGBUS, not an error code; MOLMOSCOPE_LIBRARY_MMAP=0 (e.g. for a
  // library on a network share) turns it off.
  if (process.env.MOLMOSCOPE_LIBRARY_MMAP !== '0') setMmapSize(db, LIBRARY_MMAP_BYTES);
}

/** Opens (or creates) a library file, checks integrity, enables WAL and migrates to the latest schema. */
export function openLibrary(path: string, opts: OpenLibraryOptions): Library {
  const readonly = opts.readonly ?? false;
  const exists = checkLibraryFile(path, opts, readonly);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly, fileMustExist: exists, ...sqliteBindingOption() });
  } catch (err) {
    throw libraryError(err, path);
  }
  try {
    setBusyTimeout(db, opts.busyTimeoutMs ?? 5000);
    // The caption triggers index text through this function (see terms.ts).
    registerTermFunctions(db);
    // Read-only checks first: nothing below writes until the file is known to be ours, intact and not newer.
    const schema = checkLibrarySchema(db, path, opts, readonly);
    const check = checkLibraryIntegrity(db, path, opts, readonly, schema);
    prepareConnection(db, path, readonly, schema.version);
    const finalVersion = schemaVersion(db);
    return {
      path,
      db,
      schemaVersion: finalVersion,
      created: !exists || schema.fresh,
      readonly,
      writable: check.writable,
      close: () => {
        check.stop();
        if (db.open) db.close();
      },
    };
  } catch (err) {
    db.close();
    throw libraryError(err, path);
  }
}
