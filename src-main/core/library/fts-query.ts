// Turns what a user typed into a safe FTS5 MATCH expression: words, "phrases", prefix* and OR.
// Anything else (stray quotes, lone AND/NOT, bare *, column filters, brackets) is neutralised, never thrown.

export interface ParsedQuery {
  /** The FTS5 expression, or '' when nothing searchable is left. */
  match: string;
  /** Plain terms found (for display/highlighting). */
  terms: string[];
}

const WORD = /[\p{L}\p{N}_]+/gu;

function quoteTerm(t: string): string {
  return `"${t.replace(/"/g, '""')}"`;
}

/** Sanitises a user query into an FTS5 MATCH string; balanced "…" become phrases, word* a prefix, OR stays OR. */
export function toFtsQuery(input: string): ParsedQuery {
  const groups: string[] = [];
  const terms: string[] = [];
  let pendingOr = false;
  const push = (expr: string) => {
    if (pendingOr && groups.length) groups[groups.length - 1] = `${groups[groups.length - 1]} OR ${expr}`;
    else groups.push(expr);
    pendingOr = false;
  };
  // Split into balanced "phrases" and the rest; an unbalanced quote is treated as a space.
  const quoteCount = (input.match(/"/g) ?? []).length;
  const text = quoteCount % 2 === 1 ? input.slice(0, input.lastIndexOf('"')) + ' ' + input.slice(input.lastIndexOf('"') + 1) : input;
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] !== undefined) {
      const words = m[1].match(WORD) ?? [];
      if (!words.length) continue;
      terms.push(...words);
      push(words.length === 1 ? quoteTerm(words[0]) : quoteTerm(words.join(' ')));
      continue;
    }
    const tok = m[2];
    if (tok === 'OR' || tok === '|') {
      pendingOr = groups.length > 0;
      continue;
    }
    const prefix = tok.endsWith('*');
    // "red-car" or "o'clock" are several tokens to the unicode61 tokenizer: keep them together as a phrase;
    // any other punctuation (column:filter, brackets, ^) just separates terms.
    const parts = tok.split(/[^\p{L}\p{N}_'’.-]+/u).map((x) => x.match(WORD) ?? []).filter((w) => w.length);
    parts.forEach((words, i) => {
      terms.push(...words);
      const phrase = quoteTerm(words.join(' '));
      push(prefix && i === parts.length - 1 ? `${phrase}*` : phrase);
    });
  }
  return { match: groups.map((g) => (g.includes(' OR ') ? `(${g})` : g)).join(' AND '), terms };
}
