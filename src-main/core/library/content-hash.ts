// Fast partial content hash for de-duplicating recordings: sha256 over size + first, middle and last MiB.
// Multi-GB footage on a NAS would take minutes to hash fully; 3 MiB reads identify real video files just as well.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { AppError } from '../../api/errors.js';

const CHUNK = 1 << 20;

/**
 * Partial content hash "p1:<hex>": sha256(size ‖ first MiB ‖ middle MiB ‖ last MiB); files ≤ 3 MiB are hashed whole.
 * Why partial: import must stay interactive on terabytes of footage. Why it is safe enough: two different
 * recordings of equal byte size that also agree on their container header, middle and tail (moov/index,
 * timestamps, encoder state) do not occur in practice; a renamed or moved copy always matches.
 */
export function partialContentHash(path: string): string {
  return hashRegularFile(path).hash;
}

/**
 * The partial hash and the stat of the file that was read. Only a regular file is read: it is opened with O_NONBLOCK
 * (opening a named pipe would otherwise block until a writer appears, freezing the process) and checked with fstat
 * on the open descriptor, so a file swapped for a pipe after an earlier stat is caught too. NOT_A_VIDEO otherwise.
 */
export function hashRegularFile(path: string): { hash: string; stat: Stats } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile())
      throw new AppError(
        'NOT_A_VIDEO',
        `${path} is not a regular file (a pipe, socket or device); only regular files are imported.`,
      );
    const size = stat.size;
    const h = createHash('sha256');
    const sizeBuf = Buffer.alloc(8);
    sizeBuf.writeBigUInt64LE(BigInt(size));
    h.update(sizeBuf);
    const buf = Buffer.allocUnsafe(CHUNK);
    const readAt = (pos: number, len: number) => {
      let got = 0;
      while (got < len) {
        const n = readSync(fd, buf, got, len - got, pos + got);
        if (n === 0) break;
        got += n;
      }
      h.update(buf.subarray(0, got));
    };
    if (size <= 3 * CHUNK) {
      for (let pos = 0; pos < size; pos += CHUNK) readAt(pos, Math.min(CHUNK, size - pos));
    } else {
      readAt(0, CHUNK);
      readAt(Math.floor((size - CHUNK) / 2), CHUNK);
      readAt(size - CHUNK, CHUNK);
    }
    return { hash: 'p1:' + h.digest('hex'), stat };
  } finally {
    closeSync(fd);
  }
}
