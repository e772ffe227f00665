// Full-text search over captions: FTS5 BM25 ranking, filters, highlighted snippets, and overlapping windows
// of one recording merged into a single moment.
import type { Library } from './store.js';
import { toFtsQuery, type Alternative } from './fts-query.js';
import { makeSnippet } from './snippet.js';
import {
  captionTotals,
  filteredRecordingIds,
  newestMatches,
  newestMatchSample,
  rankCaptions,
  recordingCaptionRange,
  recordingFilter,
  vocabularyRange,
  type RecordingFilter,
  type SearchFilters,
} from './caption-search-store.js';
import { captionPlaces, captionTexts, maxCaptionId } from './captions-store.js';
import { countRecordings } from './recordings-store.js';

export type { SearchFilters } from './caption-search-store.js';

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

interface Hit {
  id: number;
  recording_id: number;
  path: string;
  start_s: number;
  end_s: number;
  rank: number;
  snippet: string;
}

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
  const maxId = maxCaptionId(db);
  if (maxId === null) return [];
  const filter = recordingFilter(opts);
  const ranges = captionRanges(db, filter, maxId);
  if (!ranges.length) return [];
  const cap = Math.max(1, opts.rankCap ?? Math.max(limit * 4, DEFAULT_RANK_CAP));
  const scoped = ranges.length > 1 ? capRanges(db, match, ranges, cap) : ranges;
  if (!scoped.length) return [];
  const rows = rankBm25(db, { match, alternatives, filter, scoped, cap, maxId, k: limit * 4 });
  const placeOf = captionPlaces(db);
  const hits: Hit[] = rows.flatMap((t) => {
    const p = placeOf(t.id); // undefined only for a caption another process deleted since the ranking
    return p
      ? [
          {
            id: p.id,
            recording_id: p.recording_id,
            path: p.path,
            start_s: p.start_s,
            end_s: p.end_s,
            rank: -t.score,
            snippet: '',
          },
        ]
      : [];
  });
  const moments = mergeMoments(hits).slice(0, limit);
  // Snippets only for the moments returned, from the stored text (no second MATCH per row).
  const [open, close] = opts.highlight ?? ['«', '»'];
  const textOf = captionTexts(db);
  for (const m of moments) {
    const best = m.captionIds[0];
    m.snippet = makeSnippet((best === undefined ? undefined : textOf(best)) ?? '', highlight, open, close);
  }
  return moments;
}

/**
 * Caption-id ranges that hold the filtered recordings' captions (an indexing job writes a recording's captions in one
 * run, so each is usually one range); the ranking statement still checks the filter exactly. Sorted and disjoint.
 */
function captionRanges(db: Library['db'], filter: RecordingFilter, maxId: number): Array<[number, number]> {
  if (!filter.where.length) return [[1, maxId]];
  // Index range scans only (recordings is small; windows and captions are read through their unique indexes).
  const recIds = filteredRecordingIds(db, filter);
  if (!recIds.length) return [];
  const all = countRecordings(db);
  // A filter that keeps most recordings: per-recording ranges would cost more than they save.
  if (recIds.length * 2 > all) return [[1, maxId]];
  const rangeOf = recordingCaptionRange(db);
  const rows: Array<{ lo: number; hi: number }> = [];
  for (const id of recIds) {
    const c = rangeOf(id);
    if (c) rows.push(c);
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
function capRanges(
  db: Library['db'],
  match: string,
  ranges: Array<[number, number]>,
  cap: number,
): Array<[number, number]> {
  let budget = cap;
  const stream = newestMatches(db);
  const scoped: Array<[number, number]> = [];
  for (let i = ranges.length - 1; i >= 0 && budget > 0; i--) {
    const [lo, hi] = ranges[i]!;
    if (hi - lo + 1 <= budget) {
      budget -= hi - lo + 1;
      scoped.unshift([lo, hi]);
      continue;
    }
    const ids = stream(match, lo, hi, budget);
    const oldest = ids.at(-1);
    if (oldest === undefined) continue;
    budget -= ids.length;
    scoped.unshift([budget === 0 ? oldest : lo, hi]);
  }
  return scoped;
}

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

/** The candidates in scope ranked by BM25 (the statement is built in caption-search-store.ts). */
function rankBm25(db: Library['db'], r: RankInput): Array<{ id: number; score: number }> {
  const { idf, avgdl } = alternativeIdfs(db, r.alternatives, r.maxId);
  const scope = coalesce(r.scoped, MAX_RANGES);
  return rankCaptions(db, { ...r, scope, idfs: idf, k1: K1, b: B, avgdl });
}

/** BM25's statistics: each alternative's IDF (document frequency exact below DF_SAMPLE, else estimated) and avgdl. */
function alternativeIdfs(db: Library['db'], alts: Alternative[], maxId: number): { idf: number[]; avgdl: number } {
  const totals = captionTotals(db);
  const n = Math.max(1, totals?.n ?? 0);
  const avgdl = Math.max(1, (totals?.length ?? 0) / n);
  const idf = (df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));
  const dfOf = (count: number, oldest: number | null, sample: number) =>
    count < sample || oldest === null ? count : Math.min(n, Math.max(count, (sample * maxId) / (maxId - oldest + 1)));
  const sample = newestMatchSample(db);
  return {
    idf: alts.map((a) => {
      const s = sample(a.match, DF_SAMPLE);
      return idf(dfOf(s.n, s.oldest, DF_SAMPLE));
    }),
    avgdl,
  };
}

/** A prefix with more terms than this is left to FTS5's own prefix query. */
export const MAX_PREFIX_TERMS = 64;

/** The indexed terms that start with `prefix` (caption_vocab), or null when there are more than MAX_PREFIX_TERMS. */
export function expandPrefix(lib: Library, prefix: string): string[] | null {
  const ts = vocabularyRange(lib.db, prefix, prefix + '\u{10FFFF}', MAX_PREFIX_TERMS + 1);
  return ts.length > MAX_PREFIX_TERMS ? null : ts;
}

/** At most this many OR'ed rowid ranges in the ranking statement; more are merged across their smallest gaps. */
const MAX_RANGES = 32;

/**
 * Sorted, disjoint ranges reduced to at most `max` by closing the smallest gaps (the result covers the input).
 * Equal gaps close oldest first: the ranking scan runs newest first and usually stops inside the newest ranges.
 */
export function coalesce(ranges: Array<[number, number]>, max: number): Array<[number, number]> {
  const [first, ...rest] = ranges;
  if (!first || ranges.length <= max) return ranges.map(([a, b]) => [a, b]);
  const order = rest.map(([a], i) => ({ i, gap: a - ranges[i]![1] })).sort((x, y) => x.gap - y.gap || x.i - y.i); // ranges[i] precedes rest[i]
  const close = new Set(order.slice(0, ranges.length - max).map((g) => g.i));
  let last: [number, number] = [first[0], first[1]];
  const out = [last];
  rest.forEach(([a, b], i) => {
    if (close.has(i)) last[1] = Math.max(last[1], b);
    else out.push((last = [a, b]));
  });
  return out;
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
        recordingId: best.recording_id,
        path: best.path,
        start: cur.start,
        end: cur.end,
        score: -best.rank,
        snippet: best.snippet,
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
