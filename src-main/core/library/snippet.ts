// Highlighted snippets computed in JS from the caption text and the query's words.
// FTS5's snippet() re-runs the MATCH per row (costly for prefix queries); this needs only the stored text.

const WORD = /[\p{L}\p{N}_]+/gu;
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
/** A light stem so "cyclists" highlights for "cyclist" and "running" for "run" (the index uses Porter). */
const stem = (w: string) => w.replace(/(ing|ed|es|s|ly)$/u, '') || w;

/** A ~`maxWords`-word excerpt around the densest cluster of query words, each wrapped in open/close. */
export function makeSnippet(text: string, terms: string[], open: string, close: string, maxWords = 16): string {
  const stems = [...new Set(terms.map((t) => stem(fold(t))).filter((t) => t.length > 0))];
  const words: Array<{ start: number; end: number; hit: boolean }> = [];
  for (const m of text.matchAll(WORD)) {
    const w = fold(m[0]);
    words.push({ start: m.index!, end: m.index! + m[0].length, hit: stems.some((s) => w.startsWith(s) && w.length - s.length <= 4) });
  }
  if (!words.length) return text.slice(0, 120);
  // Window start that covers the most hits (ties: earliest).
  let best = 0;
  let bestHits = -1;
  for (let i = 0; i < words.length; i++) {
    if (!words[i].hit && i !== 0) continue;
    const from = Math.max(0, i - 3);
    let n = 0;
    for (let j = from; j < Math.min(words.length, from + maxWords); j++) if (words[j].hit) n++;
    if (n > bestHits) { bestHits = n; best = from; }
  }
  const last = Math.min(words.length, best + maxWords) - 1;
  let out = best > 0 ? '…' : '';
  let pos = words[best].start;
  for (let j = best; j <= last; j++) {
    const w = words[j];
    out += text.slice(pos, w.start) + (w.hit ? open + text.slice(w.start, w.end) + close : text.slice(w.start, w.end));
    pos = w.end;
  }
  const tail = last === words.length - 1 ? text.slice(pos) : '…';
  return out + tail;
}
