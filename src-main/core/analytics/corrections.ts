// Editing model for tracks: corrections (rename, merge, split, delete, unstitch) applied on top of the model's output.
// Pure functions over plain data; a correction maps to a row corrections(id, kind, payload json, created_at).
import { AppError } from '../../api/errors.js';
import type { Seconds } from '../../api/units.js';
import type { Track, TrackSet } from './types.js';

/** An edit as the user asks for it (ids of new tracks are chosen when it becomes a Correction). */
export type Edit =
  | { kind: 'rename'; trackId: number; label: string }
  | { kind: 'merge'; keepId: number; mergeId: number }
  | { kind: 'split'; trackId: number; at: Seconds }
  | { kind: 'delete'; trackId: number }
  | { kind: 'unstitch'; windowA: number; localA: number; windowB: number; localB: number };

/** Payload stored in corrections.payload (JSON); split/unstitch carry the id their new track gets, so replay is exact. */
export type CorrectionPayload =
  | { trackId: number; label: string }
  | { keepId: number; mergeId: number }
  | { trackId: number; at: number; newId: number }
  | { trackId: number }
  | { windowA: number; localA: number; windowB: number; localB: number; newId: number };

/** One stored correction: the row corrections(id, kind, payload, created_at). */
export type Correction =
  | { id: number; kind: 'rename'; payload: { trackId: number; label: string }; createdAt: string }
  | { id: number; kind: 'merge'; payload: { keepId: number; mergeId: number }; createdAt: string }
  | { id: number; kind: 'split'; payload: { trackId: number; at: number; newId: number }; createdAt: string }
  | { id: number; kind: 'delete'; payload: { trackId: number }; createdAt: string }
  | {
      id: number;
      kind: 'unstitch';
      payload: { windowA: number; localA: number; windowB: number; localB: number; newId: number };
      createdAt: string;
    };

export type CorrectionKind = Correction['kind'];

/** Result of replaying corrections: the corrected set, and which corrections applied or were skipped (with why). */
export interface ReplayResult {
  set: TrackSet;
  applied: number[];
  skipped: { id: number; code: string; reason: string }[];
}

const seg = (w: number, l: number) => `${w}:${l}`;

function need(set: TrackSet, id: number): Track {
  const t = set.tracks.find((x) => x.id === id);
  if (!t) throw new AppError('NOT_FOUND', `no track with id ${id}`);
  return t;
}

/** A fresh id: never one a current track, an original (stitched) track or an earlier correction ever used. */
function nextId(set: TrackSet, prior: readonly Correction[]): number {
  let m = 0;
  for (const t of set.tracks) m = Math.max(m, t.id);
  for (const d of set.decisions) m = Math.max(m, d.globalId);
  for (const c of prior) if ('newId' in c.payload) m = Math.max(m, c.payload.newId);
  return m + 1;
}

function withTracks(set: TrackSet, tracks: Track[]): TrackSet {
  return { ...set, tracks: tracks.sort((a, b) => a.id - b.id) };
}

/**
 * Turns a user edit into a storable correction, validated against the current (already corrected) set; `prior` are
 * the corrections stored so far (so a new track id is never reused, even one of a deleted track).
 */
export function makeCorrection(
  current: TrackSet,
  edit: Edit,
  meta: { id: number; createdAt: string },
  prior: readonly Correction[] = [],
): Correction {
  const base = { id: meta.id, createdAt: meta.createdAt };
  let c: Correction;
  switch (edit.kind) {
    case 'rename':
      c = { ...base, kind: 'rename', payload: { trackId: edit.trackId, label: edit.label } };
      break;
    case 'merge':
      c = { ...base, kind: 'merge', payload: { keepId: edit.keepId, mergeId: edit.mergeId } };
      break;
    case 'split':
      c = { ...base, kind: 'split', payload: { trackId: edit.trackId, at: edit.at, newId: nextId(current, prior) } };
      break;
    case 'delete':
      c = { ...base, kind: 'delete', payload: { trackId: edit.trackId } };
      break;
    case 'unstitch':
      c = {
        ...base,
        kind: 'unstitch',
        payload: {
          windowA: edit.windowA,
          localA: edit.localA,
          windowB: edit.windowB,
          localB: edit.localB,
          newId: nextId(current, prior),
        },
      };
      break;
    default:
      throw new AppError('INVALID_INPUT', `unknown edit kind ${(edit as { kind: string }).kind}`);
  }
  applyCorrection(current, c); // validates; throws NOT_FOUND / INVALID_INPUT
  return c;
}

