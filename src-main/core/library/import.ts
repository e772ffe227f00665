// Imports files and folders into the library: walks folders, de-duplicates by content hash, recognises
// moved/renamed files, probes new ones and records bad ones as rejected with their media error code.
import { existsSync, statSync, type Stats } from 'node:fs';
import { basename, dirname } from 'node:path';
import { AppError, throwIfCancelled, type ErrorCode } from '../../api/errors.js';
import { hashRegularFile } from './content-hash.js';
import { walkImportPaths } from './import-walk.js';
import { storageError } from './storage-errors.js';
import type { Library } from './store.js';
import type { MediaSource, ProbeInfo } from './media-source.js';
import { aliasOf, deleteAlias, putAlias } from './recording-aliases-store.js';
import {
  insertRecording,
  markRecordingsMissing,
  moveRecording,
  readyRecordingPaths,
  recordingByPath,
  recordingWithContent,
  updateRecording,
  type RecordingValues,
} from './recordings-store.js';
import { deleteWindowsOf } from './windows-store.js';

/** Extensions a folder walk picks up (files named explicitly are always tried). */
export const DEFAULT_VIDEO_EXTENSIONS = [
  'mp4',
  'm4v',
  'mov',
  'mkv',
  'webm',
  'avi',
  'mts',
  'm2ts',
  'ts',
  'mpg',
  'mpeg',
  'wmv',
  'flv',
  '3gp',
  'ogv',
];

/** Codes that mean "this file is bad" (recorded as rejected) rather than "the tool failed" (thrown). */
const MEDIA_REJECT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'NOT_A_VIDEO',
  'NO_VIDEO_STREAM',
  'UNSUPPORTED_CODEC',
  'TRUNCATED',
  'UNREADABLE',
  'PROBE_TIMEOUT',
  'FFMPEG_FAILED',
]);

export type ImportAction = 'added' | 'unchanged' | 'updated' | 'moved' | 'duplicate' | 'rejected';

export interface ImportOutcome {
  path: string;
  action: ImportAction;
  recordingId: number | null;
  /** For duplicates: the recording holding the same content. */
  duplicateOf?: number;
  /** For moved files: where the recording used to be. */
  movedFrom?: string;
  code?: ErrorCode;
  reason?: string;
}

export interface ImportOptions {
  media: MediaSource;
  signal: AbortSignal;
  /** Extensions (without dot, case-insensitive) a folder walk accepts; default DEFAULT_VIDEO_EXTENSIONS. */
  extensions?: string[];
  onProgress?(done: number, total: number, path: string): void;
  now?: () => Date;
}

export interface ImportReport {
  results: ImportOutcome[];
  /** Files a folder walk passed over because of their extension. */
  skipped: number;
  counts: Record<ImportAction, number>;
  /** Ready recordings whose file was gone when the import ended, now marked 'missing'. */
  missing: number;
}

/** Imports files/folders; every file ends as added, unchanged, updated, moved, duplicate or rejected (with a code). */
export async function importPaths(lib: Library, paths: string[], opts: ImportOptions): Promise<ImportReport> {
  const now = opts.now ?? (() => new Date());
  const { files, rejected, skipped } = walkImportPaths(paths, opts.extensions ?? DEFAULT_VIDEO_EXTENSIONS);
  const results: ImportOutcome[] = rejected.map((r) => ({
    path: r.path,
    action: 'rejected',
    recordingId: null,
    code: r.code,
    reason: r.reason,
  }));
  let done = 0;
  for (const file of files) {
    throwIfCancelled(opts.signal, 'The import');
    results.push(await importOneReported(lib, file, opts, now));
    opts.onProgress?.(++done, files.length, file);
  }
  const counts: Record<ImportAction, number> = {
    added: 0,
    unchanged: 0,
    updated: 0,
    moved: 0,
    duplicate: 0,
    rejected: 0,
  };
  for (const r of results) counts[r.action]++;
  // An import is the library's rescan: recordings whose file has gone since become 'missing' (kept, so importing
  // the file from its new place later is recognised as a move).
  return { results, skipped, counts, missing: markMissing(lib, now) };
}

/**
 * One file's outcome. A file that vanished or changed while it was read is rejected (not stored as ready); any other
 * per-file failure becomes that file's rejection, so one bad file never ends the import. Only cancelling and the
 * library's own trouble (disk full, I/O error, damage) stop it.
 */
async function importOneReported(
  lib: Library,
  path: string,
  opts: ImportOptions,
  now: () => Date,
): Promise<ImportOutcome> {
  try {
    return await importOne(lib, path, opts, now);
  } catch (err) {
    if (opts.signal.aborted) throw err;
    const disk = storageError(err, lib.path);
    if (disk) throw disk;
    if (!(err instanceof AppError) || err.code === 'CANCELLED' || err.code.startsWith('LIBRARY_')) throw err;
    const gone = !existsSync(path);
    return {
      path,
      action: 'rejected',
      recordingId: null,
      code: gone ? 'NOT_FOUND' : err.code,
      reason: gone ? `${path} vanished while it was being imported.` : err.message,
    };
  }
}

/** A file's identity: the same device, inode, size and modification time means the same bytes were imported. */
function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** After a probe: null when the file is still the one that was hashed, else why it cannot be recorded. */
function changedSince(path: string, before: Stats): AppError | null {
  let after: Stats;
  try {
    after = statSync(path);
  } catch {
    return new AppError('NOT_FOUND', `${path} vanished while it was being imported.`);
  }
  return sameFile(before, after)
    ? null
    : new AppError('UNREADABLE', `${path} changed while it was being imported; import it again once it is complete.`);
}

