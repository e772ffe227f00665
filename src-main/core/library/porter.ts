// The Porter (1980) stemming algorithm for lowercase ASCII English words, as in Martin Porter's reference C
// version (with its "bli"→"ble" and "logi"→"log" departures) and SQLite's FTS5 `porter` tokenizer. Unlike FTS5's,
// it leaves words with digits or other letters alone (FTS5 stems bytes: `1990s` → `1990`, `straße` → `straß`).

const isVowelAt = (w: string, i: number): boolean => {
  const c = w[i];
  if (c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u') return true;
  // y is a vowel after a consonant (and a consonant at the start).
  return c === 'y' && i > 0 && !isVowelAt(w, i - 1);
};

/** Porter's m: the number of vowel–consonant sequences in `s` ([C](VC)^m[V]). */
function measure(s: string): number {
  let m = 0;
  let i = 0;
  const n = s.length;
  while (i < n && !isVowelAt(s, i)) i++;
  while (i < n) {
    while (i < n && isVowelAt(s, i)) i++;
    if (i >= n) break;
    while (i < n && !isVowelAt(s, i)) i++;
    m++;
  }
  return m;
}

const hasVowel = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (isVowelAt(s, i)) return true;
  return false;
};
const doubleConsonant = (s: string): boolean =>
  s.length >= 2 && s[s.length - 1] === s[s.length - 2] && !isVowelAt(s, s.length - 1);
/** *o: ends consonant–vowel–consonant, the last not w, x or y. */
const cvc = (s: string): boolean => {
  const n = s.length;
  if (n < 3 || isVowelAt(s, n - 1) || !isVowelAt(s, n - 2) || isVowelAt(s, n - 3)) return false;
  const c = s[n - 1];
  return c !== 'w' && c !== 'x' && c !== 'y';
};

type Rule = [suffix: string, replacement: string];
const STEP2: Rule[] = [
  ['ational', 'ate'],
  ['tional', 'tion'],
  ['enci', 'ence'],
  ['anci', 'ance'],
  ['izer', 'ize'],
  ['bli', 'ble'],
  ['alli', 'al'],
  ['entli', 'ent'],
  ['eli', 'e'],
  ['ousli', 'ous'],
  ['ization', 'ize'],
  ['ation', 'ate'],
  ['ator', 'ate'],
  ['alism', 'al'],
  ['iveness', 'ive'],
  ['fulness', 'ful'],
  ['ousness', 'ous'],
  ['aliti', 'al'],
  ['iviti', 'ive'],
  ['biliti', 'ble'],
  ['logi', 'log'],
];
const STEP3: Rule[] = [
  ['icate', 'ic'],
  ['ative', ''],
  ['alize', 'al'],
  ['iciti', 'ic'],
  ['ical', 'ic'],
  ['ful', ''],
  ['ness', ''],
];
const STEP4 = [
  'al',
  'ance',
  'ence',
  'er',
  'ic',
  'able',
  'ible',
  'ant',
  'ement',
  'ment',
  'ent',
  'ion',
  'ou',
  'ism',
  'ate',
  'iti',
  'ous',
  'ive',
  'ize',
];
// Longest suffix first: the reference implementation tries the longest of the suffixes that end the word and applies
// only that one (if its condition fails, no shorter one is tried).
const byLength = <T extends string | Rule>(xs: T[]) =>
  [...xs].sort((a, b) => (typeof b === 'string' ? b : b[0]).length - (typeof a === 'string' ? a : a[0]).length);
const STEP2_L = byLength(STEP2);
const STEP3_L = byLength(STEP3);
const STEP4_L = byLength(STEP4);

function replaceRules(w: string, rules: Rule[], minM: number): string {
  for (const [suf, rep] of rules) {
    if (!w.endsWith(suf)) continue;
    const stem = w.slice(0, -suf.length);
    return measure(stem) > minM ? stem + rep : w;
  }
  return w;
}

/** Stems one lowercase ASCII word; words of other characters, or shorter than 3 letters, come back unchanged. */
export function porterStem(word: string): string {
  if (word.length < 3 || !/^[a-z]+$/.test(word)) return word;
  let w = word;
  // Step 1a.
  if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('ies')) w = w.slice(0, -2);
  else if (!w.endsWith('ss') && w.endsWith('s')) w = w.slice(0, -1);
  // Step 1b.
  let extra = false;
  if (w.endsWith('eed')) {
    if (measure(w.slice(0, -3)) > 0) w = w.slice(0, -1);
  } else if (w.endsWith('ed') && hasVowel(w.slice(0, -2))) {
    w = w.slice(0, -2);
    extra = true;
  } else if (w.endsWith('ing') && hasVowel(w.slice(0, -3))) {
    w = w.slice(0, -3);
    extra = true;
  }
  if (extra) {
    if (w.endsWith('at') || w.endsWith('bl') || w.endsWith('iz')) w += 'e';
    else if (doubleConsonant(w) && !/[lsz]$/.test(w)) w = w.slice(0, -1);
    else if (measure(w) === 1 && cvc(w)) w += 'e';
  }
  // Step 1c.
  if (w.endsWith('y') && hasVowel(w.slice(0, -1))) w = w.slice(0, -1) + 'i';
  // Steps 2 and 3.
  w = replaceRules(w, STEP2_L, 0);
  w = replaceRules(w, STEP3_L, 0);
  // Step 4.
  for (const suf of STEP4_L) {
    if (!w.endsWith(suf)) continue;
    const stem = w.slice(0, -suf.length);
    if (measure(stem) > 1 && (suf !== 'ion' || /[st]$/.test(stem))) w = stem;
    break;
  }
  // Step 5a.
  if (w.endsWith('e')) {
    const stem = w.slice(0, -1);
    const m = measure(stem);
    if (m > 1 || (m === 1 && !cvc(stem))) w = stem;
  }
  // Step 5b.
  if (measure(w) > 1 && doubleConsonant(w) && w.endsWith('l')) w = w.slice(0, -1);
  return w;
}