type PayloadOf<K extends CorrectionKind> = Extract<Correction, { kind: K }>['payload'];

/** Merges mergeId into keepId; at a time both tracks cover, the kept track's point stays. */
function applyMerge(set: TrackSet, { keepId, mergeId }: PayloadOf<'merge'>): TrackSet {
  if (keepId === mergeId) throw new AppError('INVALID_INPUT', 'cannot merge a track with itself');
  const keep = need(set, keepId);
  const other = need(set, mergeId);
  // At a time both tracks cover, the kept track's point stays (the user chose it as the reference).
  const taken = new Set(keep.points.map((p) => p.t));
  const points = [...keep.points, ...other.points.filter((p) => !taken.has(p.t))].sort((a, b) => a.t - b.t);
  return withTracks(
    set,
    set.tracks.filter((x) => x !== other).map((x) => (x === keep ? { ...keep, points } : x)),
  );
}

/** Splits a track at a time: points from `at` on become track newId. */
function applySplit(set: TrackSet, { trackId, at, newId }: PayloadOf<'split'>): TrackSet {
  const t = need(set, trackId);
  if (set.tracks.some((x) => x.id === newId))
    throw new AppError('INVALID_INPUT', `track id ${newId} is already in use`);
  const before = t.points.filter((p) => p.t < at);
  const after = t.points.filter((p) => p.t >= at);
  if (before.length === 0 || after.length === 0)
    throw new AppError('INVALID_INPUT', `splitting track ${trackId} at ${at} s leaves one side empty`);
  return withTracks(set, [
    ...set.tracks.filter((x) => x !== t),
    { ...t, points: before },
    { id: newId, label: t.label, points: after },
  ]);
}

/**
 * The segments on B's side once stitch decision d is cut: segments of track t form a forest linked by stitch
 * decisions, and B's side is what B still reaches without d.
 */
function sideAfterCut(
  set: TrackSet,
  t: Track,
  d: TrackSet['decisions'][number],
  p: PayloadOf<'unstitch'>,
): Set<string> {
  const { windowA, localA, windowB, localB } = p;
  const segsInTrack = new Set([
    ...t.points.map((q) => seg(q.window, q.localId)),
    seg(windowA, localA),
    seg(windowB, localB),
  ]);
  const adj = new Map<string, string[]>();
  for (const e of set.decisions) {
    if (e.windowA === null || e.localA === null || e === d) continue;
    const a = seg(e.windowA, e.localA);
    const b = seg(e.windowB, e.localB);
    if (!segsInTrack.has(a) || !segsInTrack.has(b)) continue;
    adj.set(a, [...(adj.get(a) ?? []), b]);
    adj.set(b, [...(adj.get(b) ?? []), a]);
  }
  const side = new Set([seg(windowB, localB)]);
  const stack = [seg(windowB, localB)];
  while (stack.length) for (const n of adj.get(stack.pop()!) ?? []) if (!side.has(n)) (side.add(n), stack.push(n));
  return side;
}

/** Undoes one stitch decision: B's side of the track it joined becomes track newId. */
function applyUnstitch(set: TrackSet, p: PayloadOf<'unstitch'>): TrackSet {
  const { windowA, localA, windowB, localB, newId } = p;
  const d = set.decisions.find(
    (x) => x.windowA === windowA && x.localA === localA && x.windowB === windowB && x.localB === localB,
  );
  if (!d) throw new AppError('NOT_FOUND', `no stitch decision ${seg(windowA, localA)} → ${seg(windowB, localB)}`);
  if (set.tracks.some((x) => x.id === newId))
    throw new AppError('INVALID_INPUT', `track id ${newId} is already in use`);
  // A segment can have lost all its points to the other window in an overlap, so find the track by either side.
  const has = (x: Track, w: number, l: number) => x.points.some((q) => q.window === w && q.localId === l);
  const holders = set.tracks.filter((x) => has(x, windowA, localA) || has(x, windowB, localB));
  const t = holders[0];
  if (holders.length !== 1 || !t)
    throw new AppError(
      'INVALID_INPUT',
      `the stitch ${seg(windowA, localA)} → ${seg(windowB, localB)} is not in effect`,
    );
  const side = sideAfterCut(set, t, d, p);
  if (side.has(seg(windowA, localA)))
    throw new AppError('INVALID_INPUT', 'the two sides are still linked by other stitches');
  const moved = t.points.filter((q) => side.has(seg(q.window, q.localId)));
  const kept = t.points.filter((q) => !side.has(seg(q.window, q.localId)));
  if (moved.length === 0 || kept.length === 0)
    throw new AppError('INVALID_INPUT', 'undoing this stitch would leave an empty track');
  return withTracks(set, [
    ...set.tracks.filter((x) => x !== t),
    { ...t, points: kept },
    { id: newId, label: t.label, points: moved },
  ]);
}

