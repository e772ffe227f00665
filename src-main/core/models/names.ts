// Validation of every name that reaches the downloader from a user or a server: repo ids, revisions, file names
// and model ids. A hostile Hub (or mirror) must not be able to write outside the model folder.
import { AppError } from '../../api/errors.js';

const REPO_PART = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;
const REVISION = /^[A-Za-z0-9._/-]{1,200}$/;
const COMMIT = /^[0-9a-f]{40}$/;
const MODEL_ID = /^[a-z0-9](?:[a-z0-9._/-]{0,126}[a-z0-9])?$/;

/** True for an `owner/name` Hugging Face repo id (Hub syntax: no `--` or `..`, ≤ 96 characters per part). */
export function isRepoId(s: string): boolean {
  const parts = s.split('/');
  if (parts.length !== 2) return false;
  return parts.every((p) => REPO_PART.test(p) && !p.includes('--') && !p.includes('..'));
}

/** Checks a repo id typed by a user; INVALID_INPUT saying the expected form. */
export function checkRepoId(s: string): string {
  if (!isRepoId(s))
    throw new AppError(
      'INVALID_INPUT',
      `"${s.slice(0, 200)}" is not a Hugging Face repo id (owner/name, e.g. allenai/Molmo2-4B)`,
    );
  return s;
}

/** Checks a revision (branch, tag, `refs/pr/N` or commit); INVALID_INPUT otherwise. */
export function checkRevision(s: string): string {
  const bad = !REVISION.test(s) || s.startsWith('/') || s.endsWith('/') || s.includes('..') || s.includes('//');
  if (bad)
    throw new AppError('INVALID_INPUT', `"${s.slice(0, 200)}" is not a revision (a branch, tag or 40-hex commit)`);
  return s;
}

/** True for a full 40-hex git commit id. */
export function isCommit(s: unknown): s is string {
  return typeof s === 'string' && COMMIT.test(s);
}

/** True for a model id in the installed registry (lowercase; catalogue ids, repo ids and folder names). */
export function isModelId(s: string): boolean {
  return MODEL_ID.test(s) && !s.includes('..') && !s.includes('//');
}

/**
 * Classifies a file name from a server's file list: `ok` (a plain top-level file), `nested` (a file in a
 * subfolder, which Molmo2 checkpoints do not use and are skipped) or `hostile` (absolute, `..`, backslashes,
 * control characters, absurd length), which refuses the whole download.
 */
export function classifyHubFileName(name: unknown): 'ok' | 'nested' | 'hostile' {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255) return 'hostile';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\:]/.test(name) || name.startsWith('/') || name.startsWith('~')) return 'hostile';
  const parts = name.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return 'hostile';
  if (parts.length > 1) return 'nested';
  return 'ok';
}

/** `allenai/Molmo2-4B` → `allenai--Molmo2-4B`: the folder name of a downloaded repo (Hub cache style). */
export function repoFolderName(repo: string): string {
  return checkRepoId(repo).replace('/', '--');
}
