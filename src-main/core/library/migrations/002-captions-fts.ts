// Migration 2: FTS5 full-text index over captions (external content, kept in sync by triggers).
// Porter stemming so "running" finds "runs"; 'rebuild' indexes captions stored before this version.
import type { Migration } from './types.js';

export const m002CaptionsFts: Migration = {
  version: 2,
  name: 'captions-fts',
  up(db) {
    db.exec(`
      CREATE VIRTUAL TABLE captions_fts USING fts5(
        text,
        content = 'captions',
        content_rowid = 'id',
        tokenize = 'porter unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER captions_ai AFTER INSERT ON captions BEGIN
        INSERT INTO captions_fts (rowid, text) VALUES (new.id, new.text);
      END;
      CREATE TRIGGER captions_ad AFTER DELETE ON captions BEGIN
        INSERT INTO captions_fts (captions_fts, rowid, text) VALUES ('delete', old.id, old.text);
      END;
      CREATE TRIGGER captions_au AFTER UPDATE OF text ON captions BEGIN
        INSERT INTO captions_fts (captions_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO captions_fts (rowid, text) VALUES (new.id, new.text);
      END;
      INSERT INTO captions_fts (captions_fts) VALUES ('rebuild');
    `);
  },
};
