// The caption search index's rows (captions_terms, caption_stats, caption_vocab) computed for stored captions:
// filled once by migration 5 for captions written before it, and again by `library repair`, which also checks them.
import type Database from 'better-sqlite3';
import { indexText } from './terms.js';

/** Indexes every stored caption, 2,000 at a time in id order, then merges the FTS5 segments. */
export function indexStoredCaptions(db: Database.Database): void {
  const insTerms = db.prepare('INSERT INTO captions_terms (rowid, w, p) VALUES (?, ?, ?)');
  const insStats = db.prepare('INSERT INTO caption_stats (id, len, reps) VALUES (?, ?, ?)');
  const insVocab = db.prepare('INSERT OR IGNORE INTO caption_vocab (term) SELECT value FROM json_each(?)');
  const page = db.prepare('SELECT id, text FROM captions WHERE id > ? ORDER BY id LIMIT 2000').raw();
  for (let after = 0; ;) {
    const rows = page.all(after) as Array<[number, string]>;
    const last = rows.at(-1);
    if (!last) break;
    for (const [id, text] of rows) {
      const t = indexText(text);
      insTerms.run(id, t.words, t.pairs);
      insStats.run(id, t.length, t.reps);
      insVocab.run(t.vocab);
    }
    after = last[0];
  }
  db.exec("INSERT INTO captions_terms (captions_terms) VALUES ('optimize')");
}

/** Empties and refills the caption search index (captions_terms, caption_stats, caption_vocab, caption_totals). */
export function rebuildCaptionTerms(db: Database.Database): void {
  db.exec(`INSERT INTO captions_terms (captions_terms) VALUES ('delete-all');
    DELETE FROM caption_stats; DELETE FROM caption_vocab; UPDATE caption_totals SET n = 0, length = 0 WHERE id = 1;`);
  indexStoredCaptions(db);
}

/** FTS5's own check of captions_terms against its shadow tables; throws SQLITE_CORRUPT_VTAB when they disagree. */
export function checkCaptionTerms(db: Database.Database): void {
  db.exec("INSERT INTO captions_terms (captions_terms) VALUES ('integrity-check')");
}
