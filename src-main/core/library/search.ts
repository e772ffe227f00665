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
  /** Higher is better: the BM25 score of the best caption in the moment. */
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
/** Document frequencies of alternatives more common than this are estimated from their newest this-many matches. */
export const DF_SAMPLE = 2_000;
const K1 = 1.2;
const B = 0.75;

/**
 * Searches captions; returns moments sorted by score. A query with nothing searchable returns [].
 *
 * Scoring is BM25 (k1 1.2, b 0.75, IDF ln(1 + (N − n + 0.5)/(n + 0.5))) computed in SQL from captions_terms
 * matches and caption_stats, not FTS5's bm25(): that function counts every phrase's documents over the whole
 * table on each query (~70 ms for a word in most captions of 1M). Here n is exact for an alternative with fewer
 * than DF_SAMPLE matches and otherwise estimated from the id span of its newest DF_SAMPLE matches; a phrase is
 * matched on its word pairs, with the term frequency of its least repeated word.
 */
export function search(lib: Library, query: string, opts: SearchOptions & { rankCap?: number } = {}): Moment[] {
  const { match, highlight, alternatives } = toFtsQuery(query, (prefix) => expandPrefix(lib, prefix));
  const limit = Math.max(1, Math.min(opts.limit ?? 20, 1000));
  if (!match) return [];
  const db = lib.db;
  const maxId = db.prepare('SELECT max(id) FROM captions').pluck().get() as number | null;
  if (maxId === null) return [];
  const filter = recordingFilter(opts);
  const ranges = captionRanges(db, filter, maxId);
  if (!ranges.length) return [];
  const cap = Math.max(1, opts.rankCap ?? Math.max(limit * 4, DEFAULT_RANK_CAP));
  const scoped = ranges.length > 1 ? capRanges(db, match, ranges, cap) : ranges;
  if (!scoped.length) return [];
  const rows = rankBm25(db, { match, alternatives, filter, scoped, cap, maxId, k: limit * 4 });
  const detail = db.prepare(`SELECT c.id, w.recording_id, r.path, w.start_s, w.end_s FROM captions c
    JOIN windows w ON w.id = c.window_id JOIN recordings r ON r.id = w.recording_id WHERE c.id = ?`);
  const hits: Hit[] = rows.map((t) => ({ ...(detail.get(t.id) as Omit<Hit, 'rank' | 'snippet'>), rank: -t.score, snippet: '' }));
  const moments = mergeMoments(hits).slice(0, limit);
  // Snippets only for the moments returned, from the stored text (no second MATCH per row).
  const [open, close] = opts.highlight ?? ['«', '»'];
  const textOf = db.prepare('SELECT text FROM captions WHERE id = ?').pluck();
  for (const m of moments) m.snippet = makeSnippet((textOf.get(m.captionIds[0]) as string | undefined) ?? '', highlight, open, close);
  return moments;
}

/** The recording filters as SQL conditions on `r` (recordings) with their named parameters; none → no conditions. */
interface RecordingFilter {
  where: string[];
  args: Record<string, unknown>;
}

function recordingFilter(opts: SearchFilters): RecordingFilter {
  const where: string[] = [];
  const args: Record<string, unknown> = {};
  if (opts.recordingIds?.length) where.push(`r.id IN (${opts.recordingIds.map((x) => Number(x)).filter(Number.isInteger).join(',') || 'NULL'})`);
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
  return { where, args };
}

/**
 * Caption-id ranges that hold the filtered recordings' captions (an indexing job writes a recording's captions in one
 * run, so each is usually one range); the ranking statement still checks the filter exactly. Sorted and disjoint.
 */
