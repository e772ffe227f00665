// Full-text search over captions: FTS5 BM25 ranking, filters, highlighted snippets, and overlapping windows
// of one recording merged into a single moment.
import type { Library } from './store.js';
import { toFtsQuery } from './fts-query.js';

export interface SearchFilters {
  recordingIds?: number[];
  /** Only recordings inside this folder (recursively). */
  folder?: string;
  /** ISO dates (inclusive) on the recording's date (creation tag, else file mtime). */
  dateFrom?: string;
  dateTo?: string;
  /** Recording duration bounds in seconds. */
  minDuration?: number;
  maxDuration?: number;
}

export interface SearchOptions extends SearchFilters {
  limit?: number;
  /** Snippet markers (default « and »). */
  highlight?: [string, string];
}

export interface Moment {
  recordingId: number;
  path: string;
  start: number;
  end: number;
  /** Higher is better (negated BM25 of the best caption in the moment). */
  score: number;
  snippet: string;
  /** Caption ids merged into this moment, best first. */
  captionIds: number[];
}

interface Hit { id: number; recording_id: number; path: string; start_s: number; end_s: number; rank: number; snippet: string }

/** Searches captions; returns moments sorted by score. A query with nothing searchable returns []. */
export function search(lib: Library, query: string, opts: SearchOptions = {}): Moment[] {
  const { match } = toFtsQuery(query);
  const limit = Math.max(1, Math.min(opts.limit ?? 20, 1000));
  if (!match) return [];
  const [open, close] = opts.highlight ?? ['«', '»'];
  const where: string[] = ['captions_fts MATCH @match'];
  const args: Record<string, unknown> = { match, open, close, k: limit * 4 };
  if (opts.recordingIds?.length) where.push(`w.recording_id IN (${opts.recordingIds.map((x) => Number(x)).filter(Number.isInteger).join(',') || 'NULL'})`);
  if (opts.folder) {
    const f = opts.folder.replace(/[\\/]+$/, '');
    where.push('(r.folder = @folder OR substr(r.folder, 1, length(@folderSlash)) = @folderSlash)');
    args.folder = f;
    args.folderSlash = f + (f.includes('\\') && !f.includes('/') ? '\\' : '/');
  }
  if (opts.dateFrom) { where.push('r.recorded_at >= @dateFrom'); args.dateFrom = opts.dateFrom; }
  if (opts.dateTo) { where.push('r.recorded_at < @dateTo'); args.dateTo = nextDay(opts.dateTo); }
  if (opts.minDuration !== undefined) { where.push('r.duration_s >= @minD'); args.minD = opts.minDuration; }
  if (opts.maxDuration !== undefined) { where.push('r.duration_s <= @maxD'); args.maxD = opts.maxDuration; }
  // ORDER BY rank lets FTS5 sort by BM25 itself, so snippet() runs only for the rows returned.
  // Over-fetch (4×) so merging overlapping windows still leaves `limit` moments.
  const sql = `SELECT c.id, w.recording_id, r.path, w.start_s, w.end_s, captions_fts.rank AS rank,
      snippet(captions_fts, 0, @open, @close, '…', 16) AS snippet
    FROM captions_fts
    JOIN captions c ON c.id = captions_fts.rowid
    JOIN windows w ON w.id = c.window_id
    JOIN recordings r ON r.id = w.recording_id
    WHERE ${where.join(' AND ')}
    ORDER BY captions_fts.rank LIMIT @k`;
  const hits = lib.db.prepare(sql).all(args) as Hit[];
  return mergeMoments(hits).slice(0, limit);
}

function nextDay(d: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(d)) {
    const t = new Date(d + 'T00:00:00Z');
    t.setUTCDate(t.getUTCDate() + 1);
    return t.toISOString().slice(0, 10);
  }
  return d;
}

/** Merges hits of the same recording whose time spans overlap or touch; best hit gives score and snippet. */
export function mergeMoments(hits: Hit[]): Moment[] {
  const byRec = new Map<number, Hit[]>();
  for (const h of hits) {
    const list = byRec.get(h.recording_id);
    if (list) list.push(h);
    else byRec.set(h.recording_id, [h]);
  }
  const out: Moment[] = [];
  for (const list of byRec.values()) {
    list.sort((a, b) => a.start_s - b.start_s);
    let cur: { hits: Hit[]; start: number; end: number } | null = null;
    const flush = () => {
      if (!cur) return;
      const best = cur.hits.reduce((a, b) => (b.rank < a.rank ? b : a));
      out.push({
        recordingId: best.recording_id, path: best.path, start: cur.start, end: cur.end, score: -best.rank, snippet: best.snippet,
        captionIds: [...cur.hits].sort((a, b) => a.rank - b.rank).map((h) => h.id),
      });
    };
    for (const h of list) {
      if (cur && h.start_s <= cur.end) {
        cur.hits.push(h);
        cur.end = Math.max(cur.end, h.end_s);
      } else {
        flush();
        cur = { hits: [h], start: h.start_s, end: h.end_s };
      }
    }
    flush();
  }
  return out.sort((a, b) => b.score - a.score);
}
