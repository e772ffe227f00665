// Where the app keeps a checkpoint's derived files (compiled graphs, converted weights): one folder per checkpoint
// IDENTITY under <cache>/models, never inside the checkpoint folder (it may be a Hugging Face cache snapshot).
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, realpathSync } from 'node:fs';
import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveAppPaths } from './paths.js';

/** Largest safetensors header read for the identity (real headers are well under 1 MB; the format caps them at 100 MB). */
const MAX_HEADER_BYTES = 100 * 2 ** 20;
/** File in each derived folder that names the checkpoint folder it was derived from. */
const SOURCE_FILE = 'source.json';

/** The folder holding every checkpoint's derived files: $MOLMOSCOPE_CACHE/models, else the app cache's models/. */
export function modelCacheRoot(env: NodeJS.ProcessEnv): string {
  return join(env.MOLMOSCOPE_CACHE ?? resolveAppPaths(env).cache, 'models');
}

function readOr(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** A shard's size, mtime and safetensors header bytes (what the graphs and converted weights depend on). */
function shardStamp(file: string): string {
  let fd: number | null = null;
  try {
    const st = statSync(file);
    fd = openSync(file, 'r');
    const len = Buffer.alloc(8);
    readSync(fd, len, 0, 8, 0);
    const n = Math.min(Number(len.readBigUInt64LE(0)), MAX_HEADER_BYTES, Math.max(st.size - 8, 0));
    const header = Buffer.alloc(n);
    readSync(fd, header, 0, n, 8);
    return `${st.size}:${st.mtimeMs}:${createHash('sha256').update(header).digest('hex')}`;
  } catch (err) {
    return `unreadable:${(err as NodeJS.ErrnoException).code ?? 'error'}`;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

function shardNames(index: Buffer | null): string[] {
  if (!index) return ['model.safetensors'];
  try {
    const map = (JSON.parse(index.toString('utf8')) as { weight_map?: Record<string, unknown> }).weight_map ?? {};
    return [...new Set(Object.values(map).filter((v): v is string => typeof v === 'string'))].sort();
  } catch {
    return [];
  }
}

/**
 * The key of a checkpoint's compiled/converted artefacts in the model cache: sha256 over config.json, the safetensors index, and per shard its name, size, mtime and
 * header bytes. Cheap (no tensor data is read), unchanged by moving or re-linking the folder (keys are file contents
 * and stamps, not paths), and changed by any edit that could change a compiled graph or a converted weight —
 * a fine-tune written over a shard in place keeps its header but not its mtime. Never throws: a broken checkpoint
 * gets an identity too, and loading it reports what is wrong.
 */
export function checkpointCacheKey(modelDir: string): string {
  const h = createHash('sha256').update('molmoscope-checkpoint-v1\0');
  const config = readOr(join(modelDir, 'config.json'));
  const index = readOr(join(modelDir, 'model.safetensors.index.json'));
  h.update(`config\0${config ? createHash('sha256').update(config).digest('hex') : 'missing'}\0`);
  h.update(`index\0${index ? createHash('sha256').update(index).digest('hex') : 'none'}\0`);
  for (const shard of shardNames(index)) {
    if (shard.includes('/') || shard.includes('\\')) continue;
    h.update(`shard\0${shard}\0${shardStamp(join(modelDir, shard))}\0`);
  }
  return h.digest('hex');
}

/** The app model cache folder for one checkpoint (by identity; see checkpointCacheKey). Nothing is created here. */
export function modelCacheDir(env: NodeJS.ProcessEnv, modelDir: string): string {
  return join(modelCacheRoot(env), checkpointCacheKey(resolve(modelDir)).slice(0, 24));
}

function realOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** Notes in a derived folder which checkpoint folder it came from, so removing that checkpoint finds it. */
export function recordDerivedSource(cacheDir: string, modelDir: string): void {
  const file = join(cacheDir, SOURCE_FILE);
  const body = JSON.stringify({ modelDir: realOr(modelDir) });
  if (readOr(file)?.toString('utf8') === body) return;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, body);
  renameSync(tmp, file);
}

/**
 * Deletes every derived folder of a checkpoint: the one of its current identity, any recorded as derived from the
 * same folder (older identities, before an edit), and the folder earlier versions keyed by the path. Works when the
 * checkpoint folder is already gone. Returns the folders removed.
 */
export function removeDerivedFiles(env: NodeJS.ProcessEnv, modelDir: string): string[] {
  const root = modelCacheRoot(env);
  if (!existsSync(root)) return [];
  const wanted = new Set([resolve(modelDir), realOr(modelDir)]);
  const current = existsSync(modelDir) ? modelCacheDir(env, modelDir) : null;
  const legacy = join(root, createHash('sha256').update(resolve(modelDir)).digest('hex').slice(0, 16));
  const removed: string[] = [];
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    let source: string | undefined;
    try {
      source = (JSON.parse(readFileSync(join(dir, SOURCE_FILE), 'utf8')) as { modelDir?: string }).modelDir;
    } catch {
      source = undefined;
    }
    if (dir === current || dir === legacy || (source !== undefined && wanted.has(source))) {
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return removed;
}
