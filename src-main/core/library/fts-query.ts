// Turns what a user typed into a safe FTS5 MATCH expression over captions_terms: words, "phrases", prefix* and OR.
// Anything else (stray quotes, lone AND/NOT, bare *, column filters, brackets) is neutralised, never thrown.
import type { Highlight } from './snippet.js';
import { foldWord, pairOf, statsKey, terms as termsOf } from './terms.js';

/** One thing a caption must contain: a term, a term prefix, or a phrase (matched on its word pairs). */
export interface Alternative {
  /** This alternative alone, as an FTS5 expression on captions_terms. */
  match: string;
  /**
   * caption_stats.reps keys whose counts give its term frequency: a term's own; a phrase's words, the least count
   * (exact when a word of it occurs once, else an upper bound); none for a prefix (frequency 1).
   */
  keys: string[];
  /** Index of the AND group it belongs to. */
  group: number;
}

export interface ParsedQuery {
  /** The FTS5 expression (AND of groups, each an OR of alternatives), or '' when nothing searchable is left. */
  match: string;
  /** Every alternative, in order. */
  alternatives: Alternative[];
  /** Number of AND groups. */
  groups: number;
  /** Plain words found (for display). */
  terms: string[];
  /** Index terms and prefixes of the query (for highlighting exactly what matched). */
  highlight: Highlight;
}

const WORD = /[\p{L}\p{N}_]+/gu;
const quote = (t: string) => `"${t.replace(/"/g, '""')}"`;

/**
 * The terms a one-word prefix stands for, or null to let FTS5 expand it (FTS5 merges every matching doclist in full
 * before returning a row: ~14 ms for a prefix of one term in 18 % of 1M captions, against ~1 ms for the term).
 */
export type PrefixExpander = (prefix: string) => string[] | null;

/** The alternative for a run of typed words (one word, or a phrase); null when no term is left. */
function alternative(
  words: string[],
  prefix: boolean,
  group: number,
  hl: Highlight,
  expand?: PrefixExpander,
): Alternative | null {
  // Prefix: the last word is only folded (a prefix is not a word, so stemming it would cut it short).
  const stems = termsOf((prefix ? words.slice(0, -1) : words).join(' '));
  const lastWord = words.at(-1);
  const last = prefix && lastWord !== undefined ? (foldWord(lastWord).match(/[\p{L}\p{N}]+/gu) ?? []) : [];
  hl.terms.push(...stems, ...last.slice(0, -1));
  const lastPart = last.at(-1);
  if (lastPart !== undefined) hl.prefixes.push(lastPart);
  stems.push(...last);
  const [first] = stems;
  if (first === undefined) return null;
  const star = prefix ? '*' : '';
  if (prefix && stems.length === 1 && expand) {
    const ors = (expand(first) ?? []).map((t) => `w:${quote(t)}`);
    if (ors.length) return { match: ors.length === 1 ? ors.join('') : `(${ors.join(' OR ')})`, keys: [], group };
  }
  if (stems.length === 1) return { match: `w:${quote(first)}${star}`, keys: prefix ? [] : [statsKey(first)], group };
  const pairs = stems.slice(1).map((s, i) => pairOf(stems[i]!, s)); // stems[i] precedes s
  return {
    match: `p:${quote(pairs.join(' '))}${star}`,
    keys: (prefix ? stems.slice(0, -1) : stems).map(statsKey),
    group,
  };
}

/** Sanitises a user query; balanced "…" become phrases, word* a prefix, OR stays OR, everything else is ANDed. */
export function toFtsQuery(input: string, expand?: PrefixExpander): ParsedQuery {
  const groups: Alternative[][] = [];
  const terms: string[] = [];
  const highlight: Highlight = { terms: [], prefixes: [] };
  let pendingOr = false;
  const push = (words: string[], prefix: boolean) => {
    const joinOr = pendingOr && groups.length > 0;
    pendingOr = false;
    const alt = alternative(words, prefix, joinOr ? groups.length - 1 : groups.length, highlight, expand);
    if (!alt) return;
    const lastGroup = groups.at(-1);
    if (joinOr && lastGroup) lastGroup.push(alt);
    else groups.push([alt]);
  };
  // Split into balanced "phrases" and the rest; an unbalanced quote is treated as a space.
  const quoteCount = (input.match(/"/g) ?? []).length;
  const text =
    quoteCount % 2 === 1
      ? input.slice(0, input.lastIndexOf('"')) + ' ' + input.slice(input.lastIndexOf('"') + 1)
      : input;
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] !== undefined) {
      const words = m[1].match(WORD) ?? [];
      if (!words.length) continue;
      terms.push(...words);
      push(words, false);
      continue;
    }
    const tok = m[2];
    if (tok === undefined) continue; // the regex's other branch always captures
    if (tok === 'OR' || tok === '|') {
      pendingOr = groups.length > 0;
      continue;
    }
    const prefix = tok.endsWith('*');
    // "red-car" or "o'clock" are several terms: keep them together as a phrase; any other punctuation
    // (column:filter, brackets, ^) just separates words.
    const parts = tok
      .split(/[^\p{L}\p{N}_'’.-]+/u)
      .map((x) => x.match(WORD) ?? [])
      .filter((w) => w.length);
    parts.forEach((words, i) => {
      terms.push(...words);
      push(words, prefix && i === parts.length - 1);
    });
  }
  const match = groups
    .map((g) => (g.length > 1 ? `(${g.map((a) => a.match).join(' OR ')})` : g.map((a) => a.match).join('')))
    .join(' AND ');
  return { match, alternatives: groups.flat(), groups: groups.length, terms, highlight };
}