/** What hashing the file found; an unreadable file gives statError (it is recorded as rejected), a vanished one throws. */
interface Hashed {
  size: number;
  mtime: number;
  hash: string | null;
  statError: AppError | null;
  stat: Stats | null;
}

function hashForImport(path: string): Hashed {
  try {
    const h = hashRegularFile(path);
    return { size: h.stat.size, mtime: Math.round(h.stat.mtimeMs), hash: h.hash, statError: null, stat: h.stat };
  } catch (err) {
    if (err instanceof AppError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError('NOT_FOUND', `${path} vanished while it was being imported.`);
    const statError = new AppError('UNREADABLE', `Cannot read ${path}: ${(err as Error).message}`);
    return { size: 0, mtime: 0, hash: null, statError, stat: null };
  }
}

/**
 * A new path whose content is already a recording at another path: the recording moved (the old path is gone; its
 * windows and captions stay) or this is a duplicate (remembered as an alias). Null when neither.
 */
function movedOrDuplicate(
  db: Library['db'],
  path: string,
  hash: string,
  mtime: number,
  ts: string,
): ImportOutcome | null {
  const alias = aliasOf(db, path);
  const same = recordingWithContent(db, hash);
  if (!same || same.path === path) return null;
  if (same.status === 'missing' || !existsSync(same.path)) {
    // The old path is gone and this file has its content: the recording moved; its windows and captions stay.
    db.transaction(() => {
      moveRecording(db, same.id, { path, folder: dirname(path), name: basename(path), mtime, at: ts });
      deleteAlias(db, path);
    })();
    return { path, action: 'moved', recordingId: same.id, movedFrom: same.path };
  }
  if (alias === undefined) putAlias(db, path, same.id, ts);
  return { path, action: 'duplicate', recordingId: same.id, duplicateOf: same.id };
}

/** Probes a readable file; a media rejection is returned, not thrown, and a file changed since hashing throws. */
async function probeHashed(
  path: string,
  opts: ImportOptions,
  h: Hashed,
): Promise<{ probe: ProbeInfo | null; rejection: AppError | null }> {
  let probe: ProbeInfo | null = null;
  let rejection: AppError | null = h.statError;
  if (!rejection) {
    try {
      probe = await opts.media.probe(path, opts.signal);
    } catch (err) {
      if (err instanceof AppError && MEDIA_REJECT_CODES.has(err.code)) rejection = err;
      else throw err;
    }
    // What was probed must still be what was hashed: a file deleted or rewritten meanwhile is not recorded as ready.
    const changed = h.stat ? changedSince(path, h.stat) : null;
    if (changed) throw changed;
  }
  return { probe, rejection };
}

function recordingValues(
  path: string,
  { size, mtime, hash }: Hashed,
  ts: string,
  probe: ProbeInfo | null,
  rejection: AppError | null,
): RecordingValues {
  return {
    path,
    folder: dirname(path),
    name: basename(path),
    size,
    mtime,
    hash,
    ts,
    status: rejection ? 'rejected' : 'ready',
    reason_code: rejection?.code ?? null,
    reason: rejection?.message ?? null,
    duration: probe?.duration ?? null,
    width: probe?.width ?? null,
    height: probe?.height ?? null,
    fps: probe?.fps ?? null,
    codec: probe?.codec ?? null,
    probe_json: probe ? JSON.stringify(probe.raw) : null,
    recorded_at: probe?.recordedAt ?? (mtime ? new Date(mtime).toISOString() : null),
  };
}

async function importOne(lib: Library, path: string, opts: ImportOptions, now: () => Date): Promise<ImportOutcome> {
  const db = lib.db;
  const ts = now().toISOString();
  const h = hashForImport(path);
  const { size, mtime, hash } = h;
  const existing = recordingByPath(db, path);
  if (
    existing &&
    !h.statError &&
    existing.size_bytes === size &&
    existing.mtime_ms === mtime &&
    existing.content_hash === hash &&
    existing.status !== 'missing'
  ) {
    return {
      path,
      action: 'unchanged',
      recordingId: existing.id,
      ...(existing.reason_code ? { code: existing.reason_code } : {}),
    };
  }
  if (hash && !existing) {
    const outcome = movedOrDuplicate(db, path, hash, mtime, ts);
    if (outcome) return outcome;
  }
  const { probe, rejection } = await probeHashed(path, opts, h);
  const values = recordingValues(path, h, ts, probe, rejection);
  let id: number;
  if (existing) {
    // Same path, new content: the old windows and captions describe other footage, so they go.
    db.transaction(() => {
      if (existing.content_hash !== hash) deleteWindowsOf(db, existing.id);
      updateRecording(db, values);
    })();
    id = existing.id;
  } else {
    id = insertRecording(db, values);
  }
  if (rejection) return { path, action: 'rejected', recordingId: id, code: rejection.code, reason: rejection.message };
  return { path, action: existing ? 'updated' : 'added', recordingId: id };
}

/** Marks ready recordings whose file vanished as 'missing' (kept, so a later import can recognise the move). */
export function markMissing(lib: Library, now: () => Date = () => new Date()): number {
  const gone = readyRecordingPaths(lib.db)
    .filter((r) => !existsSync(r.path))
    .map((r) => r.id);
  markRecordingsMissing(lib.db, gone, () => now().toISOString());
  return gone.length;
}
