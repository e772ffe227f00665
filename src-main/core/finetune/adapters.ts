// Adapters beside the base model: activate one for the library (the host then runs the base with it merged, and the
// model id of every window and result names it), rename, delete, export as a PEFT folder.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import { AppError } from '../../api/errors.js';
import type { CoreContext } from '../context.js';
import type { Library } from '../library/store.js';
import { configuredModelDir, switchModelDir } from '../molmo2/model-host.js';
import { modelCacheDir } from '../platform/model-cache.js';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS } from './adapter.js';
import { activeAdapter, deleteAdapterRow, getAdapter, setActiveAdapter } from './ft-adapters-store.js';
import { listEvals } from './ft-evals-store.js';
import type { FtAdapter } from './types.js';
import { adapterModelDir } from './use-adapter.js';
import { writeJsonAtomic } from './trainer.js';

/** Where the hosts keep adapters they train (app data, beside the libraries). */
export const adaptersDir = (ctx: CoreContext): string => join(ctx.paths.data, 'adapters');

/** Context state: the model directory the host ran before a library's adapter replaced it. */
const REPLACED_KEY = 'finetune.replacedModel';

/**
 * When a library opens, points the host's model at its active adapter (already merged: a missing merged copy is not
 * rebuilt here, which could take minutes, and the base stays), or back at the model an earlier library's adapter replaced.
 */
export async function applyLibraryAdapter(ctx: CoreContext, lib: Library): Promise<void> {
  const a = activeAdapter(lib);
  const replaced = ctx.state.get(REPLACED_KEY) as string | undefined;
  if (a?.mergedModel && existsSync(a.mergedModel)) {
    if (replaced === undefined) ctx.state.set(REPLACED_KEY, configuredModelDir(ctx) ?? a.baseModel);
    if (configuredModelDir(ctx) !== a.mergedModel) await switchModelDir(ctx, a.mergedModel);
  } else if (replaced !== undefined) {
    ctx.state.delete(REPLACED_KEY);
    await switchModelDir(ctx, replaced);
  }
}

/**
 * Makes adapter `id` the library's active one (null: the base alone) and points the host's model at it: the base
 * with the adapter merged (a cached copy keyed by both hashes), whose directory is the model id runs record.
 */
export async function activateAdapter(ctx: CoreContext, lib: Library, id: number | null): Promise<FtAdapter | null> {
  if (id === null) {
    const cur = activeAdapter(lib);
    setActiveAdapter(lib, null);
    ctx.state.delete(REPLACED_KEY);
    if (cur) await switchModelDir(ctx, cur.baseModel);
    return null;
  }
  const a = getAdapter(lib, id);
  const { modelDir } = adapterModelDir(a.baseModel, a.dir, modelCacheDir(ctx.env, a.baseModel));
  setActiveAdapter(lib, id, modelDir);
  if (!ctx.state.has(REPLACED_KEY)) ctx.state.set(REPLACED_KEY, configuredModelDir(ctx) ?? a.baseModel);
  await switchModelDir(ctx, modelDir);
  return getAdapter(lib, id);
}

/** Deletes an adapter (JOB_CONFLICT while active); its folder goes too when it is one the app trained. */
export function deleteAdapter(ctx: CoreContext, lib: Library, id: number): void {
  const a = getAdapter(lib, id);
  if (a.active)
    throw new AppError('JOB_CONFLICT', `Adapter ${id} is active; switch to the base model or another adapter first.`);
  deleteAdapterRow(lib, id);
  const rel = relative(adaptersDir(ctx), a.dir);
  if (rel && !rel.startsWith('..') && !isAbsolute(rel)) rmSync(a.dir, { recursive: true, force: true });
}

/** Copies an adapter as a PEFT folder (adapter_model.safetensors + adapter_config.json) and its provenance into `dest`. */
export function exportPeft(lib: Library, id: number, dest: string): { dir: string; files: string[] } {
  const a = getAdapter(lib, id);
  if (existsSync(dest) && (!statSync(dest).isDirectory() || readdirSync(dest).length > 0))
    throw new AppError('INVALID_INPUT', `${dest} exists and is not an empty folder`);
  for (const f of [ADAPTER_WEIGHTS, ADAPTER_CONFIG])
    if (!existsSync(join(a.dir, f))) throw new AppError('NOT_FOUND', `adapter ${id} has no ${f} in ${a.dir}`);
  try {
    mkdirSync(dest, { recursive: true });
    for (const f of [ADAPTER_WEIGHTS, ADAPTER_CONFIG]) copyFileSync(join(a.dir, f), join(dest, f));
  } catch (err) {
    throw new AppError('INVALID_INPUT', `cannot write ${dest}: ${(err as Error).message}`);
  }
  const metrics =
    a.datasetId !== null ? listEvals(lib, a.datasetId).filter((e) => e.adapterId === a.id || e.adapterId === null) : [];
  writeJsonAtomic(join(dest, 'molmoscope-provenance.json'), {
    name: a.name,
    sha256: a.sha256,
    baseModel: a.baseModel,
    dataset: a.datasetLabel,
    settings: a.settings,
    metrics,
  });
  return { dir: dest, files: [ADAPTER_WEIGHTS, ADAPTER_CONFIG, 'molmoscope-provenance.json'] };
}
