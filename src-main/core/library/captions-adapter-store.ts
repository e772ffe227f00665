// SQL over captions' adapter provenance (migration 006): which LoRA adapter produced a caption.
import type Database from 'better-sqlite3';
import type { AdapterRefDto } from '../../api/ops/library.js';

/** Records the adapter a caption was produced with (call in the transaction that inserted it). */
export function setCaptionAdapter(db: Database.Database, captionId: number, adapter: AdapterRefDto): void {
  db.prepare('UPDATE captions SET adapter_sha256 = ?, adapter_name = ? WHERE id = ?').run(
    adapter.sha256,
    adapter.name,
    captionId,
  );
}

/** The adapters of a recording's captions produced with one, by caption id (captions absent here used the base). */
export function recordingCaptionAdapters(db: Database.Database, recordingId: number): Map<number, AdapterRefDto> {
  const rows = db
    .prepare(
      `SELECT c.id, c.adapter_sha256, c.adapter_name FROM captions c JOIN windows w ON w.id = c.window_id
       WHERE w.recording_id = ? AND c.adapter_sha256 IS NOT NULL`,
    )
    .all(recordingId) as Array<{ id: number; adapter_sha256: string; adapter_name: string | null }>;
  return new Map(rows.map((r) => [r.id, { sha256: r.adapter_sha256, name: r.adapter_name ?? '' }]));
}
