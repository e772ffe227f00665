// Corrupting a SQLite index on purpose, for tests of the integrity check and repair.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * Changes the last byte of `text` (a key stored in `index`) inside the root page of `index` in the database file at
 * `path`; the table rows are left as they are, so integrity_check catches it and quick_check does not.
 */
export function damageIndexEntry(path: string, index: string, text: string): void {
  const db = new Database(path, { readonly: true });
  const root = db.prepare('SELECT rootpage FROM sqlite_schema WHERE name = ?').pluck().get(index) as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const buf = readFileSync(path);
  const page = buf.subarray((root - 1) * pageSize, root * pageSize);
  const at = page.indexOf(Buffer.from(text));
  assert.ok(at >= 0, `${text} is in ${index}'s page`);
  page[at + text.length - 1] = 'b'.charCodeAt(0);
  writeFileSync(path, buf);
}
