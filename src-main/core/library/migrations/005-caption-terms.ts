// Migration 5: the search index moves to captions_terms (words and word pairs from our own tokenizer, contentless
// FTS5) with per-caption BM25 statistics; the FTS5 table of migration 2 is dropped. See search.ts for why.
import type { Migration } from './types.js';
import { indexStoredCaptions } from '../caption-terms-store.js';
import { registerTermFunctions } from '../terms.js';

export const m005CaptionTerms: Migration = {
  version: 5,
  name: 'caption-terms',
  up(db) {
    // The triggers below call molmo_terms(); openLibrary registers it on every connection, and so does this step
    // for a bare connection being migrated.
    registerTermFunctions(db);
    db.exec(`
      DROP TRIGGER IF EXISTS captions_ai;
      DROP TRIGGER IF EXISTS captions_ad;
      DROP TRIGGER IF EXISTS captions_au;
      DROP TABLE IF EXISTS captions_fts;

      -- w: the caption's terms; p: its adjacent-term pairs, so a phrase is matched on pairs (short doclists)
      -- instead of by comparing the positions of common words. Contentless: the text lives in captions.
      CREATE VIRTUAL TABLE captions_terms USING fts5(
        w, p,
        content = '',
        contentless_delete = 1,
        tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
      );
      -- Per caption, for BM25: its length in terms, and " term:count…" for the terms it repeats (else NULL).
      CREATE TABLE caption_stats (
        id    INTEGER PRIMARY KEY,
        len   INTEGER NOT NULL,
        reps  TEXT
      );
      -- Every term ever indexed (never pruned: a term left without captions matches nothing), so a prefix query
      -- expands to its terms instead of FTS5 merging every matching doclist in full.
      CREATE TABLE caption_vocab (term TEXT PRIMARY KEY) WITHOUT ROWID;
      -- Caption count and total length, for BM25's N and average length (one row, kept by triggers).
      CREATE TABLE caption_totals (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        n       INTEGER NOT NULL,
        length  INTEGER NOT NULL
      );
      INSERT INTO caption_totals (id, n, length) VALUES (1, 0, 0);

      CREATE TRIGGER caption_stats_ai AFTER INSERT ON caption_stats BEGIN
        UPDATE caption_totals SET n = n + 1, length = length + new.len WHERE id = 1;
      END;
      CREATE TRIGGER caption_stats_ad AFTER DELETE ON caption_stats BEGIN
        UPDATE caption_totals SET n = n - 1, length = length - old.len WHERE id = 1;
      END;

      CREATE TRIGGER captions_terms_ai AFTER INSERT ON captions BEGIN
        INSERT INTO captions_terms (rowid, w, p) VALUES (new.id, molmo_terms(new.text, 'w'), molmo_terms(new.text, 'p'));
        INSERT INTO caption_stats (id, len, reps) VALUES (new.id, molmo_terms(new.text, 'n'), molmo_terms(new.text, 'r'));
        INSERT OR IGNORE INTO caption_vocab (term) SELECT value FROM json_each(molmo_terms(new.text, 'v'));
      END;
      CREATE TRIGGER captions_terms_ad AFTER DELETE ON captions BEGIN
        DELETE FROM captions_terms WHERE rowid = old.id;
        DELETE FROM caption_stats WHERE id = old.id;
      END;
      CREATE TRIGGER captions_terms_au AFTER UPDATE OF text ON captions BEGIN
        DELETE FROM captions_terms WHERE rowid = old.id;
        DELETE FROM caption_stats WHERE id = old.id;
        INSERT INTO captions_terms (rowid, w, p) VALUES (new.id, molmo_terms(new.text, 'w'), molmo_terms(new.text, 'p'));
        INSERT INTO caption_stats (id, len, reps) VALUES (new.id, molmo_terms(new.text, 'n'), molmo_terms(new.text, 'r'));
        INSERT OR IGNORE INTO caption_vocab (term) SELECT value FROM json_each(molmo_terms(new.text, 'v'));
      END;
    `);
    // Captions stored before this version (one pass, inside the migration's transaction).
    indexStoredCaptions(db);
  },
};
