// One downloader per model folder across processes (the CLI and a running app): a lock file holding the owner's
// pid, taken with O_EXCL; a lock whose process is gone (kill -9) is stale and taken over.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../api/errors.js';

export const LOCK_FILE = '.molmoscope-download.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a live process downloading into `dir` (this one included), or null. */
export function downloadingPid(dir: string): number | null {
  let pid = NaN;
  try {
    pid = Number(readFileSync(join(dir, LOCK_FILE), 'utf8').trim());
  } catch {
    return null;
  }
  return Number.isInteger(pid) && pid > 0 && (pid === process.pid || alive(pid)) ? pid : null;
}

/** Takes the folder's download lock; JOB_CONFLICT while a live process holds it. Returns the release function. */
export function takeDownloadLock(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = downloadingPid(dir);
    if (pid !== null)
      throw new AppError(
        'JOB_CONFLICT',
        `this model is already being downloaded (process ${pid}); wait for it, or stop it first`,
      );
    rmSync(path, { force: true });
  }
  throw new AppError('JOB_CONFLICT', `cannot take the download lock in ${dir}`);
}
