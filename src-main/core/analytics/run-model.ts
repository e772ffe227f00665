// The model a count/track job runs on. By default the host's (the library's active adapter, `--model`, …); a job may
// pin one of its own — a base checkpoint and optionally a LoRA adapter — so "re-run with the base / with the adapter"
// runs on that model whatever the host has active, and the host is put back as it was when the job ends.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import type { CoreContext } from '../context.js';
import { configuredAdapter, configuredModelDir, modelSnapshot, switchModel } from '../molmo2/model-host.js';
import { adapterIdSuffix, adapterRecord, type AdapterRecord } from '../finetune/use-adapter.js';

/** A model pinned in a job's parameters: the base checkpoint's folder and the adapter (folder and sha256) or none. */
export interface PinnedModel {
  baseModel: string;
  adapter: { dir: string; sha256: string; name: string } | null;
}

/** The base checkpoint of a run's model id (`<dir>` or `<dir>+lora@<sha16>`). */
export const baseOfModelId = (modelId: string): string => modelId.replace(/\+lora@[0-9a-f]{16}$/, '');

/** The model id a pinned model's runs record (as Molmo2Session names it). */
export const pinnedModelId = (m: PinnedModel): string =>
  `${resolve(m.baseModel)}${m.adapter ? adapterIdSuffix(m.adapter) : ''}`;

/**
 * Checks that a pinned model can run: its base checkpoint is there (MODEL_INVALID otherwise), its adapter's folder
 * is there (NOT_FOUND) and still holds the adapter that was pinned (MODEL_INVALID when its files changed), and the
 * adapter fits the base. Returns the adapter's record (null for the base alone).
 */
export function checkPinnedModel(m: PinnedModel): AdapterRecord | null {
  if (!existsSync(join(m.baseModel, 'config.json')))
    throw new AppError('MODEL_INVALID', `The base model ${m.baseModel} is missing (no config.json there).`);
  if (!m.adapter) return null;
  if (!existsSync(m.adapter.dir))
    throw new AppError('NOT_FOUND', `The adapter "${m.adapter.name}" is gone: its folder ${m.adapter.dir} is missing.`);
  const record = adapterRecord(m.baseModel, m.adapter.dir);
  if (record.sha256 !== m.adapter.sha256)
    throw new AppError(
      'MODEL_INVALID',
      `The adapter files in ${m.adapter.dir} changed since it was chosen (sha256 ${record.sha256.slice(0, 16)}…, ` +
        `expected ${m.adapter.sha256.slice(0, 16)}…).`,
    );
  return record;
}

/**
 * Points the host at a job's pinned model (nothing to do without one, or when the host already runs it); returns
 * what puts the host back afterwards, unless something else re-pointed it meanwhile.
 */
export async function usePinnedModel(ctx: CoreContext, m: PinnedModel | undefined): Promise<() => Promise<void>> {
  const same =
    !m ||
    (configuredModelDir(ctx) === resolve(m.baseModel) &&
      (configuredAdapter(ctx)?.sha256 ?? null) === (m.adapter?.sha256 ?? null));
  if (same) return async () => {};
  const record = checkPinnedModel(m);
  const restore = modelSnapshot(ctx);
  await switchModel(ctx, resolve(m.baseModel), record ?? undefined);
  const mine = { dir: configuredModelDir(ctx), adapter: configuredAdapter(ctx) };
  return async () => {
    // When the host was pointed elsewhere during the job (an adapter activated meanwhile), that choice stands.
    if (configuredModelDir(ctx) === mine.dir && configuredAdapter(ctx) === mine.adapter) await restore();
  };
}
