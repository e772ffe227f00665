// Migration 7: fine-tuning — user answers on clips and verdicts on counted instances (training material beside the
// corrections of migration 4), versioned datasets of examples traced to their source, training steps, adapters, evals.
import type Database from 'better-sqlite3';
import type { Migration } from './types.js';

/*
 * A dataset version is written once (its examples never change except the user's include/exclude, which is frozen
 * once a training job uses the version); building again makes the next version. Examples keep the recording's path
 * and no foreign key, so deleting a recording does not rewrite a dataset an adapter was trained on. An adapter is a
 * row beside the base model, never a replacement: it names its dataset version, base model and settings, and at
 * most one adapter is the library's active one (partial unique index).
 */
/** Training material: typed answers on clips and verdicts on counted instances. */
function materialTables(db: Database.Database): void {
  db.exec(`
      -- A clip the user marked with a typed answer (task 'qa'), or a caption the user rewrote (task 'caption').
      CREATE TABLE clip_answers (
        id            INTEGER PRIMARY KEY,
        recording_id  INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        start_s       REAL NOT NULL,
        end_s         REAL NOT NULL,
        task          TEXT NOT NULL CHECK (task IN ('qa', 'caption')),
        question      TEXT NOT NULL,
        answer        TEXT NOT NULL,
        caption_id    INTEGER REFERENCES captions (id) ON DELETE SET NULL,
        created_at    TEXT NOT NULL
      );
      CREATE INDEX clip_answers_recording ON clip_answers (recording_id);

      -- The user's verdict on one counted instance of a finished count run.
      CREATE TABLE count_reviews (
        run_id        INTEGER NOT NULL REFERENCES analytics_runs (id) ON DELETE CASCADE,
        instance_id   INTEGER NOT NULL,
        verdict       TEXT NOT NULL CHECK (verdict IN ('accept', 'reject')),
        created_at    TEXT NOT NULL,
        PRIMARY KEY (run_id, instance_id)
      ) WITHOUT ROWID;
  `);
}

/** Dataset versions and their examples. */
function datasetTables(db: Database.Database): void {
  db.exec(`      CREATE TABLE ft_datasets (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL,
        version       INTEGER NOT NULL,
        heldout_share REAL NOT NULL,
        seed          INTEGER NOT NULL,
        frozen        INTEGER NOT NULL DEFAULT 0,
        created_at    TEXT NOT NULL,
        UNIQUE (name, version)
      );

      -- One training example: the window, the frame times the model sees, the prompt and the target answer, the
      -- structured truth the metrics compare with, and the source (a run with its corrections/reviews, or an answer).
      CREATE TABLE ft_examples (
        id            INTEGER PRIMARY KEY,
        dataset_id    INTEGER NOT NULL REFERENCES ft_datasets (id) ON DELETE CASCADE,
        seq           INTEGER NOT NULL,
        task          TEXT NOT NULL CHECK (task IN ('count', 'track', 'qa', 'caption')),
        split         TEXT NOT NULL CHECK (split IN ('train', 'heldout')),
        included      INTEGER NOT NULL DEFAULT 1,
        recording_id  INTEGER NOT NULL,
        path          TEXT NOT NULL,
        start_s       REAL NOT NULL,
        end_s         REAL NOT NULL,
        times_json    TEXT NOT NULL,
        question      TEXT NOT NULL,
        style         TEXT,
        answer        TEXT NOT NULL,
        truth_json    TEXT NOT NULL,
        source_kind   TEXT NOT NULL CHECK (source_kind IN ('count_run', 'track_run', 'clip_answer')),
        source_id     INTEGER NOT NULL,
        source_json   TEXT NOT NULL,
        UNIQUE (dataset_id, seq)
      );
      CREATE INDEX ft_examples_source ON ft_examples (source_kind, source_id);
  `);
}

/** Adapters with provenance, the loss curve of training jobs, held-out evaluations. */
function adapterTables(db: Database.Database): void {
  db.exec(`      CREATE TABLE ft_adapters (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL,
        dir           TEXT NOT NULL,
        sha256        TEXT NOT NULL,
        dataset_id    INTEGER REFERENCES ft_datasets (id) ON DELETE SET NULL,
        dataset_label TEXT NOT NULL,
        base_model    TEXT NOT NULL,
        job_id        INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
        settings_json TEXT NOT NULL,
        merged_model  TEXT,
        active        INTEGER NOT NULL DEFAULT 0,
        created_at    TEXT NOT NULL
      );
      CREATE UNIQUE INDEX ft_adapters_one_active ON ft_adapters (active) WHERE active = 1;

      -- The loss curve of a training job (a resumed job rewrites the steps after its checkpoint).
      CREATE TABLE ft_train_steps (
        job_id        INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        step          INTEGER NOT NULL,
        loss          REAL NOT NULL,
        lr            REAL NOT NULL,
        grad_norm     REAL NOT NULL,
        tokens_per_s  REAL NOT NULL,
        created_at    TEXT NOT NULL,
        PRIMARY KEY (job_id, step)
      ) WITHOUT ROWID;

      -- Metrics of one model (the base: adapter_id NULL) on a dataset's held-out split, per task.
      CREATE TABLE ft_evals (
        id            INTEGER PRIMARY KEY,
        dataset_id    INTEGER NOT NULL REFERENCES ft_datasets (id) ON DELETE CASCADE,
        adapter_id    INTEGER REFERENCES ft_adapters (id) ON DELETE CASCADE,
        model_id      TEXT NOT NULL,
        task          TEXT NOT NULL,
        examples      INTEGER NOT NULL,
        metrics_json  TEXT NOT NULL,
        job_id        INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
        created_at    TEXT NOT NULL
      );
      CREATE INDEX ft_evals_dataset ON ft_evals (dataset_id, adapter_id);
    
  `);
}

export const m007Finetune: Migration = {
  version: 7,
  name: 'finetune',
  up(db) {
    materialTables(db);
    datasetTables(db);
    adapterTables(db);
  },
};
