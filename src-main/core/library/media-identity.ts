// Opens the files the media routes serve: regular files only (a FIFO or device is refused without blocking), and a
// recording only when it is still the file that was imported — size and mtime as stored, device and inode as first
// served — checked with fstat on the very descriptor the bytes are then read from (no check-then-open race).
import { closeSync, constants, fstatSync, openSync, type Stats } from 'node:fs';
import { AppError } from '../../api/errors.js';

/** An open regular file; the receiver closes `fd` (or hands it to a stream that does). */
export interface OpenFile {
  fd: number;
  size: number;
}

/** Device and inode of a file served once, by library path and recording id. */
export type IdentityMap = Map<string, { dev: number; ino: number }>;

/** Opens `path` read-only if it is a regular file; anything else is UNREADABLE (and never blocks on open). */
export function openRegular(path: string): OpenFile & { stat: Stats } {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile())
      throw new AppError('UNREADABLE', `${path} is not a regular file; only regular files are served.`);
    return { fd, size: stat.size, stat };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** What the library recorded about a recording's file. */
export interface ExpectedFile {
  key: string;
  id: number;
  path: string;
  sizeBytes: number;
  mtimeMs: number;
}

/** Opens a recording's file and checks it is the imported one; NOT_FOUND (file replaced or changed) otherwise. */
export function openRecording(expect: ExpectedFile, seen: IdentityMap): OpenFile {
  const f = openRegular(expect.path);
  const { stat } = f;
  const seenBefore = seen.get(expect.key);
  let why: string | null = null;
  if (stat.size !== expect.sizeBytes || Math.round(stat.mtimeMs) !== expect.mtimeMs)
    why = 'its size or modification time differ from the import';
  else if (seenBefore && (seenBefore.dev !== stat.dev || seenBefore.ino !== stat.ino))
    why = 'it is another file (device/inode) than the one served before';
  if (why) {
    closeSync(f.fd);
    throw new AppError(
      'NOT_FOUND',
      `The file of recording ${expect.id} was replaced or changed since it was imported (${why}); import it again.`,
    );
  }
  if (!seenBefore) seen.set(expect.key, { dev: stat.dev, ino: stat.ino });
  return { fd: f.fd, size: f.size };
}
