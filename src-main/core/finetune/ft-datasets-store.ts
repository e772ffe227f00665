// Rows of ft_datasets and ft_examples (migration 7): dataset versions and their examples with source and truth.
import { AppError } from '../../api/errors.js';
import type { Library } from '../library/store.js';
import type { FtDataset, FtExample, FtTask, NewFtExample } from './types.js';

interface DsRow {
  id: number;
  name: string;
  version: number;
  heldout_share: number;
  seed: number;
  frozen: number;
  created_at: string;
}
interface ExRow {
  id: number;
  dataset_id: number;
  seq: number;
  task: FtTask;
  split: 'train' | 'heldout';
  included: number;
  recording_id: number;
  path: string;
  start_s: number;
  end_s: number;
  times_json: string;
  question: string;
  style: string | null;
  answer: string;
  truth_json: string;
  source_kind: FtExample['source']['kind'];
  source_id: number;
  source_json: string;
}

const toDataset = (r: DsRow): FtDataset => ({
  id: r.id,
  name: r.name,
  version: r.version,
  heldoutShare: r.heldout_share,
  seed: r.seed,
  frozen: r.frozen === 1,
  createdAt: r.created_at,
});

const toExample = (r: ExRow): FtExample => ({
  id: r.id,
  datasetId: r.dataset_id,
  seq: r.seq,
  task: r.task,
  split: r.split,
  included: r.included === 1,
  recordingId: r.recording_id,
  path: r.path,
  start: r.start_s,
  end: r.end_s,
  times: JSON.parse(r.times_json) as number[],
  question: r.question,
  style: r.style,
  answer: r.answer,
  truth: JSON.parse(r.truth_json) as FtExample['truth'],
  source: JSON.parse(r.source_json) as FtExample['source'],
});

/** Writes a new version of dataset `name` (the next version number) with its examples, in one transaction. */
export function insertDataset(
  lib: Library,
  d: { name: string; heldoutShare: number; seed: number },
  examples: NewFtExample[],
): FtDataset {
  const db = lib.db;
  return db
    .transaction(() => {
      const version =
        ((db.prepare('SELECT max(version) FROM ft_datasets WHERE name = ?').pluck().get(d.name) as number | null) ??
          0) + 1;
      const id = Number(
        db
          .prepare('INSERT INTO ft_datasets (name, version, heldout_share, seed, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(d.name, version, d.heldoutShare, d.seed, new Date().toISOString()).lastInsertRowid,
      );
      const put =
        db.prepare(`INSERT INTO ft_examples (dataset_id, seq, task, split, recording_id, path, start_s, end_s, times_json, question, style,
      answer, truth_json, source_kind, source_id, source_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const e of examples) {
        put.run(
          id,
          e.seq,
          e.task,
          e.split,
          e.recordingId,
          e.path,
          e.start,
          e.end,
          JSON.stringify(e.times),
          e.question,
          e.style,
          e.answer,
          JSON.stringify(e.truth),
          e.source.kind,
          e.source.id,
          JSON.stringify(e.source),
        );
      }
      return getDataset(lib, id);
    })
    .immediate();
}

/** One dataset version; NOT_FOUND if absent. */
export function getDataset(lib: Library, id: number): FtDataset {
  const r = lib.db.prepare('SELECT * FROM ft_datasets WHERE id = ?').get(id) as DsRow | undefined;
  if (!r) throw new AppError('NOT_FOUND', `No dataset ${id}.`);
  return toDataset(r);
}

/** Every dataset version, newest first. */
export function listDatasets(lib: Library): FtDataset[] {
  return (lib.db.prepare('SELECT * FROM ft_datasets ORDER BY id DESC').all() as DsRow[]).map(toDataset);
}

/** Marks a version as used by training: its examples can no longer be included or excluded. */
export function freezeDataset(lib: Library, id: number): void {
  lib.db.prepare('UPDATE ft_datasets SET frozen = 1 WHERE id = ?').run(id);
}

/** Deletes a dataset version and its examples (adapters keep its label). */
export function deleteDataset(lib: Library, id: number): void {
  if (lib.db.prepare('DELETE FROM ft_datasets WHERE id = ?').run(id).changes === 0)
    throw new AppError('NOT_FOUND', `No dataset ${id}.`);
}

/** A dataset's examples in order, optionally one split and only the included ones. */
export function listExamples(
  lib: Library,
  datasetId: number,
  f: { split?: 'train' | 'heldout'; includedOnly?: boolean } = {},
): FtExample[] {
  const where = ['dataset_id = ?'];
  const args: unknown[] = [datasetId];
  if (f.split) {
    where.push('split = ?');
    args.push(f.split);
  }
  if (f.includedOnly) where.push('included = 1');
  return (
    lib.db.prepare(`SELECT * FROM ft_examples WHERE ${where.join(' AND ')} ORDER BY seq`).all(...args) as ExRow[]
  ).map(toExample);
}

/** One example; NOT_FOUND if absent. */
export function getExample(lib: Library, id: number): FtExample {
  const r = lib.db.prepare('SELECT * FROM ft_examples WHERE id = ?').get(id) as ExRow | undefined;
  if (!r) throw new AppError('NOT_FOUND', `No dataset example ${id}.`);
  return toExample(r);
}

/** Includes or excludes one example of a dataset that is not frozen (JOB_CONFLICT when it is). */
export function setExampleIncluded(lib: Library, id: number, included: boolean): FtExample {
  return lib.db
    .transaction(() => {
      const ex = getExample(lib, id);
      if (getDataset(lib, ex.datasetId).frozen)
        throw new AppError(
          'JOB_CONFLICT',
          `Dataset ${ex.datasetId} was used for training; build a new version to change its examples.`,
        );
      lib.db.prepare('UPDATE ft_examples SET included = ? WHERE id = ?').run(included ? 1 : 0, id);
      return { ...ex, included };
    })
    .immediate();
}

/** Examples per task and split (and how many are included) of a dataset. */
export function exampleCounts(
  lib: Library,
  datasetId: number,
): Array<{ task: FtTask; split: 'train' | 'heldout'; n: number; included: number }> {
  return lib.db
    .prepare(
      'SELECT task, split, count(*) AS n, sum(included) AS included FROM ft_examples WHERE dataset_id = ? GROUP BY task, split',
    )
    .all(datasetId) as Array<{ task: FtTask; split: 'train' | 'heldout'; n: number; included: number }>;
}
