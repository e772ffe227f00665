// A folder's or a file's exact state (every file's path, size, mtime and sha256, symlinks as their targets), to show
// that a run left it untouched.
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Sorted lines "path size mtimeMs sha256" (or "path -> target" for a symlink) for everything under `dir`. */
export function folderSnapshot(dir: string, rel = ''): string[] {
  const out: string[] = rel === '' ? [`./ ${lstatSync(dir).mtimeMs}`] : [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = join(rel, name);
    const st = lstatSync(join(dir, p));
    if (st.isSymbolicLink()) out.push(`${p} -> ${readlinkSync(join(dir, p))}`);
    else if (st.isDirectory()) out.push(`${p}/ ${st.mtimeMs}`, ...folderSnapshot(dir, p));
    else out.push(`${p} ${st.size} ${st.mtimeMs} ${fileSha256(join(dir, p))}`);
  }
  return out;
}

/** The sha256 of a file's bytes, in hex: equal before and after a run when the run left the file untouched. */
export function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
