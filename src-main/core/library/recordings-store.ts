// The `recordings` table: one row per imported file with its identity (size, mtime, content hash), status
// (ready, rejected with a reason, missing) and probe. Rows come out typed with the table's column names.
import type Database from 'better-sqlite3';
import type { ErrorCode } from '../../api/errors.js';
import type { Recording } from '../../api/ops/library.js';

export type RecordingStatus = Recording['status'];

/** What an import compares a file against. */
export interface RecordingIdentityRow {
  id: number;
  path: string;
  size_bytes: number;
  mtime_ms: number;
  content_hash: string | null;
  status: string;
  reason_code: ErrorCode | null;
}

/** Everything an import writes about a file (named parameters of the insert and the update). */
export interface RecordingValues {
  path: string;
  folder: string;
  name: string;
  size: number;
  mtime: number;
  hash: string | null;
  ts: string;
  status: 'ready' | 'rejected';
  reason_code: ErrorCode | null;
  reason: string | null;
  duration: number | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  codec: string | null;
  probe_json: string | null;
  recorded_at: string | null;
}

/** A recording as the Library page lists it, with how many windows and captions it has. */
export interface RecordingListRow {
  id: number;
  path: string;
  status: RecordingStatus;
  reason_code: string | null;
  reason: string | null;
  duration_s: number | null;
  width: number | null;
  height: number | null;
  recorded_at: string | null;
  windows: number;
  captions: number;
}

/** What playback needs of a recording. */
export interface RecordingFileRow {
  id: number;
  path: string;
  status: string;
  reason_code: string | null;
  content_hash: string | null;
  size_bytes: number;
  mtime_ms: number;
  duration_s: number | null;
  probe_json: string | null;
}

/** What a count or track run needs of a recording: its duration, frame size and frame rate. */
export interface RecordingVideoRow {
  id: number;
  path: string;
  duration_s: number | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  status: string;
}

/** A recording indexing may caption. */
export interface ReadyRecording {
  id: number;
  path: string;
  duration_s: number | null;
}

const IDENTITY = 'SELECT id, path, size_bytes, mtime_ms, content_hash, status, reason_code FROM recordings';
const VIDEO = 'SELECT id, path, duration_s, width, height, fps, status FROM recordings';
const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(',');

/** The recording imported from this path, if any. */
export function recordingByPath(db: Database.Database, path: string): RecordingIdentityRow | undefined {
  return db.prepare(`${IDENTITY} WHERE path = ?`).get(path) as RecordingIdentityRow | undefined;
}

/** The oldest ready or missing recording with this content. */
export function recordingWithContent(db: Database.Database, hash: string): RecordingIdentityRow | undefined {
  const sql = `${IDENTITY} WHERE content_hash = ? AND status IN ('ready', 'missing') ORDER BY id LIMIT 1`;
  return db.prepare(sql).get(hash) as RecordingIdentityRow | undefined;
}

/** A recording found at a new path: it is ready again there. */
export function moveRecording(
  db: Database.Database,
  id: number,
  to: { path: string; folder: string; name: string; mtime: number; at: string },
): void {
  const sql =
    "UPDATE recordings SET path = ?, folder = ?, name = ?, mtime_ms = ?, status = 'ready', updated_at = ? WHERE id = ?";
  db.prepare(sql).run(to.path, to.folder, to.name, to.mtime, to.at, id);
}

/** Rewrites what an import learnt about the file at `v.path`. */
export function updateRecording(db: Database.Database, v: RecordingValues): void {
  db.prepare(
    `UPDATE recordings SET size_bytes = @size, mtime_ms = @mtime, content_hash = @hash, status = @status,
    reason_code = @reason_code, reason = @reason, duration_s = @duration, width = @width, height = @height, fps = @fps,
    codec = @codec, probe_json = @probe_json, recorded_at = @recorded_at, updated_at = @ts WHERE path = @path`,
  ).run(v);
}

/** Adds a recording; returns its id. */
export function insertRecording(db: Database.Database, v: RecordingValues): number {
  const sql = `INSERT INTO recordings (path, folder, name, size_bytes, mtime_ms, content_hash, status, reason_code, reason,
    duration_s, width, height, fps, codec, probe_json, recorded_at, imported_at, updated_at)
    VALUES (@path, @folder, @name, @size, @mtime, @hash, @status, @reason_code, @reason, @duration, @width, @height, @fps,
    @codec, @probe_json, @recorded_at, @ts, @ts)`;
  return Number(db.prepare(sql).run(v).lastInsertRowid);
}

