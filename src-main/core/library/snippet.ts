// Highlighted snippets computed in JS from the caption text and the query's terms.
// FTS5's snippet() re-runs the MATCH per row (costly for prefix queries); this needs only the stored text.
import { terms as termsOf } from './terms.js';
import { at } from '../../api/at.js';

const WORD = /[\p{L}\p{N}_]+/gu;

/** What a snippet highlights: words whose index term is one of `terms` or starts with one of `prefixes`. */
export interface Highlight {
  terms: string[];
  prefixes: string[];
}

/**
 * A ~`maxWords`-word excerpt around the densest cluster of query words, each wrapped in open/close. A word is a hit
 * exactly when the index would match it: same tokenizer, same stems ("cyclists" for "cyclist", "happiness" for
 * "happy").
 */
export function makeSnippet(text: string, hl: Highlight, open: string, close: string, maxWords = 16): string {
  const wanted = new Set(hl.terms);
  const isHit = (w: string) => termsOf(w).some((t) => wanted.has(t) || hl.prefixes.some((p) => t.startsWith(p)));
  const words: Array<{ start: number; end: number; hit: boolean }> = [];
  for (const m of text.matchAll(WORD)) words.push({ start: m.index, end: m.index + m[0].length, hit: isHit(m[0]) });
  if (!words.length) return text.slice(0, 120);
  // Window start that covers the most hits (ties: earliest).
  let best = 0;
  let bestHits = -1;
  for (const [i, word] of words.entries()) {
    if (!word.hit && i !== 0) continue;
    const from = Math.max(0, i - 3);
    let n = 0;
    for (let j = from; j < Math.min(words.length, from + maxWords); j++) if (words[j]!.hit) n++;
    if (n > bestHits) {
      bestHits = n;
      best = from;
    }
  }
  const last = Math.min(words.length, best + maxWords) - 1;
  let out = best > 0 ? '…' : '';
  let pos = at(words, best, 'snippet word').start;
  for (let j = best; j <= last; j++) {
    const w = words[j]!;
    out += text.slice(pos, w.start) + (w.hit ? open + text.slice(w.start, w.end) + close : text.slice(w.start, w.end));
    pos = w.end;
  }
  const tail = last === words.length - 1 ? text.slice(pos) : '…';
  return out + tail;
}
