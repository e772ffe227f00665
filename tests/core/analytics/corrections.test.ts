// Editing model tests: corrections apply on top of the model output, replay deterministically and undo cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seconds } from '../../../src-main/api/units.js';
import {
  applyCorrection,
  correctionFromRow,
  correctionToRow,
  makeCorrection,
  replayCorrections,
  undoCorrection,
  type Correction,
  type Edit,
} from '../../../src-main/core/analytics/corrections.js';
import { stitchTracks } from '../../../src-main/core/analytics/stitch.js';
import type { TrackSet } from '../../../src-main/core/analytics/types.js';
import { cutIntoWindows, linear } from './synth.js';
import { at } from '../../../src-main/api/at.js';

const FRAME = { width: 640, height: 360 };

function original(): TrackSet {
  // A is occluded across the first window boundary (re-identified), B is static, C appears later.
  const A = linear('A', 0, [50, 100], 20, [450, 100], (t) => t < 7 || t > 11.5);
  const B = linear('B', 0, [300, 300], 26, [350, 300]);
  const C = linear('C', 17, [600, 40], 25, [560, 40]);
  return stitchTracks(cutIntoWindows([A, B, C], { duration: 26, length: 10, stride: 8 }).windows, FRAME, {
    label: 'person',
  });
}

/** Applies edits one by one as a user would, building the correction list. */
function edit(base: TrackSet, edits: Edit[], list: Correction[] = []): Correction[] {
  const out = [...list];
  for (const e of edits) {
    const current = replayCorrections(base, out).set;
    out.push(
      makeCorrection(
        current,
        e,
        { id: out.length ? Math.max(...out.map((c) => c.id)) + 1 : 1, createdAt: '2026-01-01T00:00:00Z' },
        out,
      ),
    );
  }
  return out;
}

test('merge then undo restores the original exactly, and the original object is never modified', () => {
  const base = original();
  const snapshot = structuredClone(base);
  assert.deepEqual(
    base.tracks.map((t) => t.id),
    [1, 2, 3],
  );
  const list = edit(base, [{ kind: 'merge', keepId: 2, mergeId: 3 }]);
  const merged = replayCorrections(base, list);
  assert.deepEqual(merged.applied, [1]);
  assert.deepEqual(
    merged.set.tracks.map((t) => t.id),
    [1, 2],
  );
  const t2 = at(merged.set.tracks, 1);
  // B covers 0..26 s, C 17..25 s: at shared times B's points stay, so the merged track has B's point count.
  assert.equal(t2.points.length, at(base.tracks, 1).points.length);
  assert.ok(t2.points.every((p, i, a) => i === 0 || at(a, i - 1).t < p.t));
  assert.deepEqual(base, snapshot);
  const undone = replayCorrections(base, undoCorrection(list, 1));
  assert.deepEqual(undone.set, base);
});

test('split then rename: the new half keeps the label until renamed; replay is deterministic', () => {
  const base = original();
  const list = edit(base, [
    { kind: 'split', trackId: 2, at: seconds(10) },
    { kind: 'rename', trackId: 4, label: 'guard' },
  ]);
  assert.deepEqual(at(list, 0).payload, { trackId: 2, at: 10, newId: 4 });
  const r = replayCorrections(base, list);
  const t2 = r.set.tracks.find((t) => t.id === 2)!;
  const t4 = r.set.tracks.find((t) => t.id === 4)!;
  assert.equal(t2.label, 'person');
  assert.equal(t4.label, 'guard');
  assert.ok(t2.points.every((p) => p.t < 10) && t4.points.every((p) => p.t >= 10));
  assert.equal(t2.points.length + t4.points.length, at(base.tracks, 1).points.length);
  assert.deepEqual(replayCorrections(base, list), r);
  // Undoing the split leaves the rename pointing at a track that no longer exists: reported, not dropped silently.
  const r2 = replayCorrections(base, undoCorrection(list, 1));
  assert.deepEqual(r2.applied, []);
  assert.deepEqual(
    r2.skipped.map((s) => [s.id, s.code]),
    [[2, 'NOT_FOUND']],
  );
});

test('delete a false track, and unstitch a re-identification decision', () => {
  const base = original();
  const reid = base.decisions.find((d) => d.reason === 'reid')!;
  assert.ok(reid);
  const list = edit(base, [
    { kind: 'delete', trackId: 3 },
    { kind: 'unstitch', windowA: reid.windowA!, localA: reid.localA!, windowB: reid.windowB, localB: reid.localB },
  ]);
  const r = replayCorrections(base, list);
  assert.deepEqual(
    r.set.tracks.map((t) => t.id),
    [1, 2, 4],
  );
  // Track 1 keeps A before the occlusion; track 4 holds A after it (window 1 on, including window 2's points).
  assert.ok(at(r.set.tracks, 0).points.every((p) => p.t < 7));
  assert.ok(at(r.set.tracks, 2).points.every((p) => p.t > 11.5));
  assert.equal(at(r.set.tracks, 0).points.length + at(r.set.tracks, 2).points.length, at(base.tracks, 0).points.length);
  // Undo the unstitch → A is one track again.
  assert.deepEqual(
    replayCorrections(base, undoCorrection(list, 2)).set.tracks.map((t) => t.id),
    [1, 2],
  );
});

test('invalid edits are rejected with contract codes', () => {
  const base = original();
  const meta = { id: 1, createdAt: 'x' };
  assert.throws(() => makeCorrection(base, { kind: 'merge', keepId: 1, mergeId: 1 }, meta), { code: 'INVALID_INPUT' });
  assert.throws(() => makeCorrection(base, { kind: 'delete', trackId: 99 }, meta), { code: 'NOT_FOUND' });
  assert.throws(() => makeCorrection(base, { kind: 'split', trackId: 1, at: seconds(0) }, meta), {
    code: 'INVALID_INPUT',
  });
  assert.throws(() => makeCorrection(base, { kind: 'rename', trackId: 1, label: '  ' }, meta), {
    code: 'INVALID_INPUT',
  });
  assert.throws(() => makeCorrection(base, { kind: 'unstitch', windowA: 0, localA: 9, windowB: 1, localB: 9 }, meta), {
    code: 'NOT_FOUND',
  });
  assert.throws(() => undoCorrection([], 3), { code: 'NOT_FOUND' });
});

test('corrections round-trip through their SQLite row form', () => {
  const base = original();
  const list = edit(base, [
    { kind: 'split', trackId: 1, at: seconds(3) },
    { kind: 'merge', keepId: 1, mergeId: 2 },
  ]);
  const back = list.map(correctionToRow).map(correctionFromRow);
  assert.deepEqual(back, list);
  assert.deepEqual(applyCorrection(base, at(back, 0)), applyCorrection(base, at(list, 0)));
  assert.throws(() => correctionFromRow({ id: 1, kind: 'merge', payload: '{"keepId":1}', created_at: 'x' }), {
    code: 'PARSE_ERROR',
  });
  assert.throws(() => correctionFromRow({ id: 1, kind: 'merge', payload: '{', created_at: 'x' }), {
    code: 'PARSE_ERROR',
  });
});
