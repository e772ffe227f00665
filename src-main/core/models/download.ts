// Downloads a Molmo2 checkpoint over the Hub protocol into the models directory: pins the revision to a commit,
// checks config.json before the big files and the free disk space, fetches files in parallel (resumable, verified)
// and lists the model as ready only when every file is verified and the checkpoint loads.
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../api/errors.js';
import { loadCheckpoint } from '../molmo2/checkpoint/load.js';
import { parseMolmo2Config } from '../molmo2/checkpoint/config.js';
import { bytesOnDisk, fetchFile, PART_SUFFIX } from './fetch-file.js';
import { hubOptions, revisionInfo, type HubFile, type HubOptions } from './hub-client.js';
import { checkRevision, repoFolderName } from './names.js';
import { createByteMeter, type ByteProgress } from './progress.js';
import { findModel, putModel, readRegistry, updateRegistry, isUsable, type InstalledModel } from './registry.js';
import { forgetModel } from './manage.js';
import { LOCK_FILE, takeDownloadLock } from './lock.js';
import { resolveSource, selectFiles, type DownloadSource } from './source.js';

export interface DownloadProgress extends ByteProgress {
  id: string;
  repo: string;
  commit: string | null;
  phase: 'listing' | 'fetching' | 'verifying' | 'done';
  filesDone: number;
  filesTotal: number;
}

/** The figures of a download that has fetched nothing yet (its listing step, or one an earlier run left unfinished). */
export const NOTHING_FETCHED = {
  doneBytes: 0,
  totalBytes: 0,
  bytesPerSecond: 0,
  etaSeconds: null,
  filesDone: 0,
  filesTotal: 0,
} as const;

export interface DownloadOptions {
  modelsDir: string;
  env: NodeJS.ProcessEnv;
  /** Free bytes at a folder (default: statfs); tests pass a small number to see the refusal. */
  diskFree?: (dir: string) => number;
  /** Files fetched at once (default 4). */
  concurrency?: number;
  /** A file transfer silent for this long is dropped and resumed (default 60 s). */
  idleTimeoutMs?: number;
  onProgress?: (p: DownloadProgress) => void;
  now?: () => number;
}

export interface DownloadResult {
  model: InstalledModel;
  /** True when the same commit was already installed and verified: nothing was fetched. */
  alreadyInstalled: boolean;
}

type SizedFile = HubFile & { size: number };
const GB = 1e9;

function freeBytes(dir: string): number {
  const st = statfsSync(dir);
  return st.bavail * st.bsize;
}

/** Refuses a Molmo2 config this build cannot run, and anything that is not a Molmo2 config. */
function checkMolmo2Config(dir: string, repo: string): void {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  } catch {
    throw new AppError('MODEL_UNSUPPORTED', `${repo}: config.json is not JSON, so this is not a Molmo2 checkpoint`);
  }
  const type = (json as { model_type?: unknown })?.model_type;
  if (type !== 'molmo2')
    throw new AppError(
      'MODEL_UNSUPPORTED',
      `${repo} is not a Molmo2 checkpoint (config.json model_type ${JSON.stringify(type ?? null)})`,
    );
  parseMolmo2Config(json);
}

/** Refuses to start when the bytes still to fetch do not fit: DISK_FULL with both numbers. */
function checkDisk(dir: string, files: SizedFile[], free: (dir: string) => number): { total: number; have: number } {
  const total = files.reduce((s, f) => s + f.size, 0);
  const have = files.reduce((s, f) => s + bytesOnDisk(dir, f.name, f.size), 0);
  const avail = free(dir);
  if (total - have > avail) {
    throw new AppError(
      'DISK_FULL',
      `the download needs ${((total - have) / GB).toFixed(2)} GB more but only ${(avail / GB).toFixed(2)} GB is free at ${dir}; free space or set MOLMOSCOPE_HOME to a larger disk`,
      { neededBytes: total - have, freeBytes: avail },
    );
  }
  return { total, have };
}

/** Removes files of an older commit (and their parts) from a folder the downloader owns. */
function removeStrays(dir: string, files: SizedFile[]): void {
  const keep = new Set([LOCK_FILE, ...files.flatMap((f) => [f.name, f.name + PART_SUFFIX])]);
  for (const name of readdirSync(dir)) {
    if (!keep.has(name) && statSync(join(dir, name)).isFile()) rmSync(join(dir, name), { force: true });
  }
}

