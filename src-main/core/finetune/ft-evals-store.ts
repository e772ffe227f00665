// Rows of ft_evals (migration 7): a model's metrics on a dataset's held-out split, per task.
import type { Library } from '../library/store.js';
import type { FtEval, FtTask } from './types.js';

interface Row {
  id: number;
  dataset_id: number;
  adapter_id: number | null;
  model_id: string;
  task: FtTask;
  examples: number;
  metrics_json: string;
  job_id: number | null;
  created_at: string;
}

/** Replaces the metrics of (dataset, adapter or base, task) with these. */
export function putEval(lib: Library, e: Omit<FtEval, 'id' | 'createdAt'>): void {
  lib.db.transaction(() => {
    lib.db
      .prepare('DELETE FROM ft_evals WHERE dataset_id = ? AND adapter_id IS ? AND task = ?')
      .run(e.datasetId, e.adapterId, e.task);
    lib.db
      .prepare(
        `INSERT INTO ft_evals (dataset_id, adapter_id, model_id, task, examples, metrics_json, job_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        e.datasetId,
        e.adapterId,
        e.modelId,
        e.task,
        e.examples,
        JSON.stringify(e.metrics),
        e.jobId,
        new Date().toISOString(),
      );
  })();
}

/** Every eval of a dataset (base and adapters), by task. */
export function listEvals(lib: Library, datasetId: number): FtEval[] {
  const rows = lib.db
    .prepare('SELECT * FROM ft_evals WHERE dataset_id = ? ORDER BY task, adapter_id')
    .all(datasetId) as Row[];
  return rows.map((r) => ({
    id: r.id,
    datasetId: r.dataset_id,
    adapterId: r.adapter_id,
    modelId: r.model_id,
    task: r.task,
    examples: r.examples,
    metrics: JSON.parse(r.metrics_json) as FtEval['metrics'],
    jobId: r.job_id,
    createdAt: r.created_at,
  }));
}
