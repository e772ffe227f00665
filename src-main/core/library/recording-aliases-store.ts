// The `recording_aliases` table: other paths that hold the content of a recording (duplicates found on import).
import type Database from 'better-sqlite3';

/** The recording whose content is at this other path, if any. */
export function aliasOf(db: Database.Database, path: string): number | undefined {
  const row = db.prepare('SELECT recording_id FROM recording_aliases WHERE path = ?').get(path) as
    { recording_id: number } | undefined;
  return row?.recording_id;
}

/** Records `path` as another place of a recording's content. */
export function putAlias(db: Database.Database, path: string, recordingId: number, at: string): void {
  db.prepare('INSERT OR REPLACE INTO recording_aliases (path, recording_id, added_at) VALUES (?, ?, ?)').run(
    path,
    recordingId,
    at,
  );
}

/** Forgets the alias at `path` (it became the recording's own path). */
export function deleteAlias(db: Database.Database, path: string): void {
  db.prepare('DELETE FROM recording_aliases WHERE path = ?').run(path);
}
