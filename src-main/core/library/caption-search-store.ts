// Search's statements over the caption search index (captions_terms, caption_stats, caption_totals, caption_vocab)
// and the recording filters: how the BM25 ranking statement is built, and the reads that scope and weigh it.
// search.ts decides what to ask (ranges, caps, IDFs) and merges the answer into moments.
import type Database from 'better-sqlite3';
import type { Alternative } from './fts-query.js';

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

/** The recording filters as SQL conditions on `r` (recordings) with their named parameters; none → no conditions. */
export interface RecordingFilter {
  where: string[];
  args: Record<string, unknown>;
}

/** The filters as conditions on recordings `r`. */
export function recordingFilter(opts: SearchFilters): RecordingFilter {
  const where: string[] = [];
  const args: Record<string, unknown> = {};
  const ids = opts.recordingIds?.map((x) => Number(x)).filter(Number.isInteger);
  if (opts.recordingIds?.length) where.push(`r.id IN (${ids?.join(',') || 'NULL'})`);
  if (opts.folder) {
    const f = opts.folder.replace(/[\\/]+$/, '');
    where.push('(r.folder = @folder OR substr(r.folder, 1, length(@folderSlash)) = @folderSlash)');
    args.folder = f;
    args.folderSlash = f + (f.includes('\\') && !f.includes('/') ? '\\' : '/');
  }
  if (opts.dateFrom) {
    where.push('r.recorded_at >= @dateFrom');
    args.dateFrom = opts.dateFrom;
  }
  if (opts.dateTo) {
    where.push('r.recorded_at < @dateTo');
    args.dateTo = nextDay(opts.dateTo);
  }
  if (opts.minDuration !== undefined) {
    where.push('r.duration_s >= @minD');
    args.minD = opts.minDuration;
  }
  if (opts.maxDuration !== undefined) {
    where.push('r.duration_s <= @maxD');
    args.maxD = opts.maxDuration;
  }
  return { where, args };
}

function nextDay(d: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(d)) {
    const t = new Date(d + 'T00:00:00Z');
    t.setUTCDate(t.getUTCDate() + 1);
    return t.toISOString().slice(0, 10);
  }
  return d;
}

/** Ids of the recordings that pass the filter (it must have conditions). */
export function filteredRecordingIds(db: Database.Database, filter: RecordingFilter): number[] {
  return db
    .prepare(`SELECT r.id FROM recordings r WHERE ${filter.where.join(' AND ')}`)
    .pluck()
    .all(filter.args) as number[];
}

/**
 * Prepares once: the caption-id range of one recording's captions (through its window-id range; both are unique
 * index range scans), or null when it has none.
 */
export function recordingCaptionRange(
  db: Database.Database,
): (recordingId: number) => { lo: number; hi: number } | null {
  const winRange = db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM windows WHERE recording_id = ?');
  const capRange = db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM captions WHERE window_id BETWEEN ? AND ?');
  type Range = { lo: number | null; hi: number | null };
  return (recordingId) => {
    const w = winRange.get(recordingId) as Range;
    if (w.lo === null || w.hi === null) return null;
    const c = capRange.get(w.lo, w.hi) as Range;
    return c.lo !== null && c.hi !== null ? { lo: c.lo, hi: c.hi } : null;
  };
}

/**
 * A rowid bound for FTS5. JavaScript numbers bind as REAL, and FTS5 seeks only on INTEGER rowid constraints: with a
 * REAL lower bound it walks the doclist from its start (29 ms instead of 2 ms for 4k of 200k matches on 1M).
 */
const int = (param: string) => `CAST(${param} AS INTEGER)`;

/** Prepares once: the newest `limit` caption ids in [lo, hi] that match (no ranking), newest first. */
export function newestMatches(
  db: Database.Database,
): (match: string, lo: number, hi: number, limit: number) => number[] {
  const sql = `SELECT rowid FROM captions_terms WHERE captions_terms MATCH ? AND rowid BETWEEN ${int('?')} AND ${int('?')}
    ORDER BY rowid DESC LIMIT ?`;
  const stmt = db.prepare(sql).pluck();
  return (match, lo, hi, limit) => stmt.all(match, lo, hi, limit) as number[];
}

/** BM25's N and total length (caption_totals); undefined in a library that never had a caption. */
export function captionTotals(db: Database.Database): { n: number; length: number } | undefined {
  return db.prepare('SELECT n, length FROM caption_totals WHERE id = 1').get() as
    { n: number; length: number } | undefined;
}

/** Prepares once: how many of the newest `limit` captions match, and the oldest of them (null when none). */
export function newestMatchSample(
  db: Database.Database,
): (match: string, limit: number) => { n: number; oldest: number | null } {
  const stmt = db.prepare(`SELECT count(*) AS n, min(rowid) AS oldest FROM (
    SELECT rowid FROM captions_terms WHERE captions_terms MATCH ? ORDER BY rowid DESC LIMIT ?)`);
  return (match, limit) => stmt.get(match, limit) as { n: number; oldest: number | null };
}

/** The indexed terms in [from, to], in order, at most `limit`. */
export function vocabularyRange(db: Database.Database, from: string, to: string, limit: number): string[] {
  return db
    .prepare('SELECT term FROM caption_vocab WHERE term >= ? AND term <= ? ORDER BY term LIMIT ?')
    .pluck()
    .all(from, to, limit) as string[];
}

