// Imports files and folders into the library: walks folders, de-duplicates by content hash, recognises
// moved/renamed files, probes new ones and records bad ones as rejected with their media error code.
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { AppError, type ErrorCode } from '../../api/errors.js';
import { partialContentHash } from './content-hash.js';
import type { Library } from './store.js';
import type { MediaSource, ProbeInfo } from './media-source.js';

/** Extensions a folder walk picks up (files named explicitly are always tried). */
export const DEFAULT_VIDEO_EXTENSIONS = ['mp4', 'm4v', 'mov', 'mkv', 'webm', 'avi', 'mts', 'm2ts', 'ts', 'mpg', 'mpeg', 'wmv', 'flv', '3gp', 'ogv'];

/** Codes that mean "this file is bad" (recorded as rejected) rather than "the tool failed" (thrown). */
const MEDIA_REJECT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'NOT_A_VIDEO', 'NO_VIDEO_STREAM', 'UNSUPPORTED_CODEC', 'TRUNCATED', 'UNREADABLE', 'PROBE_TIMEOUT', 'FFMPEG_FAILED',
]);

export type ImportAction = 'added' | 'unchanged' | 'updated' | 'moved' | 'duplicate' | 'rejected';

export interface ImportOutcome {
  path: string;
  action: ImportAction;
  recordingId: number | null;
  /** For duplicates: the recording holding the same content. */
  duplicateOf?: number;
  /** For moved files: where the recording used to be. */
  movedFrom?: string;
  code?: ErrorCode;
  reason?: string;
}

export interface ImportOptions {
  media: MediaSource;
  signal: AbortSignal;
  /** Extensions (without dot, case-insensitive) a folder walk accepts; default DEFAULT_VIDEO_EXTENSIONS. */
  extensions?: string[];
  onProgress?(done: number, total: number, path: string): void;
  now?: () => Date;
}

export interface ImportReport {
  results: ImportOutcome[];
  /** Files a folder walk passed over because of their extension. */
  skipped: number;
  counts: Record<ImportAction, number>;
}

interface RecRow { id: number; path: string; size_bytes: number; mtime_ms: number; content_hash: string | null; status: string; reason_code: ErrorCode | null }

/** Lists candidate files under the given paths (folders recursively, filtered by extension), sorted, de-duplicated. */
export function collectFiles(paths: string[], extensions: string[]): { files: string[]; missing: string[]; skipped: number } {
  const exts = new Set(extensions.map((e) => e.toLowerCase().replace(/^\./, '')));
  const files = new Set<string>();
  const missing: string[] = [];
  const seenDirs = new Set<string>();
  let skipped = 0;
  const walk = (dir: string) => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      return;
    }
    if (seenDirs.has(real)) return; // symlink loops
    seenDirs.add(real);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      missing.push(dir);
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue; // hidden files and folders (.thumbnails, .Trash) are not footage
      const p = join(dir, e.name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue; // dangling symlink
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        if (exts.has(extname(e.name).slice(1).toLowerCase())) files.add(p);
        else skipped++;
      }
    }
  };
  for (const raw of paths) {
    const p = resolve(raw);
    if (!existsSync(p)) {
      missing.push(p);
      continue;
    }
    if (statSync(p).isDirectory()) walk(p);
    else files.add(p);
  }
  return { files: [...files].sort(), missing, skipped };
}

/** Imports files/folders; every file ends as added, unchanged, updated, moved, duplicate or rejected (with a code). */
export async function importPaths(lib: Library, paths: string[], opts: ImportOptions): Promise<ImportReport> {
  const now = opts.now ?? (() => new Date());
  const { files, missing, skipped } = collectFiles(paths, opts.extensions ?? DEFAULT_VIDEO_EXTENSIONS);
  const results: ImportOutcome[] = missing.map((p) => ({ path: p, action: 'rejected', recordingId: null, code: 'NOT_FOUND', reason: `${p} does not exist or cannot be listed.` }));
  let done = 0;
  for (const file of files) {
    opts.signal.throwIfAborted();
    results.push(await importOne(lib, file, opts, now));
    opts.onProgress?.(++done, files.length, file);
  }
  const counts: Record<ImportAction, number> = { added: 0, unchanged: 0, updated: 0, moved: 0, duplicate: 0, rejected: 0 };
  for (const r of results) counts[r.action]++;
  return { results, skipped, counts };
}

