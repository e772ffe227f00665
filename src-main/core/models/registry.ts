// The installed-models registry: one JSON file under the models directory naming every model the app knows
// (downloaded or added in place), its state and the default. Written to a temporary file and renamed (atomic).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError } from '../../api/errors.js';

export const REGISTRY_FILE = 'installed.json';

export const InstalledModelSchema = z.object({
  id: z.string().max(200),
  /** `hub`: downloaded by Molmoscope into the models directory; `folder`: a folder referenced in place. */
  source: z.enum(['hub', 'folder']),
  dir: z.string().max(4096),
  /** `downloading` until every file is verified; only `ready` models are usable. */
  state: z.enum(['downloading', 'ready']),
  repo: z.string().max(200).optional(),
  revision: z.string().max(200).optional(),
  commit: z.string().max(64).optional(),
  endpoint: z.string().max(2048).optional(),
  catalogueId: z.string().max(64).optional(),
  bytes: z.number().int().nonnegative(),
  addedAt: z.string().max(64),
});
export type InstalledModel = z.infer<typeof InstalledModelSchema>;

const RegistrySchema = z.object({
  version: z.literal(1),
  default: z.string().max(200).nullable(),
  models: z.array(InstalledModelSchema).max(10_000),
});
export type Registry = z.infer<typeof RegistrySchema>;

/** The registry of a models directory (empty when there is none yet). */
export function readRegistry(modelsDir: string): Registry {
  const path = join(modelsDir, REGISTRY_FILE);
  if (!existsSync(path)) return { version: 1, default: null, models: [] };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AppError(
      'MODEL_INVALID',
      `the model registry ${path} cannot be read (${(err as Error).message}); move it away to start afresh`,
    );
  }
  const r = RegistrySchema.safeParse(json);
  if (!r.success)
    throw new AppError('MODEL_INVALID', `the model registry ${path} is malformed; move it away to start afresh`);
  return r.data;
}

/** Writes the registry atomically (temporary file, then rename over the old one). */
export function writeRegistry(modelsDir: string, reg: Registry): void {
  mkdirSync(modelsDir, { recursive: true });
  const path = join(modelsDir, REGISTRY_FILE);
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, JSON.stringify(reg, null, 2) + '\n');
  renameSync(tmp, path);
}

const LOCK_STALE_MS = 10_000;

/** Sleeps this thread (registry updates are short and synchronous; a few ms of waiting beats a lost update). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Holds `installed.json.lock` (O_EXCL) while `fn` runs; a lock older than 10 s is a crashed writer's and is taken. */
function withRegistryLock<T>(modelsDir: string, fn: () => T): T {
  mkdirSync(modelsDir, { recursive: true });
  const lock = join(modelsDir, `${REGISTRY_FILE}.lock`);
  for (let i = 0; ; i++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_STALE_MS) rmSync(lock, { force: true });
      else if (i > 1000) throw new AppError('JOB_CONFLICT', `the model registry is locked (${lock}); try again`);
      else pause(10);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Reads, changes and writes the registry in one step, locked against other processes; returns what `change` returns. */
export function updateRegistry<T>(modelsDir: string, change: (reg: Registry) => T): T {
  return withRegistryLock(modelsDir, () => {
    const reg = readRegistry(modelsDir);
    const out = change(reg);
    writeRegistry(modelsDir, reg);
    return out;
  });
}

/** Adds or replaces the entry with this id. */
export function putModel(reg: Registry, m: InstalledModel): void {
  const i = reg.models.findIndex((x) => x.id === m.id);
  if (i >= 0) reg.models[i] = m;
  else reg.models.push(m);
}

/** The entry for an id, a repo id (any case) or a catalogue id; null when none matches. */
export function findModel(reg: Registry, key: string): InstalledModel | null {
  const k = key.toLowerCase();
  return (
    reg.models.find((m) => m.id === k) ??
    reg.models.find((m) => m.repo?.toLowerCase() === k || m.catalogueId === k) ??
    null
  );
}

/** True when a model can be used: verified complete and its folder still there. */
export function isUsable(m: InstalledModel): boolean {
  return m.state === 'ready' && existsSync(join(m.dir, 'config.json'));
}

/** The default model's folder when it is usable, else null (the fallback after --model and MOLMOSCOPE_MODEL). */
export function defaultModelDir(modelsDir: string): string | null {
  let reg: Registry;
  try {
    reg = readRegistry(modelsDir);
  } catch {
    return null;
  }
  const m = reg.default ? findModel(reg, reg.default) : null;
  return m && isUsable(m) ? m.dir : null;
}
