// Installed models: list the usable ones, choose the default, add a folder (or a Hugging Face cache snapshot) in
// place, and remove a model. Folders added in place are never written to or deleted; downloads are ours to delete.
import { existsSync, readFileSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, isAbsolute } from 'node:path';
import { AppError } from '../../api/errors.js';
import { loadCheckpoint } from '../molmo2/checkpoint/load.js';
import { removeDerivedFiles } from '../platform/model-cache.js';
import { downloadingPid } from './lock.js';
import { isCommit, isModelId, isRepoId } from './names.js';
import { catalogueEntry } from './source.js';
import { findModel, isUsable, putModel, readRegistry, updateRegistry, type InstalledModel } from './registry.js';

export interface ListedModel extends InstalledModel {
  isDefault: boolean;
}

/** The usable models (verified complete, folder present), the default marked. */
export function listModels(modelsDir: string): ListedModel[] {
  const reg = readRegistry(modelsDir);
  const def = reg.default ? findModel(reg, reg.default) : null;
  return reg.models.filter(isUsable).map((m) => ({ ...m, isDefault: m.id === def?.id }));
}

/** Entries still downloading (for the UI: resume or discard). */
export function unfinishedDownloads(modelsDir: string): InstalledModel[] {
  return readRegistry(modelsDir).models.filter((m) => m.state === 'downloading');
}

function requireModel(modelsDir: string, key: string): InstalledModel {
  const m = findModel(readRegistry(modelsDir), key);
  if (!m) throw new AppError('NOT_FOUND', `no installed model "${key.slice(0, 200)}" (see molmoscope model list)`);
  return m;
}

/** Makes a usable model the default one. */
export function useModel(modelsDir: string, key: string): InstalledModel {
  const m = requireModel(modelsDir, key);
  if (!isUsable(m))
    throw new AppError(
      'MODEL_INVALID',
      `model ${m.id} is not usable (${m.state === 'ready' ? `its folder ${m.dir} is gone` : 'its download is unfinished: run molmoscope model download again'})`,
    );
  updateRegistry(modelsDir, (reg) => (reg.default = m.id));
  return m;
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** Drops an entry; with `deleteFiles`, also deletes its folder when the downloader owns it (inside the models dir). */
export function forgetModel(modelsDir: string, id: string, deleteFiles: boolean): InstalledModel | null {
  return updateRegistry(modelsDir, (reg) => {
    const m = findModel(reg, id);
    if (!m) return null;
    reg.models = reg.models.filter((x) => x.id !== m.id);
    if (reg.default === m.id) reg.default = null;
    if (deleteFiles && m.source === 'hub' && isInside(resolve(modelsDir), resolve(m.dir)))
      rmSync(m.dir, { recursive: true, force: true });
    return m;
  });
}

/**
 * Removes a model: a download's files are deleted, a folder added in place is only forgotten; the checkpoint's
 * derived files (compiled graphs, converted weights) in the cache go with either.
 */
export function removeModel(modelsDir: string, key: string, env: NodeJS.ProcessEnv): InstalledModel {
  const m = requireModel(modelsDir, key);
  const pid = m.source === 'hub' ? downloadingPid(m.dir) : null;
  if (pid !== null)
    throw new AppError(
      'JOB_CONFLICT',
      `${m.id} is being downloaded (process ${pid}): pause or cancel that download first`,
    );
  forgetModel(modelsDir, m.id, true);
  // After the download's files are gone: derived folders are found by the source they recorded, not by identity.
  removeDerivedFiles(env, m.dir);
  return m;
}

/** A Hugging Face cache repo folder (`models--org--name`) → its snapshot for refs/main; other folders as they are. */
export function resolveCheckpointFolder(path: string): { dir: string; repo: string | null } {
  const abs = resolve(path);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new AppError('NOT_FOUND', `${abs} is not a folder`);
  const repoOf = (name: string) => {
    const m = /^models--([^/]+?)--(.+)$/.exec(name);
    const repo = m ? `${m[1]}/${m[2]}` : null;
    return repo && isRepoId(repo) ? repo : null;
  };
  if (existsSync(join(abs, 'snapshots')) && repoOf(basename(abs))) {
    const ref = existsSync(join(abs, 'refs', 'main')) ? readFileSync(join(abs, 'refs', 'main'), 'utf8').trim() : '';
    const snaps = readdirSync(join(abs, 'snapshots')).filter(isCommit);
    const pick = isCommit(ref) && snaps.includes(ref) ? ref : snaps.length === 1 ? snaps[0] : null;
    if (!pick)
      throw new AppError(
        'INVALID_INPUT',
        `${abs} is a Hugging Face cache folder with ${snaps.length} snapshots and no refs/main: give the snapshot folder itself`,
      );
    return { dir: join(abs, 'snapshots', pick), repo: repoOf(basename(abs)) };
  }
  const parent = basename(resolve(abs, '..', '..'));
  return { dir: abs, repo: basename(resolve(abs, '..')) === 'snapshots' ? repoOf(parent) : null };
}

function folderBytes(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const st = statSync(join(dir, name));
    if (st.isFile()) n += st.size;
  }
  return n;
}

function freeId(existing: Set<string>, base: string): string {
  const clean =
    base
      .toLowerCase()
      .replace(/[^a-z0-9._/-]+/g, '-')
      .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
      .slice(0, 100) || 'model';
  if (!existing.has(clean)) return clean;
  for (let i = 2; i < 1000; i++) if (!existing.has(`${clean}-${i}`)) return `${clean}-${i}`;
  throw new AppError('INVALID_INPUT', `too many models named ${clean}`);
}

/** Adds a checkpoint folder (or HF cache snapshot) in place after validating it loads as a Molmo2 checkpoint. */
export async function addFolder(modelsDir: string, path: string, idIn?: string): Promise<InstalledModel> {
  const { dir, repo } = resolveCheckpointFolder(path);
  await loadCheckpoint(dir);
  if (idIn !== undefined && !isModelId(idIn))
    throw new AppError(
      'INVALID_INPUT',
      `"${idIn.slice(0, 200)}" is not a model id (lowercase letters, digits, . _ - /)`,
    );
  const real = realpathSync(dir);
  return updateRegistry(modelsDir, (reg) => {
    // Adding the same folder again replaces its entry (under the new id, if one is given).
    const same = reg.models.find((m) => m.source === 'folder' && m.dir === real);
    reg.models = reg.models.filter((m) => m !== same);
    if (idIn && reg.models.some((m) => m.id === idIn))
      throw new AppError('INVALID_INPUT', `a model named ${idIn} is already installed; choose another --id`);
    const cat = repo ? catalogueEntry(repo) : null;
    const id = idIn ?? same?.id ?? freeId(new Set(reg.models.map((m) => m.id)), cat?.id ?? repo ?? basename(real));
    if (same && reg.default === same.id) reg.default = id;
    const m: InstalledModel = {
      id,
      source: 'folder',
      dir: real,
      state: 'ready',
      ...(repo ? { repo } : {}),
      bytes: folderBytes(real),
      addedAt: new Date().toISOString(),
    };
    if (cat) m.catalogueId = cat.id;
    putModel(reg, m);
    if (!reg.default || !findModel(reg, reg.default)) reg.default = id;
    return m;
  });
}
