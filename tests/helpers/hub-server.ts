// A loopback stand-in for the Hugging Face Hub: serves checkpoint folders in the Hub's URL layout with its headers
// (file list with blobs=true, resolve URLs, 302 to a CDN path for LFS files, ETag, X-Linked-Etag, X-Repo-Commit,
// Range/206, 401/403/404 with X-Error-Code), counts the bytes it sends, and can misbehave on purpose.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface HubRepo {
  dir: string;
  /** Needs this bearer token (401 without it, 403 with another). */
  token?: string;
  /** Extra siblings listed as they are (a hostile name, say); not served. */
  extraSiblings?: Array<Record<string, unknown>>;
}

interface Blob {
  name: string;
  data: Buffer;
  sha256: string;
  blobId: string;
  lfs: boolean;
}

export interface HubFaults {
  /** Close the connection after this many bytes of the named file, once. */
  dropAfter?: { file: string; bytes: number };
  /** Serve the named file with one byte changed (the file list keeps the true sha256). */
  flip?: { file: string };
  /** Send LFS bytes at about this rate (bytes per second), in 64 KiB slices. */
  bytesPerSecond?: number;
  /** Stop sending (but keep the connection open) after this many bytes of the named file, once. */
  stallAfter?: { file: string; bytes: number };
  /** List the named file this many bytes shorter than it is (the server then sends more than it announced). */
  listShorter?: { file: string; bytes: number };
  /** Send this X-Linked-Etag for every LFS file (a server whose headers disagree with its file list). */
  linkedEtag?: string;
  /** Redirect LFS files to this origin's /cdn/ (another server: a CDN on a different host). */
  cdnBase?: string;
}

export interface HubServer {
  url: string;
  commit(repo: string): string;
  /** Bytes of each file's content sent so far, by file name. */
  sent: Map<string, number>;
  /** Every request: path and Range header. */
  requests: Array<{ path: string; range: string | null; auth: string | null }>;
  faults: HubFaults;
  close(): Promise<void>;
}

function loadRepo(dir: string): { blobs: Map<string, Blob>; commit: string } {
  const blobs = new Map<string, Blob>();
  for (const name of readdirSync(dir).sort()) {
    if (!statSync(join(dir, name)).isFile()) continue;
    const data = readFileSync(join(dir, name));
    const sha256 = createHash('sha256').update(data).digest('hex');
    const blobId = createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
    blobs.set(name, { name, data, sha256, blobId, lfs: name.endsWith('.safetensors') || data.length >= 1_000_000 });
  }
  const commit = createHash('sha1')
    .update([...blobs.values()].map((b) => `${b.name}:${b.sha256}`).join('\n'))
    .digest('hex');
  return { blobs, commit };
}

function fail(res: ServerResponse, status: number, code: string): void {
  res.writeHead(status, { 'x-error-code': code, 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: code }));
}

