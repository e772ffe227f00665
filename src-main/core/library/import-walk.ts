// Lists what an import was given: regular files to import, and every other entry it met (named pipes, devices,
// broken or looping links, names that are not UTF-8, folders it cannot list) as a rejected outcome with a reason.
import { readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { ErrorCode } from '../../api/errors.js';

/** An entry that cannot be imported, and why (reported, never dropped). */
export interface WalkRejection {
  path: string;
  code: ErrorCode;
  reason: string;
}

export interface WalkResult {
  /** Regular files to import (a folder walk keeps those with a wanted extension), sorted, de-duplicated. */
  files: string[];
  rejected: WalkRejection[];
  /** Files a folder walk passed over because of their extension (hidden names are never candidates). */
  skipped: number;
}

/** What kind of non-regular file this is, for a message. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** stat() following links, with a link's failure put in words (broken link, link loop, vanished, unreadable). */
function statEntry(p: string): { st: Stats } | { rejection: WalkRejection } {
  try {
    return { st: statSync(p) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP')
      return {
        rejection: { path: p, code: 'UNREADABLE', reason: `${p} is a symbolic link loop (it never reaches a file).` },
      };
    if (code === 'ENOENT')
      return {
        rejection: { path: p, code: 'NOT_FOUND', reason: `${p} does not exist (a broken link, or it vanished).` },
      };
    return { rejection: { path: p, code: 'UNREADABLE', reason: `Cannot read ${p}: ${(err as Error).message}` } };
  }
}

/** A name as the file system holds it, or a rejection when its bytes are not UTF-8 (a path string could not name it). */
function entryName(dir: string, raw: Buffer): { name: string } | { rejection: WalkRejection } {
  const name = raw.toString('utf8');
  if (Buffer.from(name, 'utf8').equals(raw)) return { name };
  const shown = join(dir, name);
  return {
    rejection: {
      path: shown,
      code: 'UNREADABLE',
      reason: `The file name in ${dir} is not valid UTF-8 (bytes ${raw.toString('hex')}); rename it to import it.`,
    },
  };
}

/** The rejection of a path that is neither a folder nor a regular file (a socket, a device, a FIFO…). */
function notARegularFile(p: string, st: Stats): WalkRejection {
  return { path: p, code: 'NOT_A_VIDEO', reason: `${p} is ${kindOf(st)}; only regular files are imported.` };
}

/** Lists candidate files under the given paths; everything met that is not imported is accounted for. */
export function walkImportPaths(paths: string[], extensions: string[]): WalkResult {
  const exts = new Set(extensions.map((e) => e.toLowerCase().replace(/^\./, '')));
  const out = { files: new Set<string>(), rejected: [] as WalkRejection[], skipped: 0, seenDirs: new Set<string>() };
  for (const raw of paths) {
    const p = resolve(raw);
    const s = statEntry(p);
    if ('rejection' in s) out.rejected.push(s.rejection);
    else if (s.st.isDirectory()) walkDir(p, exts, out);
    else if (s.st.isFile()) out.files.add(p);
    else out.rejected.push(notARegularFile(p, s.st));
  }
  return { files: [...out.files].sort(), rejected: out.rejected, skipped: out.skipped };
}

type WalkState = { files: Set<string>; rejected: WalkRejection[]; skipped: number; seenDirs: Set<string> };

function walkDir(dir: string, exts: Set<string>, out: WalkState): void {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch (err) {
    out.rejected.push({ path: dir, code: 'UNREADABLE', reason: `Cannot resolve ${dir}: ${(err as Error).message}` });
    return;
  }
  if (out.seenDirs.has(real)) {
    out.rejected.push({
      path: dir,
      code: 'UNREADABLE',
      reason: `${dir} leads back to ${real}, a folder this import already walks (a symbolic link loop); it was not walked twice.`,
    });
    return;
  }
  out.seenDirs.add(real);
  let names: Buffer[];
  try {
    names = readdirSync(dir, { encoding: 'buffer' });
  } catch (err) {
    out.rejected.push({ path: dir, code: 'NOT_FOUND', reason: `${dir} cannot be listed: ${(err as Error).message}` });
    return;
  }
  for (const raw of names.sort(Buffer.compare)) {
    const n = entryName(dir, raw);
    if ('rejection' in n) {
      out.rejected.push(n.rejection);
      continue;
    }
    if (n.name.startsWith('.')) continue; // hidden files and folders (.thumbnails, .Trash) are not footage, by rule
    const p = join(dir, n.name);
    const s = statEntry(p);
    if ('rejection' in s) out.rejected.push(s.rejection);
    else if (s.st.isDirectory()) walkDir(p, exts, out);
    else if (!exts.has(extname(n.name).slice(1).toLowerCase())) out.skipped++;
    else if (s.st.isFile()) out.files.add(p);
    else out.rejected.push(notARegularFile(p, s.st));
  }
}
