// Adapters beside the base model: activate one for the library (the host then runs the base with it merged, and the
// model id of every window and result names it), rename, delete, export as a PEFT folder.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import { AppError } from '../../api/errors.js';
import type { CoreContext } from '../context.js';
import type { Library } from '../library/store.js';
import { configuredAdapter, configuredModelDir, switchModel } from '../molmo2/model-host.js';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS } from './adapter.js';
import { activeAdapter, deleteAdapterRow, getAdapter, setActiveAdapter } from './ft-adapters-store.js';
import { listEvals } from './ft-evals-store.js';
import type { FtAdapter } from './types.js';
import { adapterIdSuffix, adapterRecord } from './use-adapter.js';
import { writeJsonAtomic } from './trainer.js';

/** Where the hosts keep adapters they train (app data, beside the libraries). */
export const adaptersDir = (ctx: CoreContext): string => join(ctx.paths.data, 'adapters');

/** Context state: the model directory the host ran before a library's adapter replaced it. */
const REPLACED_KEY = 'finetune.replacedModel';

/**
 * When a library opens, points the host's model at its active adapter (run as a branch beside its base), or back at
 * the model an earlier library's adapter replaced. An adapter whose folder is gone leaves the host as it is.
 */
export async function applyLibraryAdapter(ctx: CoreContext, lib: Library): Promise<void> {
  const a = activeAdapter(lib);
  const replaced = ctx.state.get(REPLACED_KEY) as string | undefined;
  if (a && existsSync(a.dir)) {
    if (configuredAdapter(ctx)?.sha256 === a.sha256) return;
    if (replaced === undefined) ctx.state.set(REPLACED_KEY, configuredModelDir(ctx) ?? a.baseModel);
    await switchModel(ctx, a.baseModel, adapterRecord(a.baseModel, a.dir));
  } else if (replaced !== undefined) {
    ctx.state.delete(REPLACED_KEY);
    await switchModel(ctx, replaced);
  }
}

/**
 * Makes adapter `id` the library's active one (null: the base alone) and points the host's model at it: the base with
 * the adapter as a branch in its graphs, whose model id (base + lora@sha) and adapter columns every later run records.
 */
export async function activateAdapter(ctx: CoreContext, lib: Library, id: number | null): Promise<FtAdapter | null> {
  if (id === null) {
    const cur = activeAdapter(lib);
    setActiveAdapter(lib, null);
    ctx.state.delete(REPLACED_KEY);
    if (cur) await switchModel(ctx, cur.baseModel);
    return null;
  }
  const a = getAdapter(lib, id);
  const record = adapterRecord(a.baseModel, a.dir);
  setActiveAdapter(lib, id, `${a.baseModel}${adapterIdSuffix(record)}`);
  if (!ctx.state.has(REPLACED_KEY)) ctx.state.set(REPLACED_KEY, configuredModelDir(ctx) ?? a.baseModel);
  await switchModel(ctx, a.baseModel, record);
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
