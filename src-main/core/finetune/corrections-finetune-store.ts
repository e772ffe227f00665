// Which track runs carry user corrections (the corrections table of migration 4, read for the fine-tune area).
import type { Library } from '../library/store.js';

/** Ids of the runs that have at least one correction. */
export function correctedRunIds(lib: Library): number[] {
  return lib.db.prepare('SELECT DISTINCT run_id FROM corrections ORDER BY run_id').pluck().all() as number[];
}