/** Runs `work` on every item with at most `limit` at once; the first failure stops new starts and is thrown. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown = null;
  const worker = async () => {
    while (failed === null && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== null) throw failed;
}

function entryFor(
  src: DownloadSource,
  dir: string,
  revision: string,
  commit: string,
  hub: HubOptions,
  now: number,
): InstalledModel {
  return {
    id: src.id,
    source: 'hub',
    dir,
    state: 'downloading',
    repo: src.repo,
    revision,
    commit,
    endpoint: hub.endpoint,
    ...(src.catalogue ? { catalogueId: src.catalogue.id } : {}),
    bytes: 0,
    addedAt: new Date(now).toISOString(),
  };
}

interface Plan {
  src: DownloadSource;
  hub: HubOptions;
  commit: string;
  files: SizedFile[];
  dir: string;
  trust: boolean;
  isNew: boolean;
  idleMs: number;
  report: (p: Omit<DownloadProgress, 'id' | 'repo'>) => void;
}

/** Downloads (or resumes) a model; throws CANCELLED on abort, leaving verified files and parts for a rerun. */
export async function downloadModel(
  source: string,
  revisionIn: string | undefined,
  o: DownloadOptions,
  signal: AbortSignal,
): Promise<DownloadResult> {
  const src = resolveSource(source);
  const hub = hubOptions(o.env);
  const now = o.now ?? Date.now;
  const existing = findModel(readRegistry(o.modelsDir), src.id);
  if (existing?.source === 'folder')
    throw new AppError(
      'INVALID_INPUT',
      `"${src.id}" is a folder added in place; remove it first (molmoscope model remove ${src.id})`,
    );
  // A rerun of an unfinished download continues at the commit it pinned, unless another revision is asked for.
  const revision = checkRevision(
    revisionIn ?? (existing?.state === 'downloading' ? existing.commit : undefined) ?? 'main',
  );
  const report = (p: Omit<DownloadProgress, 'id' | 'repo'>) => o.onProgress?.({ id: src.id, repo: src.repo, ...p });
  report({ phase: 'listing', commit: null, ...NOTHING_FETCHED });
  const info = await revisionInfo(src.repo, revision, hub, signal);
  if (existing && existing.state === 'ready' && existing.commit === info.commit && isUsable(existing))
    return { model: existing, alreadyInstalled: true };
  const files = selectFiles(info);
  const dir = join(o.modelsDir, repoFolderName(src.repo));
  mkdirSync(dir, { recursive: true });
  const release = takeDownloadLock(dir);
  try {
    updateRegistry(o.modelsDir, (reg) =>
      putModel(reg, entryFor(src, dir, revisionIn ?? existing?.revision ?? 'main', info.commit, hub, now())),
    );
    const plan: Plan = {
      src,
      hub,
      commit: info.commit,
      files,
      dir,
      trust: existing?.commit === info.commit,
      isNew: !existing,
      idleMs: o.idleTimeoutMs ?? 60_000,
      report,
    };
    const model = await install(plan, o, now, signal);
    return { model, alreadyInstalled: false };
  } finally {
    release();
  }
}

/** Fetches config.json and checks it, checks the disk, fetches the rest, loads the result, marks it ready. */
async function install(p: Plan, o: DownloadOptions, now: () => number, signal: AbortSignal): Promise<InstalledModel> {
  const target = (file: SizedFile) => ({ repo: p.src.repo, commit: p.commit, dir: p.dir, file, idleMs: p.idleMs });
  await fetchFile(target(p.files.find((f) => f.name === 'config.json')!), p.hub, p.trust, () => {}, signal);
  try {
    checkMolmo2Config(p.dir, p.src.repo);
  } catch (err) {
    if (p.isNew) forgetModel(o.modelsDir, p.src.id, true);
    throw err;
  }
  const { total, have } = checkDisk(p.dir, p.files, o.diskFree ?? freeBytes);
  removeStrays(p.dir, p.files);
  let filesDone = 0;
  const filesTotal = p.files.length;
  const meter = createByteMeter(total, have, now, (b) =>
    p.report({ phase: 'fetching', commit: p.commit, ...b, filesDone, filesTotal }),
  );
  // The first failed file stops the others (a corrupt shard should not wait for four more gigabytes).
  const stop = new AbortController();
  const both = AbortSignal.any([signal, stop.signal]);
  await pool(p.files, o.concurrency ?? 4, async (file) => {
    await fetchFile(target(file), p.hub, p.trust, (n) => meter.add(n), both).catch((err: unknown) => {
      stop.abort();
      throw err;
    });
    filesDone++;
  });
  const done = meter.flush();
  p.report({ phase: 'verifying', commit: p.commit, ...done, filesDone, filesTotal });
  await loadCheckpoint(p.dir);
  const model = finishEntry(o.modelsDir, p.src.id, total);
  p.report({ phase: 'done', commit: p.commit, ...done, etaSeconds: 0, filesDone, filesTotal });
  return model;
}

/** Marks a download ready (and the default when there is none); returns the entry. */
function finishEntry(modelsDir: string, id: string, bytes: number): InstalledModel {
  return updateRegistry(modelsDir, (reg) => {
    const m = findModel(reg, id);
    if (!m) throw new AppError('NOT_FOUND', `model ${id} was removed while it downloaded`);
    const ready: InstalledModel = { ...m, state: 'ready', bytes };
    putModel(reg, ready);
    if (!reg.default || !findModel(reg, reg.default)) reg.default = id;
    return ready;
  });
}
