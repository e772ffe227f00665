// Atomic file and directory writes for exports: write to a temp sibling, then rename into place.
// A reader never sees half a file or half a bundle; a failed write leaves no temp behind.
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AppError } from '../../../api/errors.js';

const tmpName = (p: string) =>
  join(dirname(p), `.${basename(p)}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);

/** Writes a file atomically (temp + rename); the parent directory must exist. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  if (!existsSync(dirname(path))) throw new AppError('NOT_FOUND', `directory ${dirname(path)} does not exist`);
  const tmp = tmpName(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** A file of a bundle: inline content, or a copy of an existing file. */
export type BundleFile = { name: string; data: string | Uint8Array } | { name: string; copyFrom: string };

/**
 * Writes a directory of files atomically: everything goes to a temp directory that is renamed to `dir`. An existing
 * `dir` is an error unless `overwrite`, in which case it is swapped out and removed only after the new one is in place.
 */
export function writeDirAtomic(dir: string, files: readonly BundleFile[], opts: { overwrite?: boolean } = {}): void {
  if (!existsSync(dirname(dir))) throw new AppError('NOT_FOUND', `directory ${dirname(dir)} does not exist`);
  if (existsSync(dir) && !opts.overwrite) throw new AppError('INVALID_INPUT', `${dir} already exists`);
  for (const f of files) {
    if (!f.name || f.name.includes('/') || f.name.includes('\\') || f.name === '.' || f.name === '..') {
      throw new AppError('INVALID_INPUT', `bad bundle file name "${f.name}"`);
    }
  }
  const tmp = tmpName(dir);
  try {
    mkdirSync(tmp);
    for (const f of files) {
      if ('copyFrom' in f) copyFileSync(f.copyFrom, join(tmp, f.name));
      else writeFileSync(join(tmp, f.name), f.data);
    }
    if (existsSync(dir)) {
      const old = tmpName(dir);
      renameSync(dir, old);
      renameSync(tmp, dir);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, dir);
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
