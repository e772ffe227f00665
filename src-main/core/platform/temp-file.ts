// Writes a large file through a temp sibling (`<file>.tmp-<pid>`, so a cleaner can tell a dead writer's leftovers)
// that is renamed into place once complete: a reader never sees half a file, and a failed write leaves no temp behind.
import { closeSync, openSync, renameSync, rmSync } from 'node:fs';
import { AppError } from '../../api/errors.js';

/**
 * Opens `<file>.tmp-<pid>`, lets `write` fill it through its descriptor, then closes it and renames it to `file`.
 * On any error the temp is closed and removed; with `diskFull`, a full disk (ENOSPC) becomes the DISK_FULL error.
 */
export function writeThroughTemp(file: string, write: (fd: number) => void, opts: { diskFull?: boolean } = {}): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    write(fd);
    closeSync(fd);
    renameSync(tmp, file);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(tmp, { force: true });
    if (opts.diskFull && (err as NodeJS.ErrnoException).code === 'ENOSPC')
      throw new AppError('DISK_FULL', `no space to write ${file}`);
    throw err;
  }
}