/** Applies one correction to a set and returns a new set (the input is never modified); throws if it does not apply. */
export function applyCorrection(set: TrackSet, c: Correction): TrackSet {
  switch (c.kind) {
    case 'rename': {
      const label = c.payload.label.trim();
      if (!label || label.length > 200) throw new AppError('INVALID_INPUT', 'a label must be 1–200 characters');
      const t = need(set, c.payload.trackId);
      return withTracks(
        set,
        set.tracks.map((x) => (x === t ? { ...t, label } : x)),
      );
    }
    case 'delete': {
      const t = need(set, c.payload.trackId);
      return withTracks(
        set,
        set.tracks.filter((x) => x !== t),
      );
    }
    case 'merge':
      return applyMerge(set, c.payload);
    case 'split':
      return applySplit(set, c.payload);
    case 'unstitch':
      return applyUnstitch(set, c.payload);
    default:
      throw new AppError('INVALID_INPUT', `unknown correction kind ${(c as { kind: string }).kind}`);
  }
}

/**
 * Replays corrections (in id order) on top of the model's original set. A correction that no longer applies (e.g.
 * it names a track an undone edit created) is reported in `skipped`, never dropped silently.
 */
export function replayCorrections(original: TrackSet, corrections: readonly Correction[]): ReplayResult {
  let set = original;
  const applied: number[] = [];
  const skipped: ReplayResult['skipped'] = [];
  for (const c of [...corrections].sort((a, b) => a.id - b.id)) {
    try {
      set = applyCorrection(set, c);
      applied.push(c.id);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      skipped.push({ id: c.id, code: err.code, reason: err.message });
    }
  }
  return { set, applied, skipped };
}

/** Undo = drop that correction from the list (the original output is untouched, so replay restores the rest). */
export function undoCorrection(corrections: readonly Correction[], id: number): Correction[] {
  if (!corrections.some((c) => c.id === id)) throw new AppError('NOT_FOUND', `no correction with id ${id}`);
  return corrections.filter((c) => c.id !== id);
}

/** The SQLite row form of a correction (payload as JSON text). */
export function correctionToRow(c: Correction): {
  id: number;
  kind: CorrectionKind;
  payload: string;
  created_at: string;
} {
  return { id: c.id, kind: c.kind, payload: JSON.stringify(c.payload), created_at: c.createdAt };
}

/** Parses a row back into a correction; malformed rows are PARSE_ERROR. */
export function correctionFromRow(row: { id: number; kind: string; payload: string; created_at: string }): Correction {
  let payload: unknown;
  try {
    payload = JSON.parse(row.payload);
  } catch {
    throw new AppError('PARSE_ERROR', `correction ${row.id}: payload is not JSON`);
  }
  const p = payload as Record<string, unknown>;
  const nums = (...k: string[]) => k.every((x) => typeof p?.[x] === 'number' && Number.isFinite(p[x]));
  const ok =
    (row.kind === 'rename' && nums('trackId') && typeof p.label === 'string') ||
    (row.kind === 'merge' && nums('keepId', 'mergeId')) ||
    (row.kind === 'split' && nums('trackId', 'at', 'newId')) ||
    (row.kind === 'delete' && nums('trackId')) ||
    (row.kind === 'unstitch' && nums('windowA', 'localA', 'windowB', 'localB', 'newId'));
  if (!ok) throw new AppError('PARSE_ERROR', `correction ${row.id}: bad ${row.kind} payload`);
  return { id: row.id, kind: row.kind, payload, createdAt: row.created_at } as Correction;
}