/** Ids and paths of every ready recording. */
export function readyRecordingPaths(db: Database.Database): Array<{ id: number; path: string }> {
  return db.prepare("SELECT id, path FROM recordings WHERE status = 'ready'").all() as Array<{
    id: number;
    path: string;
  }>;
}

/** Marks recordings whose file is gone as 'missing' (one prepared statement for all). */
export function markRecordingsMissing(db: Database.Database, ids: number[], at: () => string): void {
  const upd = db.prepare("UPDATE recordings SET status = 'missing', updated_at = ? WHERE id = ?");
  for (const id of ids) upd.run(at(), id);
}

/** Marks a recording rejected with the code and message of why. */
export function rejectRecording(db: Database.Database, id: number, code: ErrorCode, reason: string, at: string): void {
  db.prepare("UPDATE recordings SET status = 'rejected', reason_code = ?, reason = ?, updated_at = ? WHERE id = ?").run(
    code,
    reason,
    at,
    id,
  );
}

/**
 * The recordings indexing captions, by id: the ready ones among `ids`, or every ready recording with a duration when
 * none are given.
 */
export function readyRecordings(db: Database.Database, ids?: number[]): ReadyRecording[] {
  if (ids?.length) {
    const sql = `SELECT id, path, duration_s FROM recordings WHERE status = 'ready' AND id IN (${placeholders(ids.length)}) ORDER BY id`;
    return db.prepare(sql).all(...ids) as ReadyRecording[];
  }
  const sql = "SELECT id, path, duration_s FROM recordings WHERE status = 'ready' AND duration_s > 0 ORDER BY id";
  return db.prepare(sql).all() as ReadyRecording[];
}

/** The status of each of these recordings that exists. */
export function recordingStatuses(db: Database.Database, ids: number[]): Array<{ id: number; status: string }> {
  const sql = `SELECT id, status FROM recordings WHERE id IN (${placeholders(ids.length)})`;
  return db.prepare(sql).all(...ids) as Array<{ id: number; status: string }>;
}

/** Recordings by path with their window and caption counts, optionally of one status. */
export function listRecordingRows(db: Database.Database, status?: RecordingStatus): RecordingListRow[] {
  const sql = `SELECT r.id, r.path, r.status, r.reason_code, r.reason, r.duration_s, r.width, r.height, r.recorded_at,
      (SELECT count(*) FROM windows w WHERE w.recording_id = r.id) AS windows,
      (SELECT count(*) FROM captions c JOIN windows w ON w.id = c.window_id WHERE w.recording_id = r.id) AS captions
    FROM recordings r ${status ? 'WHERE r.status = ?' : ''} ORDER BY r.path`;
  return db.prepare(sql).all(...(status ? [status] : [])) as RecordingListRow[];
}

/** Number of recordings, optionally of one status. */
export function countRecordings(db: Database.Database, status?: RecordingStatus): number {
  if (status) return db.prepare('SELECT count(*) FROM recordings WHERE status = ?').pluck().get(status) as number;
  return db.prepare('SELECT count(*) FROM recordings').pluck().get() as number;
}

/** Whether a recording with this id exists. */
export function recordingExists(db: Database.Database, id: number): boolean {
  return db.prepare('SELECT 1 FROM recordings WHERE id = ?').get(id) !== undefined;
}

/** The recording with this id as playback needs it. */
export function recordingFileRow(db: Database.Database, id: number): RecordingFileRow | undefined {
  const sql =
    'SELECT id, path, status, reason_code, content_hash, size_bytes, mtime_ms, duration_s, probe_json FROM recordings WHERE id = ?';
  return db.prepare(sql).get(id) as RecordingFileRow | undefined;
}

/** The recording with this id as a count or track run needs it. */
export function recordingVideo(db: Database.Database, id: number): RecordingVideoRow | undefined {
  return db.prepare(`${VIDEO} WHERE id = ?`).get(id) as RecordingVideoRow | undefined;
}

/** The ready recordings in `folder` or below it, by path. */
export function readyRecordingsUnder(db: Database.Database, folder: string): RecordingVideoRow[] {
  const sql = `${VIDEO} WHERE status = 'ready' AND (folder = ? OR folder LIKE ? ESCAPE '\\') ORDER BY path`;
  return db.prepare(sql).all(folder, folder.replace(/[\\%_]/g, (c) => '\\' + c) + '/%') as RecordingVideoRow[];
}
