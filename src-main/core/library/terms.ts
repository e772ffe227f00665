// Caption text → search terms, the one tokenizer both the index and queries use: Unicode words, case and accents
// folded, Porter-stemmed; word pairs for phrases; per-caption length and repeated terms for BM25.
import type Database from 'better-sqlite3';
import { porterStem } from './porter.js';

const WORD = /[\p{L}\p{N}]+/gu;
/** Longer tokens are cut (FTS5 keeps terms short; nobody searches a 200-letter word). */
const MAX_TOKEN = 64;

/** Folds one word the way the index stores it: compatibility-decomposed, marks removed, lowercase. */
export function foldWord(w: string): string {
  return w.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Stems of words seen (a caption vocabulary is small and Zipf-shaped; stemming is ~1 µs a word, a hit ~50 ns). */
const stemCache = new Map<string, string>();
const STEM_CACHE_MAX = 200_000;
function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    if (stemCache.size >= STEM_CACHE_MAX) stemCache.clear();
    s = porterStem(word);
    stemCache.set(word, s);
  }
  return s;
}

/** The index terms of a text, in order: folded words, Porter-stemmed (ASCII words), cut at 64 characters. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const m of foldWord(text).matchAll(WORD))
    out.push(stem(m[0].length > MAX_TOKEN ? m[0].slice(0, MAX_TOKEN) : m[0]));
  return out;
}

/**
 * The pair token of two adjacent terms; a phrase of n terms is the FTS5 phrase of its n − 1 pairs. The leading
 * underscore keeps pairs out of word prefix queries ("scoo*" must not merge every "scooter_…" pair).
 */
export const pairOf = (a: string, b: string): string => `_${a}_${b}`;

/** The key searched for in `reps` with instr(): a space before, a colon after (terms hold neither). */
export const statsKey = (term: string): string => ` ${term}:`;

export interface IndexedText {
  /** Space-separated terms (the FTS5 `w` column). */
  words: string;
  /** Space-separated adjacent-term pairs (the FTS5 `p` column). */
  pairs: string;
  /** Number of terms (BM25's document length). */
  length: number;
  /** " term:count…" for every term that occurs more than once, or null (BM25's term frequencies). */
  reps: string | null;
  /** The distinct terms, as a JSON array (for the caption_vocab table that prefix queries expand through). */
  vocab: string;
}

/** Everything the search index stores for one caption. */
export function indexText(text: string): IndexedText {
  const t = terms(text);
  const pairs: string[] = [];
  for (let i = 1; i < t.length; i++) pairs.push(pairOf(t[i - 1]!, t[i]!));
  const counts = new Map<string, number>();
  for (const k of t) counts.set(k, (counts.get(k) ?? 0) + 1);
  let reps = '';
  for (const [k, n] of counts) if (n > 1) reps += `${statsKey(k)}${n}`;
  return {
    words: t.join(' '),
    pairs: pairs.join(' '),
    length: t.length,
    reps: reps || null,
    vocab: JSON.stringify([...counts.keys()]),
  };
}

/**
 * indexText remembering its last call: the triggers call the function several times per caption (words, pairs,
 * length, reps, vocab), so each caption is tokenised once. One per connection.
 */
function lastIndexMemo(): (text: string) => IndexedText {
  let lastText: string | null = null;
  let lastIndexed: IndexedText | null = null;
  return (text) => {
    if (text !== lastText || !lastIndexed) {
      lastIndexed = indexText(text);
      lastText = text;
    }
    return lastIndexed;
  };
}

/**
 * Registers `molmo_terms(text, part)` (part 'w' words, 'p' pairs, 'n' length, 'r' reps, 'v' vocab) on a connection. The caption triggers call it, so every
 * connection that writes captions needs it; without it SQLite refuses the write ("no such function"), never
 * leaving the index out of step.
 */
export function registerTermFunctions(db: Database.Database): void {
  const cachedIndex = lastIndexMemo();
  db.function('molmo_terms', { deterministic: true }, (text: unknown, part: unknown) => {
    const t = cachedIndex(typeof text === 'string' ? text : text == null ? '' : String(text));
    return part === 'w' ? t.words : part === 'p' ? t.pairs : part === 'n' ? t.length : part === 'r' ? t.reps : t.vocab;
  });
}
