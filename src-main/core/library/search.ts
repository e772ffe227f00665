// Full-text search over captions: FTS5 BM25 ranking, filters, highlighted snippets, and overlapping windows
// of one recording merged into a single moment.
import type { Library } from './store.js';
import { toFtsQuery } from './fts-query.js';
import { makeSnippet } from './snippet.js';

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

/**
 * BM25 is computed only over the newest `rankCap` matching captions (default 5,000). FTS5 has no top-k
 * pruning: ranking a word that occurs in 400k of 1M captions costs ~1 s, and among that many equally
 * plausible hits the newest are the useful ones. Queries with fewer matches are ranked exactly.
 */
export const DEFAULT_RANK_CAP = 5_000;

/** Searches captions; returns moments sorted by score. A query with nothing searchable returns []. */
export function search(lib: Library, query: string, opts: SearchOptions & { rankCap?: number } = {}): Moment[] {
  const { match, terms } = toFtsQuery(query);
  const limit = Math.max(1, Math.min(opts.limit ?? 20, 1000));
  if (!match) return [];
  const db = lib.db;
  const [open, close] = opts.highlight ?? ['«', '»'];
  const recWhere: string[] = [];
  const args: Record<string, unknown> = {};
  if (opts.recordingIds?.length) recWhere.push(`r.id IN (${opts.recordingIds.map((x) => Number(x)).filter(Number.isInteger).join(',') || 'NULL'})`);
  if (opts.folder) {
    const f = opts.folder.replace(/[\\/]+$/, '');
    recWhere.push('(r.folder = @folder OR substr(r.folder, 1, length(@folderSlash)) = @folderSlash)');
    args.folder = f;
    args.folderSlash = f + (f.includes('\\') && !f.includes('/') ? '\\' : '/');
  }
  if (opts.dateFrom) { recWhere.push('r.recorded_at >= @dateFrom'); args.dateFrom = opts.dateFrom; }
  if (opts.dateTo) { recWhere.push('r.recorded_at < @dateTo'); args.dateTo = nextDay(opts.dateTo); }
  if (opts.minDuration !== undefined) { recWhere.push('r.duration_s >= @minD'); args.minD = opts.minDuration; }
  if (opts.maxDuration !== undefined) { recWhere.push('r.duration_s <= @maxD'); args.maxD = opts.maxDuration; }

  // Scope: caption-id ranges that hold the filtered recordings' captions (an indexing job writes a recording's
  // captions in one run, so each is usually one range). The join below still checks the filter exactly.
  let ranges: Array<[number, number]>;
  if (recWhere.length) {
    // Index range scans only (recordings is small; windows and captions are read through their unique indexes).
    const recIds = db.prepare(`SELECT r.id FROM recordings r WHERE ${recWhere.join(' AND ')}`).pluck().all(args) as number[];
    const all = db.prepare('SELECT count(*) FROM recordings').pluck().get() as number;
    // A filter that keeps most recordings: per-recording ranges would cost more than they save.
    const wide = recIds.length * 2 > all;
    if (!recIds.length) return [];
    if (wide) recIds.length = 0;
    const winRange = db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM windows WHERE recording_id = ?');
    const capRange = db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM captions WHERE window_id BETWEEN ? AND ?');
    const rows: Array<{ lo: number; hi: number }> = [];
    for (const id of recIds) {
      const w = winRange.get(id) as { lo: number | null; hi: number | null };
      if (w.lo === null || w.hi === null) continue;
      const c = capRange.get(w.lo, w.hi) as { lo: number | null; hi: number | null };
      if (c.lo !== null && c.hi !== null) rows.push({ lo: c.lo, hi: c.hi });
    }
    rows.sort((a, b) => a.lo - b.lo);
    ranges = [];
    if (wide) {
      const hi = db.prepare('SELECT max(id) FROM captions').pluck().get() as number | null;
      if (hi !== null) ranges.push([1, hi]);
    }
    for (const { lo, hi } of rows) {
      const last = ranges[ranges.length - 1];
      if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
      else ranges.push([lo, hi]);
    }
  } else {
    const hi = db.prepare('SELECT max(id) FROM captions').pluck().get() as number | null;
    ranges = hi === null ? [] : [[1, hi]];
  }
  if (!ranges.length) return [];

  // Cap: walk ranges newest first, streaming matching rowids (cheap: no ranking) until the cap is spent.
  let budget = Math.max(1, opts.rankCap ?? Math.max(limit * 4, DEFAULT_RANK_CAP));
  const stream = db.prepare('SELECT rowid FROM captions_fts WHERE captions_fts MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid DESC LIMIT ?').pluck();
  const scoped: Array<[number, number]> = [];
  for (let i = ranges.length - 1; i >= 0 && budget > 0; i--) {
    const [lo, hi] = ranges[i];
    if (hi - lo + 1 <= budget) {
      // A range no larger than the budget cannot overflow it: skip the streaming query (charge its size).
      budget -= hi - lo + 1;
      scoped.push([lo, hi]);
      continue;
    }
    const ids = stream.all(match, lo, hi, budget) as number[];
    if (!ids.length) continue;
    budget -= ids.length;
    scoped.push([budget === 0 ? ids[ids.length - 1] : lo, hi]);
  }

  // bm25() sorted by SQLite, not FTS5's ORDER BY rank: FTS5's rank sorter ignored the rowid bounds and was
  // 5× slower on 1M captions. The joins check filters exactly (ranges are supersets) before the LIMIT.
  const k = limit * 4;
  const ranked = db.prepare(recWhere.length
    ? `SELECT captions_fts.rowid AS id, bm25(captions_fts) AS rank FROM captions_fts
        CROSS JOIN captions c ON c.id = captions_fts.rowid
        CROSS JOIN windows w ON w.id = c.window_id
        CROSS JOIN recordings r ON r.id = w.recording_id
        WHERE captions_fts MATCH @match AND captions_fts.rowid BETWEEN @lo AND @hi AND ${recWhere.join(' AND ')}
        ORDER BY rank LIMIT @k`
    : 'SELECT rowid AS id, bm25(captions_fts) AS rank FROM captions_fts WHERE captions_fts MATCH @match AND rowid BETWEEN @lo AND @hi ORDER BY rank LIMIT @k');
  let top: Array<{ id: number; rank: number }> = [];
  for (const [lo, hi] of scoped) top.push(...(ranked.all({ ...args, match, lo, hi, k }) as Array<{ id: number; rank: number }>));
  if (scoped.length > 1) top = top.sort((a, b) => a.rank - b.rank).slice(0, k);

  const detail = db.prepare(`SELECT c.id, w.recording_id, r.path, w.start_s, w.end_s FROM captions c
    JOIN windows w ON w.id = c.window_id JOIN recordings r ON r.id = w.recording_id WHERE c.id = ?`);
  const hits: Hit[] = top.map((t) => ({ ...(detail.get(t.id) as Omit<Hit, 'rank' | 'snippet'>), rank: t.rank, snippet: '' }));
  const moments = mergeMoments(hits).slice(0, limit);
  // Snippets only for the moments returned, from the stored text (no second MATCH per row).
  const textOf = db.prepare('SELECT text FROM captions WHERE id = ?').pluck();
  for (const m of moments) m.snippet = makeSnippet((textOf.get(m.captionIds[0]) as string | undefined) ?? '', terms, open, close);
  return moments;
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
