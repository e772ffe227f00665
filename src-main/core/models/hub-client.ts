// A client for the Hugging Face Hub's HTTP protocol as huggingface_hub speaks it: the file list of a revision
// (`/api/models/{repo}/revision/{rev}?blobs=true`) and files from `/{repo}/resolve/{rev}/{file}` with redirects.
import { z } from 'zod';
import { AppError, cancelledError } from '../../api/errors.js';
import { isCommit } from './names.js';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';
const MAX_REDIRECTS = 5;
const MAX_LIST_BYTES = 16 * 1024 * 1024;

export interface HubOptions {
  endpoint: string;
  token: string | null;
}

/** The Hub endpoint (HF_ENDPOINT, default the public Hub) and token (HF_TOKEN) of an environment. */
export function hubOptions(env: NodeJS.ProcessEnv): HubOptions {
  const raw = (env.HF_ENDPOINT ?? '').trim() || DEFAULT_ENDPOINT;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('INVALID_INPUT', `HF_ENDPOINT "${raw.slice(0, 200)}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new AppError('INVALID_INPUT', `HF_ENDPOINT must be an http(s) URL, got ${url.protocol}`);
  const token = (env.HF_TOKEN ?? '').trim();
  // eslint-disable-next-line no-control-regex
  if (token.length > 1000 || /[\s\u0000-\u001f]/.test(token))
    throw new AppError('INVALID_INPUT', 'HF_TOKEN is malformed');
  return { endpoint: url.href.replace(/\/+$/, ''), token: token || null };
}

const SiblingSchema = z.object({
  rfilename: z.unknown(),
  size: z.number().int().nonnegative().optional(),
  blobId: z.string().max(64).optional(),
  lfs: z
    .object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() })
    .partial()
    .optional(),
});
const RevisionInfoSchema = z.object({ sha: z.string(), siblings: z.array(SiblingSchema).max(100_000) });

export interface HubFile {
  name: string;
  size: number | null;
  /** Git blob sha1 of a small file (its ETag). */
  blobId: string | null;
  /** sha256 of an LFS file's content. */
  sha256: string | null;
}

export interface RevisionInfo {
  commit: string;
  /** Every file of the revision, names unchecked (the caller classifies them). */
  files: Array<Omit<HubFile, 'name'> & { name: unknown }>;
}

/** What to tell a user for an HTTP status of the Hub, with the repo, revision or file named. */
export function hubHttpError(
  res: Response,
  what: { repo: string; revision: string; file?: string },
  opts: HubOptions,
): AppError {
  const code = res.headers.get('x-error-code') ?? '';
  const target = what.file ? `${what.file} in ${what.repo}@${what.revision}` : `${what.repo}@${what.revision}`;
  if (res.status === 401) {
    return opts.token
      ? new AppError(
          'HUB_UNAUTHORIZED',
          `${opts.endpoint} refused the token in HF_TOKEN for ${what.repo} (401): check the token, and that the repo id is right`,
        )
      : new AppError(
          'HUB_UNAUTHORIZED',
          `${opts.endpoint} needs a token for ${what.repo} (401): the repo is private or gated, or does not exist. Set HF_TOKEN to a token with access, and check the repo id`,
        );
  }
  if (res.status === 403) {
    return new AppError(
      'HUB_UNAUTHORIZED',
      `access to ${what.repo} is not granted (403${code ? `, ${code}` : ''}): if it is gated, accept its terms on the repo page with the account whose token is in HF_TOKEN`,
    );
  }
  if (res.status === 404) {
    if (code === 'RevisionNotFound')
      return new AppError(
        'HUB_NOT_FOUND',
        `revision "${what.revision}" does not exist in ${what.repo} (404): check --revision (a branch, tag or commit)`,
      );
    if (code === 'EntryNotFound' || what.file) return new AppError('HUB_NOT_FOUND', `${target} does not exist (404)`);
    return new AppError(
      'HUB_NOT_FOUND',
      `${what.repo} (revision ${what.revision}) was not found on ${opts.endpoint} (404): check the repo id and --revision`,
    );
  }
  if (res.status === 416) return new AppError('HUB_BAD_RESPONSE', `${target}: the server refused the byte range (416)`);
  return new AppError('HUB_UNREACHABLE', `${opts.endpoint} answered HTTP ${res.status} for ${target}; try again later`);
}

/** A network failure (or an abort) as an AppError. */
export function networkError(err: unknown, opts: HubOptions, signal?: AbortSignal): AppError {
  if (signal?.aborted || (err as Error)?.name === 'AbortError') return cancelledError('The download');
  if (err instanceof AppError) return err;
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const detail = cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
  return new AppError(
    'HUB_UNREACHABLE',
    `cannot reach ${opts.endpoint} (${detail}); check the network, or set HF_ENDPOINT to a mirror`,
  );
}

/**
 * GET with redirects followed by hand: the token goes only to the endpoint's origin, never to a CDN elsewhere.
 * `onHop` sees every response's headers (the Hub's `X-Linked-Etag` is on the redirect, not on the CDN's answer)
 * and may throw to stop before the next hop.
 */
export async function hubGet(
  url: string,
  opts: HubOptions,
  headers: Record<string, string>,
  signal: AbortSignal,
  onHop?: (h: Headers) => void,
): Promise<Response> {
  const origin = new URL(opts.endpoint).origin;
  let current = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const h: Record<string, string> = { 'user-agent': 'molmoscope', ...headers };
    if (opts.token && current.origin === origin) h.authorization = `Bearer ${opts.token}`;
    let res: Response;
    try {
      res = await fetch(current, { headers: h, redirect: 'manual', signal });
    } catch (err) {
      throw networkError(err, opts, signal);
    }
    try {
      onHop?.(res.headers);
    } catch (err) {
      await res.body?.cancel().catch(() => {});
      throw err;
    }
    if (res.status < 300 || res.status >= 400 || res.status === 304) return res;
    const loc = res.headers.get('location');
    await res.body?.cancel().catch(() => {});
    if (!loc) throw new AppError('HUB_BAD_RESPONSE', `HTTP ${res.status} from ${current.origin} without a Location`);
    current = new URL(loc, current);
    if (current.protocol !== 'https:' && current.protocol !== 'http:')
      throw new AppError('HUB_BAD_RESPONSE', `redirect to a ${current.protocol} URL refused`);
  }
  throw new AppError('HUB_BAD_RESPONSE', `more than ${MAX_REDIRECTS} redirects for ${url}`);
}

/** A response body's chunks (Node's web streams are async iterable; the DOM typings used by Electron's build say otherwise). */
export function bodyChunks(res: Response): AsyncIterable<Uint8Array> {
  return (res.body ?? []) as unknown as AsyncIterable<Uint8Array>;
}

/** Reads a response body as text, refusing more than `max` bytes. */
async function boundedText(res: Response, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of bodyChunks(res)) {
    n += (c as Uint8Array).byteLength;
    if (n > max) throw new AppError('HUB_BAD_RESPONSE', `the file list is larger than ${max} bytes`);
    chunks.push(Buffer.from(c as Uint8Array));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The commit a revision points at and its files with sizes and hashes (`blobs=true`). */
export async function revisionInfo(
  repo: string,
  revision: string,
  opts: HubOptions,
  signal: AbortSignal,
): Promise<RevisionInfo> {
  const url = `${opts.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
  const res = await hubGet(url, opts, { accept: 'application/json' }, signal);
  if (!res.ok) throw hubHttpError(res, { repo, revision }, opts);
  let json: unknown;
  try {
    json = JSON.parse(await boundedText(res, MAX_LIST_BYTES));
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('HUB_BAD_RESPONSE', `the file list of ${repo}@${revision} is not JSON`);
  }
  const r = RevisionInfoSchema.safeParse(json);
  if (!r.success)
    throw new AppError(
      'HUB_BAD_RESPONSE',
      `the file list of ${repo}@${revision} is malformed (${r.error.issues[0]?.message ?? ''})`,
    );
  if (!isCommit(r.data.sha))
    throw new AppError('HUB_BAD_RESPONSE', `the server gave no commit id for ${repo}@${revision}`);
  return {
    commit: r.data.sha,
    files: r.data.siblings.map((s) => ({
      name: s.rfilename,
      size: s.lfs?.size ?? s.size ?? null,
      blobId: s.blobId && /^[0-9a-f]{40}$/.test(s.blobId) ? s.blobId : null,
      sha256: s.lfs?.sha256 ?? null,
    })),
  };
}

/** The resolve URL of one file at a pinned commit. */
export function resolveUrl(opts: HubOptions, repo: string, commit: string, file: string): string {
  return `${opts.endpoint}/${repo}/resolve/${commit}/${encodeURIComponent(file)}`;
}
