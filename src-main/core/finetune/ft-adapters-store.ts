// Rows of ft_adapters (migration 7): adapters beside their base model with provenance; at most one active.
import { AppError } from '../../api/errors.js';
import type { Library } from '../library/store.js';
import type { FtAdapter, TrainSettings } from './types.js';

interface Row {
  id: number;
  name: string;
  dir: string;
  sha256: string;
  dataset_id: number | null;
  dataset_label: string;
  base_model: string;
  job_id: number | null;
  settings_json: string;
  merged_model: string | null;
  active: number;
  created_at: string;
}

const toAdapter = (r: Row): FtAdapter => ({
  id: r.id,
  name: r.name,
  dir: r.dir,
  sha256: r.sha256,
  datasetId: r.dataset_id,
  datasetLabel: r.dataset_label,
  baseModel: r.base_model,
  jobId: r.job_id,
  settings: JSON.parse(r.settings_json) as TrainSettings,
  mergedModel: r.merged_model,
  active: r.active === 1,
  createdAt: r.created_at,
});

/** Registers a trained adapter; returns it. */
export function insertAdapter(
  lib: Library,
  a: Omit<FtAdapter, 'id' | 'active' | 'createdAt' | 'mergedModel'>,
): FtAdapter {
  const id = Number(
    lib.db
      .prepare(
        `INSERT INTO ft_adapters (name, dir, sha256, dataset_id, dataset_label, base_model, job_id, settings_json, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        a.name,
        a.dir,
        a.sha256,
        a.datasetId,
        a.datasetLabel,
        a.baseModel,
        a.jobId,
        JSON.stringify(a.settings),
        new Date().toISOString(),
      ).lastInsertRowid,
  );
  return getAdapter(lib, id);
}

/** One adapter; NOT_FOUND if absent. */
export function getAdapter(lib: Library, id: number): FtAdapter {
  const r = lib.db.prepare('SELECT * FROM ft_adapters WHERE id = ?').get(id) as Row | undefined;
  if (!r) throw new AppError('NOT_FOUND', `No adapter ${id}.`);
  return toAdapter(r);
}

/** The adapter a training job registered, if it got that far. */
export function adapterOfJob(lib: Library, jobId: number): FtAdapter | null {
  const r = lib.db.prepare('SELECT * FROM ft_adapters WHERE job_id = ?').get(jobId) as Row | undefined;
  return r ? toAdapter(r) : null;
}

/** Every adapter, newest first. */
export function listAdapters(lib: Library): FtAdapter[] {
  return (lib.db.prepare('SELECT * FROM ft_adapters ORDER BY id DESC').all() as Row[]).map(toAdapter);
}

/** Renames an adapter. */
export function renameAdapter(lib: Library, id: number, name: string): FtAdapter {
  if (lib.db.prepare('UPDATE ft_adapters SET name = ? WHERE id = ?').run(name, id).changes === 0)
    throw new AppError('NOT_FOUND', `No adapter ${id}.`);
  return getAdapter(lib, id);
}

/** Deletes an adapter's row (its evals go with it). */
export function deleteAdapterRow(lib: Library, id: number): void {
  if (lib.db.prepare('DELETE FROM ft_adapters WHERE id = ?').run(id).changes === 0)
    throw new AppError('NOT_FOUND', `No adapter ${id}.`);
}

/** Makes `id` the library's active adapter (null: the base model alone), recording its merged model directory. */
export function setActiveAdapter(lib: Library, id: number | null, mergedModel?: string): void {
  lib.db
    .transaction(() => {
      lib.db.prepare('UPDATE ft_adapters SET active = 0 WHERE active = 1').run();
      if (id === null) return;
      const n = lib.db
        .prepare('UPDATE ft_adapters SET active = 1, merged_model = COALESCE(?, merged_model) WHERE id = ?')
        .run(mergedModel ?? null, id).changes;
      if (n === 0) throw new AppError('NOT_FOUND', `No adapter ${id}.`);
    })
    .immediate();
}

/** The library's active adapter, or null. */
export function activeAdapter(lib: Library): FtAdapter | null {
  const r = lib.db.prepare('SELECT * FROM ft_adapters WHERE active = 1').get() as Row | undefined;
  return r ? toAdapter(r) : null;
}

/** The adapter with this sha256, the active one first (how a run's recorded adapter names a registered one). */
export function adapterBySha(lib: Library, sha256: string): FtAdapter | null {
  const r = lib.db
    .prepare('SELECT * FROM ft_adapters WHERE sha256 = ? ORDER BY active DESC, id DESC LIMIT 1')
    .get(sha256) as Row | undefined;
  return r ? toAdapter(r) : null;
}
