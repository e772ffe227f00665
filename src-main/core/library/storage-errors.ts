// Turns disk trouble under a library (SQLITE_FULL, SQLITE_IOERR, ENOSPC, EIO, EROFS) into DISK_FULL or IO_ERROR with the
// free space of the library's file system in the message, so a job can pause with a reason the user can act on.
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../../api/errors.js';

/** Below this many free bytes an I/O error while writing is taken for a full disk (SQLite reports IOERR then too). */
const NEARLY_FULL_BYTES = 1 << 20;

/** Free bytes available to this user on the file system holding `path`, or null when it cannot be asked. */
export function freeBytes(path: string): number | null {
  try {
    const s = statfsSync(dirname(path));
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

/** "1.5 MB" style, for messages. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/**
 * DISK_FULL or IO_ERROR for an SQLite or fs error that means the disk under `path` is full or failing, else null.
 * SQLite reports a full disk as SQLITE_FULL while writing pages, but as SQLITE_IOERR_* when the WAL or its shared
 * memory cannot grow; both become DISK_FULL when the file system has (nearly) no room left.
 */
export function storageError(err: unknown, path: string): AppError | null {
  if (err instanceof AppError) return err.code === 'DISK_FULL' || err.code === 'IO_ERROR' ? err : null;
  const code = String((err as { code?: unknown })?.code ?? '');
  const full = code.startsWith('SQLITE_FULL') || code === 'ENOSPC';
  // EROFS: ext4 remounts itself read-only after an I/O error it cannot recover from (errors=remount-ro).
  const io = code.startsWith('SQLITE_IOERR') || code === 'EIO' || code === 'EROFS';
  if (!full && !io) return null;
  const free = freeBytes(path);
  const where = `the disk holding ${dirname(path)}`;
  const space = free === null ? 'free space unknown' : `${formatBytes(free)} free`;
  const msg = (err as Error)?.message ?? String(err);
  if (full || (free !== null && free < NEARLY_FULL_BYTES)) {
    return new AppError(
      'DISK_FULL',
      `No space left on ${where} (${space}) while using the library ${path} (${msg}). Free some space and try again (a paused job resumes where it stopped); nothing stored so far is lost.`,
      { freeBytes: free },
      { cause: err },
    );
  }
  return new AppError(
    'IO_ERROR',
    `The disk reported an I/O error on the library ${path} (${msg}; ${space}). Check the disk, then try again (a paused job resumes where it stopped).`,
    { freeBytes: free },
    { cause: err },
  );
}