/** Starts the server on 127.0.0.1 with the given repos (`owner/name` → folder). */
export async function startHubServer(repos: Record<string, HubRepo>, faults: HubFaults = {}): Promise<HubServer> {
  const loaded = new Map(Object.entries(repos).map(([id, r]) => [id, { ...r, ...loadRepo(r.dir) }]));
  const sent = new Map<string, number>();
  const requests: HubServer['requests'] = [];
  const state = { dropped: false, stalled: false };
  const byHash = new Map<string, { blob: Blob; commit: string }>();
  for (const r of loaded.values())
    for (const b of r.blobs.values()) if (b.lfs) byHash.set(b.sha256, { blob: b, commit: r.commit });

  const authorize = (req: IncomingMessage, res: ServerResponse, r: HubRepo): boolean => {
    if (!r.token) return true;
    const auth = req.headers.authorization;
    if (!auth) return (fail(res, 401, 'GatedRepo'), false);
    if (auth !== `Bearer ${r.token}`) return (fail(res, 403, 'GatedRepo'), false);
    return true;
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ path: url.pathname, range: req.headers.range ?? null, auth: req.headers.authorization ?? null });
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
    if (cdn) return serveBytes(req, res, byHash.get(cdn[1]!));
    const m = api ?? resolve;
    const repo = m ? loaded.get(decodeURIComponent(m[1]!)) : undefined;
    if (!m || !repo) return fail(res, 401, 'RepoNotFound');
    if (!authorize(req, res, repo)) return;
    const rev = decodeURIComponent(m[2]!);
    if (rev !== 'main' && rev !== repo.commit) return fail(res, 404, 'RevisionNotFound');
    if (api) return list(res, repo);
    const blob = repo.blobs.get(decodeURIComponent(m[3]!));
    if (!blob) return fail(res, 404, 'EntryNotFound');
    const common = { 'x-repo-commit': repo.commit, etag: `"${blob.lfs ? blob.sha256 : blob.blobId}"` };
    if (blob.lfs) {
      const linkedSize = blob.data.length - (faults.listShorter?.file === blob.name ? faults.listShorter.bytes : 0);
      res.writeHead(302, {
        ...common,
        location: `${faults.cdnBase ?? ''}/cdn/${blob.sha256}`,
        'x-linked-etag': `"${faults.linkedEtag ?? blob.sha256}"`,
        'x-linked-size': String(linkedSize),
      });
      res.end();
      return;
    }
    serveBytes(req, res, { blob, commit: repo.commit }, common);
  });

  function list(
    res: ServerResponse,
    repo: { blobs: Map<string, Blob>; commit: string; extraSiblings?: Array<Record<string, unknown>> },
  ): void {
    const listed = (b: Blob) => b.data.length - (faults.listShorter?.file === b.name ? faults.listShorter.bytes : 0);
    const siblings = [...repo.blobs.values()].map((b) => ({
      rfilename: b.name,
      size: listed(b),
      blobId: b.lfs ? createHash('sha1').update(b.sha256).digest('hex') : b.blobId,
      ...(b.lfs ? { lfs: { sha256: b.sha256, size: listed(b), pointerSize: 134 } } : {}),
    }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'x', sha: repo.commit, siblings: [...siblings, ...(repo.extraSiblings ?? [])] }));
  }

  function serveBytes(
    req: IncomingMessage,
    res: ServerResponse,
    found: { blob: Blob; commit: string } | undefined,
    headers: Record<string, string> = {},
  ): void {
    if (!found) return fail(res, 404, 'EntryNotFound');
    const { blob } = found;
    let data = blob.data;
    if (faults.flip?.file === blob.name) {
      data = Buffer.from(data);
      data[data.length >> 1]! ^= 0xff;
    }
    const size = data.length;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (start >= size && range) {
      res.writeHead(416, { 'content-range': `bytes */${size}` });
      res.end();
      return;
    }
    const h = {
      ...headers,
      'content-length': String(size - start),
      'accept-ranges': 'bytes',
      etag: `"${blob.lfs ? blob.sha256 : blob.blobId}"`,
    };
    res.writeHead(range ? 206 : 200, range ? { ...h, 'content-range': `bytes ${start}-${size - 1}/${size}` } : h);
    const drop = faults.dropAfter?.file === blob.name && !state.dropped ? faults.dropAfter.bytes : Infinity;
    const stall = faults.stallAfter?.file === blob.name && !state.stalled ? faults.stallAfter.bytes : Infinity;
    void pump(
      res,
      blob.name,
      data,
      start,
      Math.min(drop, stall),
      blob.lfs ? faults.bytesPerSecond : undefined,
      stall < drop,
    );
  }

  async function pump(
    res: ServerResponse,
    name: string,
    data: Buffer,
    start: number,
    dropAt: number,
    rate: number | undefined,
    stallOnly: boolean,
  ): Promise<void> {
    const slice = 64 * 1024;
    for (let off = start; off < data.length; off += slice) {
      if (res.destroyed) return;
      let end = Math.min(off + slice, data.length);
      if (dropAt < Infinity && end >= dropAt) end = Math.max(off, dropAt);
      const chunk = data.subarray(off, end);
      sent.set(name, (sent.get(name) ?? 0) + chunk.length);
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
      if (end === dropAt && stallOnly) {
        // Silent from here on; the client has to notice by itself. The socket closes with the server.
        state.stalled = true;
        return;
      }
      if (end === dropAt) {
        state.dropped = true;
        // Let the bytes reach the client before the connection is cut.
        await new Promise((r) => setTimeout(r, 50));
        res.socket?.destroy();
        return;
      }
      if (rate) await new Promise((r) => setTimeout(r, (chunk.length / rate) * 1000));
    }
    res.end();
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    commit: (repo) => loaded.get(repo)!.commit,
    sent,
    requests,
    faults,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
