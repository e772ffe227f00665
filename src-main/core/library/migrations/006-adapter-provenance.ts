// Migration 6: which LoRA adapter produced a result. Captions and analytics runs get the adapter's sha256
// (adapter_model.safetensors + adapter_config.json) and display name next to their model_id; NULL = the base model.
// model_id itself names the adapter too (checkpoint id + "+lora@<sha16>"), so base and adapted captions of one
// window never collide on UNIQUE (window_id, model_id, prompt_kind); these columns carry the full identity.
import type { Migration } from './types.js';

export const m006AdapterProvenance: Migration = {
  version: 6,
  name: 'adapter-provenance',
  up(db) {
    db.exec(`
      ALTER TABLE captions ADD COLUMN adapter_sha256 TEXT CHECK (adapter_sha256 IS NULL OR length(adapter_sha256) = 64);
      ALTER TABLE captions ADD COLUMN adapter_name TEXT;
      ALTER TABLE analytics_runs ADD COLUMN adapter_sha256 TEXT CHECK (adapter_sha256 IS NULL OR length(adapter_sha256) = 64);
      ALTER TABLE analytics_runs ADD COLUMN adapter_name TEXT;
      CREATE INDEX captions_adapter ON captions (adapter_sha256) WHERE adapter_sha256 IS NOT NULL;
      CREATE INDEX analytics_runs_adapter ON analytics_runs (adapter_sha256) WHERE adapter_sha256 IS NOT NULL;
    `);
  },
};
