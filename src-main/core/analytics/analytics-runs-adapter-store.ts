// SQL over analytics runs' adapter provenance (migration 006): which LoRA adapter a count/track run used.
import type Database from 'better-sqlite3';
import type { AdapterRefDto } from '../../api/ops/library.js';

/** Records the adapter a run's model uses (null: the base model), when the run starts on a session. */
export function setRunAdapter(db: Database.Database, runId: number, adapter: AdapterRefDto | null): void {
  db.prepare('UPDATE analytics_runs SET adapter_sha256 = ?, adapter_name = ? WHERE id = ?').run(
    adapter?.sha256 ?? null,
    adapter?.name ?? null,
    runId,
  );
}

/** The adapter columns of an analytics_runs row (as `SELECT r.*` returns them) as the API shows them. */
export function runAdapterOf(row: {
  adapter_sha256?: string | null;
  adapter_name?: string | null;
}): AdapterRefDto | null {
  return row.adapter_sha256 ? { sha256: row.adapter_sha256, name: row.adapter_name ?? '' } : null;
}