function captionRanges(db: Library['db'], filter: RecordingFilter, maxId: number): Array<[number, number]> {
  if (!filter.where.length) return [[1, maxId]];
  // Index range scans only (recordings is small; windows and captions are read through their unique indexes).
  const recIds = db.prepare(`SELECT r.id FROM recordings r WHERE ${filter.where.join(' AND ')}`).pluck().all(filter.args) as number[];
  if (!recIds.length) return [];
  const all = db.prepare('SELECT count(*) FROM recordings').pluck().get() as number;
  // A filter that keeps most recordings: per-recording ranges would cost more than they save.
  if (recIds.length * 2 > all) return [[1, maxId]];
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
  const ranges: Array<[number, number]> = [];
  for (const { lo, hi } of rows) {
    const last = ranges[ranges.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else ranges.push([lo, hi]);
  }
  return ranges;
}

/**
 * Ranges newest first until `cap` captions are in scope (one range needs none of this: the ranking statement's LIMIT
 * is the cap). Small ranges are charged their size; larger ones stream matching rowids (no ranking) to find where
 * the cap runs out.
 */
function capRanges(db: Library['db'], match: string, ranges: Array<[number, number]>, cap: number): Array<[number, number]> {
  let budget = cap;
  const stream = db.prepare(`SELECT rowid FROM captions_terms WHERE captions_terms MATCH ? AND rowid BETWEEN ${int('?')} AND ${int('?')} ORDER BY rowid DESC LIMIT ?`).pluck();
  const scoped: Array<[number, number]> = [];
  for (let i = ranges.length - 1; i >= 0 && budget > 0; i--) {
    const [lo, hi] = ranges[i];
    if (hi - lo + 1 <= budget) {
      budget -= hi - lo + 1;
      scoped.unshift([lo, hi]);
      continue;
    }
    const ids = stream.all(match, lo, hi, budget) as number[];
    if (!ids.length) continue;
    budget -= ids.length;
    scoped.unshift([budget === 0 ? ids[ids.length - 1] : lo, hi]);
  }
  return scoped;
}

type Alternative = ReturnType<typeof toFtsQuery>['alternatives'][number];

interface RankInput {
  match: string;
  alternatives: Alternative[];
  filter: RecordingFilter;
  scoped: Array<[number, number]>;
  cap: number;
  maxId: number;
  /** How many ranked captions to return. */
  k: number;
}

/**
 * The candidates (one statement, newest first: FTS5 seeks straight to the upper bound in rowid DESC order, and stops
 * at the cap), ranked by BM25 in SQL. The scoped ranges become an OR prefilter (coalesced supersets: gaps hold no
 * filtered caption) and the joins check the filters exactly. Best first; equal scores newest first.
 */
function rankBm25(db: Library['db'], r: RankInput): Array<{ id: number; score: number }> {
  const { where } = r.filter;
  const args: Record<string, unknown> = { ...r.filter.args };
  const scope = coalesce(r.scoped, MAX_RANGES);
  const lo = scope[0][0];
  const hi = scope[scope.length - 1][1];
  const within = scope.length > 1 ? ` AND (${scope.map((_, i) => `+captions_terms.rowid BETWEEN ${int(`@a${i}`)} AND ${int(`@b${i}`)}`).reverse().join(' OR ')})` : '';
  if (within) scope.forEach(([a, b], i) => { args[`a${i}`] = a; args[`b${i}`] = b; });
  const candidates = (bounds: string) => (where.length
    ? `SELECT captions_terms.rowid AS id FROM captions_terms
        CROSS JOIN captions c ON c.id = captions_terms.rowid
        CROSS JOIN windows w ON w.id = c.window_id
        CROSS JOIN recordings r ON r.id = w.recording_id
        WHERE captions_terms MATCH @match AND ${bounds}${within} AND ${where.join(' AND ')}
        ORDER BY captions_terms.rowid DESC LIMIT @cap`
    : `SELECT rowid AS id FROM captions_terms WHERE captions_terms MATCH @match AND ${bounds} ORDER BY rowid DESC LIMIT @cap`);
  Object.assign(args, { match: r.match, lo, hi, cap: r.cap });
  const idfs = alternativeIdfs(db, r.alternatives, r.maxId);
  // An alternative of an OR group is not in every candidate: membership is checked against its matches among the
  // candidates' id span (the oldest candidate bounds it).
  let wlo = lo;
  const inGroup = r.alternatives.map((a) => r.alternatives.filter((b) => b.group === a.group).length > 1);
  if (inGroup.some(Boolean)) {
    wlo = (db.prepare(`SELECT min(id) FROM (${candidates(`captions_terms.rowid BETWEEN ${int('@lo')} AND ${int('@hi')}`)})`).pluck().get(args) as number | null) ?? hi + 1;
    if (wlo > hi) return [];
  }
  args.wlo = wlo;
  const score = bm25Score(r.alternatives, inGroup, idfs.idf, idfs.avgdl, args);
  const ranked = db.prepare(`WITH cand AS (${candidates(`captions_terms.rowid BETWEEN ${int('@wlo')} AND ${int('@hi')}`)})
    SELECT cand.id AS id, ${score} AS score FROM cand JOIN caption_stats s ON s.id = cand.id
    ORDER BY score DESC, id DESC LIMIT @k`);
  return ranked.all({ ...args, k: r.k }) as Array<{ id: number; score: number }>;
}

/** BM25's statistics: each alternative's IDF (document frequency exact below DF_SAMPLE, else estimated) and avgdl. */
function alternativeIdfs(db: Library['db'], alts: Alternative[], maxId: number): { idf: number[]; avgdl: number } {
  const totals = db.prepare('SELECT n, length FROM caption_totals WHERE id = 1').get() as { n: number; length: number } | undefined;
  const n = Math.max(1, totals?.n ?? 0);
  const avgdl = Math.max(1, (totals?.length ?? 0) / n);
  const idf = (df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));
  const dfOf = (count: number, oldest: number | null, sample: number) =>
    count < sample || oldest === null ? count : Math.min(n, Math.max(count, (sample * maxId) / (maxId - oldest + 1)));
  const sampleStmt = db.prepare('SELECT count(*) AS n, min(rowid) AS oldest FROM (SELECT rowid FROM captions_terms WHERE captions_terms MATCH ? ORDER BY rowid DESC LIMIT ?)');
  return {
    idf: alts.map((a) => {
      const s = sampleStmt.get(a.match, DF_SAMPLE) as { n: number; oldest: number | null };
      return idf(dfOf(s.n, s.oldest, DF_SAMPLE));
    }),
    avgdl,
  };
}

