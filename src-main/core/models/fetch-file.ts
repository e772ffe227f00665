// Fetches one file of a pinned Hub revision into a model folder: resumes a partial `<name>.incomplete` with Range,
// checks size and hash (sha256 for LFS files, the git blob sha1 otherwise) and only then renames it to its name.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync, rmSync, statSync } from 'node:fs';
import { open, rename, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../api/errors.js';
import {
  bodyChunks,
  hubGet,
  hubHttpError,
  networkError,
  resolveUrl,
  type HubFile,
  type HubOptions,
} from './hub-client.js';

export const PART_SUFFIX = '.incomplete';
const RETRIES = 3;

export interface FetchTarget {
  repo: string;
  commit: string;
  dir: string;
  file: HubFile & { size: number };
  /** A transfer that sends nothing for this long is dropped and retried (a stalled connection never ends by itself). */
  idleMs: number;
}

/** A running hash of a file's bytes: sha256 of the content (LFS) or git's `blob <size>\0` sha1 (small files). */
function newHasher(file: HubFile & { size: number }): { hash: Hash; expected: string | null; kind: string } {
  if (file.sha256) return { hash: createHash('sha256'), expected: file.sha256, kind: 'sha256' };
  const h = createHash('sha1');
  h.update(`blob ${file.size}\0`);
  return { hash: h, expected: file.blobId, kind: 'git sha1' };
}

async function hashPrefix(hash: Hash, path: string, signal: AbortSignal): Promise<void> {
  for await (const c of createReadStream(path, { signal })) hash.update(c as Buffer);
}

function partSize(part: string): number {
  return existsSync(part) ? statSync(part).size : 0;
}

/** Bytes of `file` already on disk in its folder (verified or partial), for progress and the disk check. */
export function bytesOnDisk(dir: string, name: string, size: number): number {
  const final = join(dir, name);
  if (existsSync(final) && statSync(final).size === size) return size;
  return Math.min(partSize(join(dir, name + PART_SUFFIX)), size);
}

/** The Hub's headers on any hop must agree with the file list: the pinned commit, the sha256, the size. */
function checkHop(h: Headers, t: FetchTarget): void {
  const commit = h.get('x-repo-commit');
  if (commit && commit !== t.commit)
    throw new AppError(
      'HUB_BAD_RESPONSE',
      `${t.file.name}: the server sent commit ${commit.slice(0, 40)}, not the pinned ${t.commit}`,
    );
  const linked = h.get('x-linked-etag')?.replace(/^W\//, '').replace(/"/g, '');
  if (t.file.sha256 && linked && /^[0-9a-f]{64}$/.test(linked) && linked !== t.file.sha256) {
    throw new AppError(
      'HUB_BAD_RESPONSE',
      `${t.file.name}: X-Linked-Etag ${linked} disagrees with the file list's sha256 ${t.file.sha256}`,
    );
  }
  const size = h.get('x-linked-size');
  if (size !== null && /^\d+$/.test(size) && Number(size) !== t.file.size) {
    throw new AppError(
      'HUB_BAD_RESPONSE',
      `${t.file.name}: X-Linked-Size ${size} disagrees with the file list's ${t.file.size} bytes`,
    );
  }
}

/** One GET of the rest of the file, appended to the part file and hashed; returns the bytes now on disk. */
async function fetchRest(
  t: FetchTarget,
  opts: HubOptions,
  part: string,
  hash: Hash,
  have: number,
  onBytes: (n: number) => void,
  signal: AbortSignal,
): Promise<number> {
  const idle = new AbortController();
  let timer = setTimeout(() => idle.abort(), t.idleMs);
  const both = AbortSignal.any([signal, idle.signal]);
  const stalled = () =>
    new AppError(
      'HUB_UNREACHABLE',
      `${t.file.name}: no data from ${opts.endpoint} for ${Math.round(t.idleMs / 1000)} s`,
    );
  try {
    const url = resolveUrl(opts, t.repo, t.commit, t.file.name);
    // identity: a compressed transfer would make byte offsets (Range) and sizes refer to other bytes than the file's.
    const headers: Record<string, string> = {
      'accept-encoding': 'identity',
      ...(have > 0 ? { range: `bytes=${have}-` } : {}),
    };
    const res = await hubGet(url, opts, headers, both, (h) => checkHop(h, t)).catch((err: unknown) => {
      throw idle.signal.aborted && !signal.aborted ? stalled() : err;
    });
    if (res.status === 416 && have === t.file.size) return have;
    if (!res.ok) throw hubHttpError(res, { repo: t.repo, revision: t.commit, file: t.file.name }, opts);
    if (have > 0 && res.status !== 206) throw new RestartFromZero();
    if (res.status === 206 && !(res.headers.get('content-range') ?? '').startsWith(`bytes ${have}-`))
      throw new RestartFromZero();
    const fh = await open(part, 'a');
    let n = have;
    try {
      for await (const c of bodyChunks(res)) {
        clearTimeout(timer);
        timer = setTimeout(() => idle.abort(), t.idleMs);
        n += c.byteLength;
        if (n > t.file.size)
          throw new AppError(
            'MODEL_CORRUPT',
            `${t.file.name}: the server sent more than the ${t.file.size} bytes the file list gives`,
          );
        await fh.write(c);
        hash.update(c);
        onBytes(c.byteLength);
      }
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw idle.signal.aborted && !signal.aborted ? stalled() : networkError(err, opts, signal);
    } finally {
      await fh.close();
    }
    return n;
  } finally {
    clearTimeout(timer);
  }
}

class RestartFromZero extends Error {}

/** Retries fetchRest on dropped connections, resuming from what is on disk; returns the hash of the whole file. */
async function fetchWithRetries(
  t: FetchTarget,
  opts: HubOptions,
  part: string,
  onBytes: (n: number) => void,
  signal: AbortSignal,
) {
  let hasher = newHasher(t.file);
  let have = partSize(part);
  if (have > t.file.size) {
    rmSync(part, { force: true });
    have = 0;
  }
  if (have > 0) await hashPrefix(hasher.hash, part, signal);
  for (let attempt = 1; ; attempt++) {
    try {
      have = await fetchRest(t, opts, part, hasher.hash, have, onBytes, signal);
      if (have === t.file.size) return hasher;
      throw new AppError(
        'HUB_UNREACHABLE',
        `${t.file.name}: the connection ended after ${have} of ${t.file.size} bytes`,
      );
    } catch (err) {
      if (err instanceof RestartFromZero) {
        await truncate(part, 0).catch(() => {});
        onBytes(-have);
        hasher = newHasher(t.file);
        have = 0;
        continue;
      }
      if (!(err instanceof AppError) || err.code !== 'HUB_UNREACHABLE' || attempt >= RETRIES || signal.aborted)
        throw err;
      have = partSize(part);
    }
  }
}

/**
 * Makes `dir/name` the verified file of the pinned revision. A final name that exists with the right size is
 * trusted when `trustExisting` (only verified files are ever renamed to it); otherwise it is hashed again.
 */
export async function fetchFile(
  t: FetchTarget,
  opts: HubOptions,
  trustExisting: boolean,
  onBytes: (n: number) => void,
  signal: AbortSignal,
): Promise<void> {
  const final = join(t.dir, t.file.name);
  const part = final + PART_SUFFIX;
  if (existsSync(final) && statSync(final).size === t.file.size) {
    if (trustExisting) return;
    const h = newHasher(t.file);
    await hashPrefix(h.hash, final, signal);
    if (!h.expected || h.hash.digest('hex') === h.expected) return;
    rmSync(final, { force: true });
    onBytes(-t.file.size);
  } else if (existsSync(final)) {
    rmSync(final, { force: true });
  }
  const hasher = await fetchWithRetries(t, opts, part, onBytes, signal).catch((err: unknown) => {
    // Bytes beyond the announced size are not a prefix of the file: none of them may seed a resume.
    if (err instanceof AppError && err.code === 'MODEL_CORRUPT') rmSync(part, { force: true });
    throw err;
  });
  const got = hasher.hash.digest('hex');
  if (hasher.expected && got !== hasher.expected) {
    rmSync(part, { force: true });
    onBytes(-t.file.size);
    throw new AppError(
      'MODEL_CORRUPT',
      `${t.file.name} failed its ${hasher.kind} check (expected ${hasher.expected}, got ${got}); the bad file was removed: run the download again`,
    );
  }
  await rename(part, final);
}
