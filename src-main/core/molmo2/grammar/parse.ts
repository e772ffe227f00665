// Parser for everything Molmo2 emits about objects: <points>/<tracks> tags (html-v2 ";" and html-v1 TAB groups),
// counting phrases, and damaged answers — valid parts are kept, the rest is reported with a reason.
import type { Dropped, ParseOptions, ParsedAnswer, ParsedPoint, ParsedTrack } from './types.js';
import { at } from '../../../api/at.js';

// The reference regex (point_formatter.py:131): any attributes, then coords="…" whose body is [0-9\t:;, .].
const OPEN_RE = /<(points|tracks)\b/g;
const COMPLETE_RE = /^<(points|tracks)((?:\s+[A-Za-z_:-]+="[^"]*")*?)\s+coords="([0-9\t:;, .]*)"\s*\/?>/;
const GROUP_SEP = /[\t:;,]/;

interface Triple {
  id: number;
  X: number;
  Y: number;
}

function isInt(s: string): boolean {
  return /^[0-9]+$/.test(s);
}
function isCoord(s: string): boolean {
  return /^[0-9]{3,4}$/.test(s);
}

/** Splits a group's number text into triples, resynchronising after junk the way the reference regex does. */
function triplesOf(tokens: string[], truncatedTail: boolean, dropped: Dropped[]): Triple[] {
  const MALFORMED = 'malformed point (expected "id X Y" with 3–4 digit coordinates)';
  const out: Triple[] = [];
  let junk: string[] = [];
  const flush = (reason: string) => {
    if (junk.length) {
      dropped.push({ text: junk.join(' '), reason });
      junk = [];
    }
  };
  let i = 0;
  for (let a = tokens[i]; a !== undefined; a = tokens[i]) {
    const [b, c] = [tokens[i + 1], tokens[i + 2]];
    if (b !== undefined && c !== undefined && isInt(a) && isCoord(b) && isCoord(c)) {
      flush(MALFORMED);
      if (truncatedTail && i + 3 === tokens.length) {
        // The answer stops right after this number: "… 1 1 156 10" could have been "… 1 1 156 104".
        dropped.push({ text: `${a} ${b} ${c}`, reason: 'cut off: the last point may be incomplete' });
      } else {
        out.push({ id: Number(a), X: Number(b), Y: Number(c) });
      }
      i += 3;
    } else {
      junk.push(a);
      i++;
    }
  }
  flush(truncatedTail ? 'cut off mid-point' : MALFORMED);
  return out;
}

interface RawGroup {
  key: string;
  triples: Triple[];
}

function groupsOf(coords: string, truncated: boolean, dropped: Dropped[]): RawGroup[] {
  const parts = coords.split(GROUP_SEP);
  const out: RawGroup[] = [];
  parts.forEach((part, pi) => {
    // Only a cut that ends inside a number can have damaged it; a trailing space means the last point was complete.
    const last = pi === parts.length - 1 && !/\s$/.test(part);
    const toks = part
      .trim()
      .split(/ +/)
      .filter((t) => t.length);
    const key = toks[0];
    if (key === undefined) return;
    if (!/^[0-9]+(?:\.[0-9]+)?$/.test(key) || toks.length < 2) {
      dropped.push({
        text: part.trim(),
        reason: truncated && last ? 'cut off mid-group' : 'malformed group (expected a key then points)',
      });
      return;
    }
    out.push({ key, triples: triplesOf(toks.slice(1), truncated && last, dropped) });
  });
  return out;
}

function countOf(text: string, hadTags: boolean): number | null {
  const t = text.trim();
  if (/^there are none\.?$/i.test(t) || /\bthere are none\b/i.test(t)) return 0;
  const total = /a total of\s+([0-9]+)/i.exec(text);
  if (total) return Number(total[1]);
  const thereAre = /\bthere (?:are|is)\s+([0-9]+)\b/i.exec(text);
  if (thereAre) return Number(thereAre[1]);
  if (!hadTags && /^[0-9]+\.?$/.test(t)) return Number(t.replace('.', ''));
  return null;
}

/**
 * The tag that starts `rest`: its kind and coords, truncated when the answer was cut off inside the coords. Null (the
 * reason in `dropped`) when it is garbage.
 */
function tagOf(rest: string, dropped: Dropped[]): { kind: string; coords: string; truncated: boolean } | null {
  const m = COMPLETE_RE.exec(rest);
  if (m) return { kind: at(m, 1, 'tag name group'), coords: at(m, 3, 'coords group'), truncated: false };
  // Not a complete opening tag: either cut off inside coords (keep what is certain) or garbage.
  const partial = /^<(points|tracks)((?:\s+[A-Za-z_:-]+="[^"]*")*?)\s+coords="([0-9\t:;, .]*)(")?[^<>]*$/.exec(rest);
  if (!partial) {
    dropped.push({
      text: rest.slice(0, 80),
      reason: /coords="/.test(rest)
        ? 'coords contain characters other than digits and separators'
        : 'tag without a coords attribute',
    });
    return null;
  }
  // With the closing quote present the coordinates are complete; only the tag's end was lost.
  const truncated = partial[4] === undefined;
  if (!truncated)
    dropped.push({ text: rest.slice(0, 60), reason: 'answer cut off after the coords attribute (points kept)' });
  return { kind: at(partial, 1, 'tag name group'), coords: at(partial, 3, 'coords group'), truncated };
}

type CoordGroup = ReturnType<typeof groupsOf>[number];

/** The pixel size a group's coordinates scale to: its image's with multi-image input (null, dropped, if none). */
function groupSize(g: CoordGroup, opts: ParseOptions, dropped: Dropped[]): { W: number; H: number } | null {
  if (opts.kind !== 'multi-image') return { W: opts.width, H: opts.height };
  const key = Number(g.key);
  const size = Number.isInteger(key) && key >= 1 ? opts.sizes?.[key - 1] : undefined;
  if (!size) {
    dropped.push({
      text: `${g.key} ${g.triples.map((t) => `${t.id} ${t.X} ${t.Y}`).join(' ')}`,
      reason: `no image ${g.key} (have ${opts.sizes?.length ?? 0})`,
    });
    return null;
  }
  return { W: size.width, H: size.height };
}

/** What the tags of one answer add up to. */
interface Collected {
  points: ParsedPoint[];
  trackMap: Map<number, ParsedTrack>;
  seenPoint: Set<string>;
  dropped: Dropped[];
}

/** Adds a group's triples as points or track points; outside the image or repeated ids are dropped. */
function collectGroup(
  g: CoordGroup,
  { W, H }: { W: number; H: number },
  isTrack: boolean,
  frameIds: Map<string, Set<number>>,
  acc: Collected,
): void {
  const key = Number(g.key);
  for (const tr of g.triples) {
    const raw = `${g.key} ${tr.id} ${String(tr.X).padStart(3, '0')} ${String(tr.Y).padStart(3, '0')}`;
    const x = (tr.X / 1000) * W,
      y = (tr.Y / 1000) * H;
    if (!(x >= 0 && x <= W && y >= 0 && y <= H)) {
      acc.dropped.push({ text: raw, reason: 'outside the image' });
      continue;
    }
    if (isTrack) {
      const ids = frameIds.get(g.key) ?? new Set<number>();
      frameIds.set(g.key, ids);
      if (ids.has(tr.id)) {
        acc.dropped.push({ text: raw, reason: 'repeated object id in one frame' });
        continue;
      }
      ids.add(tr.id);
      let track = acc.trackMap.get(tr.id);
      if (!track) {
        track = { id: tr.id, points: [] };
        acc.trackMap.set(tr.id, track);
      }
      track.points.push({ t: key, x, y });
    } else {
      const sig = `${g.key}|${tr.id}`;
      if (acc.seenPoint.has(sig)) {
        acc.dropped.push({ text: raw, reason: 'repeated point id' });
        continue;
      }
      acc.seenPoint.add(sig);
      acc.points.push({ key, id: tr.id, x, y });
    }
  }
}

/** Parses a Molmo2 answer into a count, points and tracks (pixels), and what was dropped and why. */
export function parseAnswer(text: string, opts: ParseOptions): ParsedAnswer {
  const acc: Collected = { points: [], trackMap: new Map(), seenPoint: new Set(), dropped: [] };
  const { dropped } = acc;
  let tags = 0;
  const starts: number[] = [];
  for (const m of text.matchAll(OPEN_RE)) starts.push(m.index);
  for (const [s, from] of starts.entries()) {
    const rest = text.slice(from, starts[s + 1] ?? text.length);
    const tag = tagOf(rest, dropped);
    if (!tag) continue;
    tags++;
    const isTrack = tag.kind === 'tracks';
    const frameIds = new Map<string, Set<number>>();
    for (const g of groupsOf(tag.coords, tag.truncated, dropped)) {
      const size = groupSize(g, opts, dropped);
      if (size) collectGroup(g, size, isTrack, frameIds, acc);
    }
    if (tag.truncated)
      dropped.push({ text: rest.slice(0, 60), reason: 'answer cut off inside a tag (points before the cut are kept)' });
  }
  const tracks = [...acc.trackMap.values()].sort((a, b) => a.id - b.id);
  for (const t of tracks) t.points.sort((a, b) => a.t - b.t);
  return { count: countOf(text, tags > 0), points: acc.points, tracks, dropped };
}