/** The BM25 score expression over `s` (caption_stats) and `cand`; adds its parameters to `args`. */
function bm25Score(alts: Alternative[], inGroup: boolean[], idfs: number[], avgdl: number, args: Record<string, unknown>): string {
  const tfs = alts.map((a, i) => {
    a.keys.forEach((k, j) => { args[`k${i}_${j}`] = k; args[`kl${i}_${j}`] = k.length; });
    // Most terms occur once: one instr() on the (usually short or NULL) reps string decides it.
    const reps = a.keys.map((_, j) => `iif(instr(s.reps, @k${i}_${j}) > 0, CAST(substr(s.reps, instr(s.reps, @k${i}_${j}) + @kl${i}_${j}) AS INTEGER), 1)`);
    const tf = reps.length === 0 ? '1' : reps.length === 1 ? reps[0] : `min(${reps.join(', ')})`;
    if (!inGroup[i]) return tf;
    args[`m${i}`] = a.match;
    return `iif(cand.id IN (SELECT rowid FROM captions_terms WHERE captions_terms MATCH @m${i} AND rowid BETWEEN ${int('@wlo')} AND ${int('@hi')}), ${tf}, 0)`;
  });
  // idf·tf·(k1+1)/(tf + k1·(1 − b + b·len/avgdl)) written as idf·(k1+1)/(1 + (c0 + c1·len)/tf): each tf is
  // evaluated once, and tf 0 (an OR alternative the caption lacks) divides by zero, NULL in SQL, so it adds 0.
  alts.forEach((_, i) => { args[`w${i}`] = idfs[i] * (K1 + 1); });
  args.c0 = K1 * (1 - B);
  args.c1 = (K1 * B) / avgdl;
  return tfs.map((t, i) => (t === '1' ? `@w${i} / (1 + @c0 + @c1 * s.len)` : `coalesce(@w${i} / (1 + (@c0 + @c1 * s.len) / ${t}), 0)`)).join(' + ');
}

/** A prefix with more terms than this is left to FTS5's own prefix query. */
export const MAX_PREFIX_TERMS = 64;

/** The indexed terms that start with `prefix` (caption_vocab), or null when there are more than MAX_PREFIX_TERMS. */
export function expandPrefix(lib: Library, prefix: string): string[] | null {
  const ts = lib.db.prepare('SELECT term FROM caption_vocab WHERE term >= ? AND term <= ? ORDER BY term LIMIT ?').pluck()
    .all(prefix, prefix + '\u{10FFFF}', MAX_PREFIX_TERMS + 1) as string[];
  return ts.length > MAX_PREFIX_TERMS ? null : ts;
}

/**
 * A rowid bound for FTS5. JavaScript numbers bind as REAL, and FTS5 seeks only on INTEGER rowid constraints: with a
 * REAL lower bound it walks the doclist from its start (29 ms instead of 2 ms for 4k of 200k matches on 1M).
 */
const int = (param: string) => `CAST(${param} AS INTEGER)`;

/** At most this many OR'ed rowid ranges in the ranking statement; more are merged across their smallest gaps. */
const MAX_RANGES = 32;

/**
 * Sorted, disjoint ranges reduced to at most `max` by closing the smallest gaps (the result covers the input).
 * Equal gaps close oldest first: the ranking scan runs newest first and usually stops inside the newest ranges.
 */
export function coalesce(ranges: Array<[number, number]>, max: number): Array<[number, number]> {
  if (ranges.length <= max) return ranges.map(([a, b]) => [a, b]);
  const order = ranges.slice(1).map(([a], i) => ({ i, gap: a - ranges[i][1] })).sort((x, y) => x.gap - y.gap || x.i - y.i);
  const close = new Set(order.slice(0, ranges.length - max).map((g) => g.i));
  const out: Array<[number, number]> = [[ranges[0][0], ranges[0][1]]];
  ranges.slice(1).forEach(([a, b], i) => {
    const last = out[out.length - 1];
    if (close.has(i)) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  });
  return out;
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