async function importOne(lib: Library, path: string, opts: ImportOptions, now: () => Date): Promise<ImportOutcome> {
  const db = lib.db;
  const byPath = db.prepare('SELECT id, path, size_bytes, mtime_ms, content_hash, status, reason_code FROM recordings WHERE path = ?');
  const ts = now().toISOString();
  let size = 0;
  let mtime = 0;
  let hash: string | null = null;
  let statError: AppError | null = null;
  try {
    const st = statSync(path);
    size = st.size;
    mtime = Math.round(st.mtimeMs);
    hash = partialContentHash(path);
  } catch (err) {
    statError = new AppError('UNREADABLE', `Cannot read ${path}: ${(err as Error).message}`);
  }
  const existing = byPath.get(path) as RecRow | undefined;
  if (existing && !statError && existing.size_bytes === size && existing.mtime_ms === mtime && existing.content_hash === hash && existing.status !== 'missing') {
    return { path, action: 'unchanged', recordingId: existing.id, ...(existing.reason_code ? { code: existing.reason_code } : {}) };
  }
  const alias = db.prepare('SELECT recording_id FROM recording_aliases WHERE path = ?').get(path) as { recording_id: number } | undefined;
  if (hash && !existing) {
    const same = db.prepare("SELECT id, path, size_bytes, mtime_ms, content_hash, status, reason_code FROM recordings WHERE content_hash = ? AND status IN ('ready', 'missing') ORDER BY id LIMIT 1").get(hash) as RecRow | undefined;
    if (same && same.path !== path) {
      if (same.status === 'missing' || !existsSync(same.path)) {
        // The old path is gone and this file has its content: the recording moved; its windows and captions stay.
        db.transaction(() => {
          db.prepare("UPDATE recordings SET path = ?, folder = ?, name = ?, mtime_ms = ?, status = 'ready', updated_at = ? WHERE id = ?")
            .run(path, dirname(path), basename(path), mtime, ts, same.id);
          db.prepare('DELETE FROM recording_aliases WHERE path = ?').run(path);
        })();
        return { path, action: 'moved', recordingId: same.id, movedFrom: same.path };
      }
      if (!alias) db.prepare('INSERT OR REPLACE INTO recording_aliases (path, recording_id, added_at) VALUES (?, ?, ?)').run(path, same.id, ts);
      return { path, action: 'duplicate', recordingId: same.id, duplicateOf: same.id };
    }
  }
  let probe: ProbeInfo | null = null;
  let rejection: AppError | null = statError;
  if (!rejection) {
    try {
      probe = await opts.media.probe(path, opts.signal);
    } catch (err) {
      if (err instanceof AppError && MEDIA_REJECT_CODES.has(err.code)) rejection = err;
      else throw err;
    }
  }
  const values = {
    path, folder: dirname(path), name: basename(path), size, mtime, hash, ts,
    status: rejection ? 'rejected' : 'ready',
    reason_code: rejection?.code ?? null,
    reason: rejection?.message ?? null,
    duration: probe?.duration ?? null, width: probe?.width ?? null, height: probe?.height ?? null,
    fps: probe?.fps ?? null, codec: probe?.codec ?? null,
    probe_json: probe ? JSON.stringify(probe.raw) : null,
    recorded_at: probe?.recordedAt ?? (mtime ? new Date(mtime).toISOString() : null),
  };
  let id: number;
  if (existing) {
    // Same path, new content: the old windows and captions describe other footage, so they go.
    db.transaction(() => {
      if (existing.content_hash !== hash) db.prepare('DELETE FROM windows WHERE recording_id = ?').run(existing.id);
      db.prepare(`UPDATE recordings SET size_bytes = @size, mtime_ms = @mtime, content_hash = @hash, status = @status,
        reason_code = @reason_code, reason = @reason, duration_s = @duration, width = @width, height = @height, fps = @fps,
        codec = @codec, probe_json = @probe_json, recorded_at = @recorded_at, updated_at = @ts WHERE path = @path`).run(values);
    })();
    id = existing.id;
  } else {
    id = Number(db.prepare(`INSERT INTO recordings (path, folder, name, size_bytes, mtime_ms, content_hash, status, reason_code, reason,
      duration_s, width, height, fps, codec, probe_json, recorded_at, imported_at, updated_at)
      VALUES (@path, @folder, @name, @size, @mtime, @hash, @status, @reason_code, @reason, @duration, @width, @height, @fps,
      @codec, @probe_json, @recorded_at, @ts, @ts)`).run(values).lastInsertRowid);
  }
  if (rejection) return { path, action: 'rejected', recordingId: id, code: rejection.code, reason: rejection.message };
  return { path, action: existing ? 'updated' : 'added', recordingId: id };
}

/** Marks ready recordings whose file vanished as 'missing' (kept, so a later import can recognise the move). */
export function markMissing(lib: Library, now: () => Date = () => new Date()): number {
  const rows = lib.db.prepare("SELECT id, path FROM recordings WHERE status = 'ready'").all() as Array<{ id: number; path: string }>;
  const upd = lib.db.prepare("UPDATE recordings SET status = 'missing', updated_at = ? WHERE id = ?");
  let n = 0;
  for (const r of rows) if (!existsSync(r.path)) { upd.run(now().toISOString(), r.id); n++; }
  return n;
}