/** What the ranking statement needs: the query, the filter, the id ranges in scope and BM25's weights. */
export interface RankStatement {
  match: string;
  alternatives: Alternative[];
  filter: RecordingFilter;
  /** Sorted, disjoint caption-id ranges in scope (already reduced to a few). */
  scope: Array<[number, number]>;
  /** At most this many candidates, newest first. */
  cap: number;
  /** Each alternative's IDF. */
  idfs: number[];
  /** BM25's k1 and b, and the average caption length. */
  k1: number;
  b: number;
  avgdl: number;
  /** How many ranked captions to return. */
  k: number;
}

/**
 * The candidates (one statement, newest first: FTS5 seeks straight to the upper bound in rowid DESC order, and stops
 * at the cap), ranked by BM25 in SQL. The scope ranges become an OR prefilter (coalesced supersets: gaps hold no
 * filtered caption) and the joins check the filters exactly. Best first; equal scores newest first.
 */
export function rankCaptions(db: Database.Database, r: RankStatement): Array<{ id: number; score: number }> {
  const { where } = r.filter;
  const args: Record<string, unknown> = { ...r.filter.args };
  const { scope } = r;
  const first = scope[0];
  const last = scope[scope.length - 1];
  if (!first || !last) return [];
  const lo = first[0];
  const hi = last[1];
  const within =
    scope.length > 1
      ? ` AND (${scope
          .map((_, i) => `+captions_terms.rowid BETWEEN ${int(`@a${i}`)} AND ${int(`@b${i}`)}`)
          .reverse()
          .join(' OR ')})`
      : '';
  if (within) {
    scope.forEach(([a, b], i) => {
      args[`a${i}`] = a;
      args[`b${i}`] = b;
    });
  }
  const candidates = (bounds: string) =>
    where.length
      ? `SELECT captions_terms.rowid AS id FROM captions_terms
        CROSS JOIN captions c ON c.id = captions_terms.rowid
        CROSS JOIN windows w ON w.id = c.window_id
        CROSS JOIN recordings r ON r.id = w.recording_id
        WHERE captions_terms MATCH @match AND ${bounds}${within} AND ${where.join(' AND ')}
        ORDER BY captions_terms.rowid DESC LIMIT @cap`
      : `SELECT rowid AS id FROM captions_terms WHERE captions_terms MATCH @match AND ${bounds} ORDER BY rowid DESC LIMIT @cap`;
  Object.assign(args, { match: r.match, lo, hi, cap: r.cap });
  // An alternative of an OR group is not in every candidate: membership is checked against its matches among the
  // candidates' id span (the oldest candidate bounds it).
  let wlo = lo;
  const inGroup = r.alternatives.map((a) => r.alternatives.filter((b) => b.group === a.group).length > 1);
  if (inGroup.some(Boolean)) {
    const oldest = `SELECT min(id) FROM (${candidates(`captions_terms.rowid BETWEEN ${int('@lo')} AND ${int('@hi')}`)})`;
    wlo = (db.prepare(oldest).pluck().get(args) as number | null) ?? hi + 1;
    if (wlo > hi) return [];
  }
  args.wlo = wlo;
  const score = bm25Score(r, inGroup, args);
  const ranked =
    db.prepare(`WITH cand AS (${candidates(`captions_terms.rowid BETWEEN ${int('@wlo')} AND ${int('@hi')}`)})
    SELECT cand.id AS id, ${score} AS score FROM cand JOIN caption_stats s ON s.id = cand.id
    ORDER BY score DESC, id DESC LIMIT @k`);
  return ranked.all({ ...args, k: r.k }) as Array<{ id: number; score: number }>;
}

/** The BM25 score expression over `s` (caption_stats) and `cand`; adds its parameters to `args`. */
function bm25Score(r: RankStatement, inGroup: boolean[], args: Record<string, unknown>): string {
  const alts = r.alternatives;
  const tfs = alts.map((a, i) => {
    a.keys.forEach((k, j) => {
      args[`k${i}_${j}`] = k;
      args[`kl${i}_${j}`] = k.length;
    });
    // Most terms occur once: one instr() on the (usually short or NULL) reps string decides it.
    const reps = a.keys.map(
      (_, j) =>
        `iif(instr(s.reps, @k${i}_${j}) > 0, CAST(substr(s.reps, instr(s.reps, @k${i}_${j}) + @kl${i}_${j}) AS INTEGER), 1)`,
    );
    const tf = reps.length <= 1 ? (reps[0] ?? '1') : `min(${reps.join(', ')})`;
    if (!inGroup[i]) return tf;
    args[`m${i}`] = a.match;
    return `iif(cand.id IN (SELECT rowid FROM captions_terms WHERE captions_terms MATCH @m${i} AND rowid BETWEEN ${int('@wlo')} AND ${int('@hi')}), ${tf}, 0)`;
  });
  // idf·tf·(k1+1)/(tf + k1·(1 − b + b·len/avgdl)) written as idf·(k1+1)/(1 + (c0 + c1·len)/tf): each tf is
  // evaluated once, and tf 0 (an OR alternative the caption lacks) divides by zero, NULL in SQL, so it adds 0.
  alts.forEach((_, i) => {
    args[`w${i}`] = (r.idfs[i] ?? 0) * (r.k1 + 1);
  });
  args.c0 = r.k1 * (1 - r.b);
  args.c1 = (r.k1 * r.b) / r.avgdl;
  return tfs
    .map((t, i) =>
      t === '1' ? `@w${i} / (1 + @c0 + @c1 * s.len)` : `coalesce(@w${i} / (1 + (@c0 + @c1 * s.len) / ${t}), 0)`,
    )
    .join(' + ');
}
