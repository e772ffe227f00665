// analytics.compare on runs whose windows hold real Molmo2 answer strings: counted instances matched by point F1's
// pairing, tracks by HOTA's, per-window and per-frame tallies; and the hostile cases (other kind, other recording,
// other span, an unfinished run, the same run twice, unknown and deleted runs) answer with codes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedLibrary, COUNT_SETTINGS, TRACK_SETTINGS, type Seeded } from '../finetune/ft-seed.js';
import { seedRun } from '../../helpers/seed-run.js';
import { queueAnalyticsJob } from '../../../src-main/core/analytics/run-jobs.js';
import { RunComparisonSchema, type RunComparisonDto } from '../../../src-main/api/ops/analytics.js';
import type { PlannedWindow } from '../../../src-main/core/analytics/run-plan.js';

let s: Seeded;
before(async () => {
  s = await seedLibrary('run-compare');
});
after(() => s?.ctx.dispose());

/** A count answer on the window's second frame: instance 1 at (x1, y1) and instance 2 at (x2, y2), model coordinates. */
const countAnswer = (xy: string) => (w: PlannedWindow) => {
  const t1 = w.times[1];
  if (t1 === undefined) throw new Error(`the window at ${w.start} s has fewer than two frames`);
  return `Counting the <points coords="${(t1 - w.start).toFixed(1)} 1 ${xy}">person</points> shows a total of 2.`;
};

/** A track run of "car" on recording 2 whose every window answers these track coordinates. */
const seedTrack = (coords: string) =>
  seedRun(s.lib, 'track', {
    query: 'car',
    recordingId: 2,
    settings: TRACK_SETTINGS,
    answer: () => `<tracks coords="${coords}">car</tracks>`,
  });

async function compare(a: number, b: number): Promise<RunComparisonDto> {
  return RunComparisonSchema.parse(await s.call('analytics.compare', { a, b }));
}

async function codeOf(a: number, b: number): Promise<string> {
  const r = await s.dispatch('analytics.compare', { a, b });
  assert.equal(r.ok, false, `compare ${a} with ${b} was accepted`);
  return r.ok ? '' : r.error.code;
}

test('count runs: instances both runs found are matched, the others listed per run, tallies per window and frame', async () => {
  // Run A (seeded): people at (100, 500) and (600, 400) in every window; run B: (102, 505) and (900, 900).
  const b = seedRun(s.lib, 'count', {
    query: 'Person',
    recordingId: 1,
    settings: COUNT_SETTINGS,
    answer: countAnswer('102 505 2 900 900'),
  });
  const c = await compare(s.countRun, b);
  assert.equal(c.kind, 'count');
  const w = c.a.run.frame.width;
  const h = c.a.run.frame.height;
  const near = (i: { x: number; y: number }, mx: number, my: number) =>
    Math.abs(i.x - (mx * w) / 1000) < 2 && Math.abs(i.y - (my * h) / 1000) < 2;
  assert.ok(c.a.total >= 2 && c.b.total >= 2, `totals ${c.a.total}, ${c.b.total}`);
  assert.ok(c.matched.length >= 1);
  for (const m of c.matched) {
    assert.ok(near(m.a, 100, 500) && near(m.b, 102, 505), JSON.stringify(m));
    assert.ok(Math.abs(m.a.t - m.b.t) < 0.3, 'matched sightings are at the same frame');
  }
  assert.ok(c.onlyA.length >= 1 && c.onlyA.every((i) => near(i, 600, 400)), JSON.stringify(c.onlyA));
  assert.ok(c.onlyB.length >= 1 && c.onlyB.every((i) => near(i, 900, 900)), JSON.stringify(c.onlyB));
  assert.equal(c.matched.length + c.onlyA.length, c.a.total);
  assert.equal(c.matched.length + c.onlyB.length, c.b.total);
  assert.ok(Math.abs(c.agreement.precision! - c.matched.length / c.b.total) < 1e-9);
  assert.ok(Math.abs(c.agreement.recall! - c.matched.length / c.a.total) < 1e-9);
  assert.ok(c.perWindow.length >= 2 && c.perWindow.every((x) => x.a === 2 && x.b === 2), JSON.stringify(c.perWindow));
  assert.ok(c.perFrame.length >= 2 && c.perFrame.every((f) => f.a === f.b));
  assert.equal(c.tracks, null);
  // Swapped, the roles swap: what only A found is what only B found.
  const r = await compare(b, s.countRun);
  assert.deepEqual(
    r.onlyB.map((i) => i.id),
    c.onlyA.map((i) => i.id),
  );
  assert.equal(r.matched.length, c.matched.length);
});

test('track runs: tracks matched by HOTA with the frames they agree on, both runs’ lanes, HOTA of B against A', async () => {
  // Run A (seeded): car 1 from (100, 500) moving right, car 2 at (800, 500); run B: car 1 the same, its car 2 elsewhere.
  const b = seedTrack('0.0 1 101 500 2 200 100;0.5 1 111 500 2 210 100;1.0 1 121 500');
  const c = await compare(s.trackRun, b);
  assert.equal(c.kind, 'track');
  assert.ok(c.tracks && c.tracks.a.length === c.a.total && c.tracks.b.length === c.b.total);
  assert.ok(c.matched.length >= 1 && c.matched.every((m) => m.frames >= 1));
  const fx = (x: number) => (x * c.a.run.frame.width) / 1000;
  for (const m of c.matched) assert.ok(Math.abs(m.a.x - fx(100)) < fx(30) && Math.abs(m.b.x - fx(101)) < fx(30));
  assert.ok(c.onlyA.some((i) => Math.abs(i.x - fx(800)) < 2));
  assert.ok(c.onlyB.some((i) => Math.abs(i.x - fx(200)) < 2));
  assert.ok(c.agreement.hota! > 0 && c.agreement.hota! < 1, `HOTA ${c.agreement.hota}`);
  assert.deepEqual(c.perWindow, []);
  assert.ok(c.perFrame.some((f) => f.a >= 1 && f.b >= 1));
  // A run compared with a copy of itself agrees everywhere.
  const same = seedTrack('0.0 1 100 500 2 800 500;0.5 1 110 500 2 790 500;1.0 1 120 500');
  const t = await compare(s.trackRun, same);
  assert.equal(t.agreement.hota, 1);
  assert.equal(t.onlyA.length + t.onlyB.length, 0);
});

test('hostile pairs answer with codes: other kind, recording or span, unfinished, itself, unknown, deleted', async () => {
  assert.equal(await codeOf(s.countRun, s.trackRun), 'INVALID_INPUT');
  const otherRec = seedRun(s.lib, 'count', {
    query: 'Person',
    recordingId: 2,
    settings: COUNT_SETTINGS,
    answer: countAnswer('100 500 2 600 400'),
  });
  assert.equal(await codeOf(s.countRun, otherRec), 'INVALID_INPUT');
  const q = (scope: { recordingId: number; start?: number; end?: number }) =>
    queueAnalyticsJob(s.lib, 'count', { query: 'Person', scope, settings: COUNT_SETTINGS }).runs[0]!.id;
  assert.equal(await codeOf(s.countRun, q({ recordingId: 1, start: 0, end: 3 })), 'INVALID_INPUT');
  assert.equal(await codeOf(s.countRun, q({ recordingId: 1 })), 'JOB_CONFLICT');
  assert.equal(await codeOf(s.countRun, s.countRun), 'INVALID_INPUT');
  assert.equal(await codeOf(s.countRun, 987_654), 'NOT_FOUND');
  for (const bad of [{ a: 0, b: 1 }, { a: 1 }, { a: 1.5, b: 2 }, { a: 1, b: 2, c: 3 }, { a: '1', b: 2 }]) {
    const r = await s.dispatch('analytics.compare', bad);
    assert.ok(!r.ok && r.error.code === 'INVALID_INPUT', JSON.stringify(bad));
  }
  // 501 × 501 instances are more than the matcher takes at once: refused before any assignment runs.
  const many = Array.from(
    { length: 501 },
    (_, i) => `${i + 1} ${100 + (i % 25) * 35} ${100 + Math.floor(i / 25) * 40}`,
  ).join(' ');
  const big = () =>
    seedRun(s.lib, 'count', {
      query: 'dots',
      recordingId: 1,
      settings: { windowLength: 4, overlap: 0 },
      answer: (w) => `Counting the <points coords="${((w.times[0] ?? 0) - w.start).toFixed(1)} ${many}">dots</points>.`,
    });
  const [big1, big2] = [big(), big()];
  const shown = await s.call<{ count: { total: number } }>('analytics.result', { runId: big1 });
  assert.equal(shown.count.total, 501);
  const t0 = performance.now();
  assert.equal(await codeOf(big1, big2), 'INVALID_INPUT');
  assert.ok(performance.now() - t0 < 10_000, 'refused without running the assignment (generous bound: loaded machine)');
  // A run whose recording was deleted is gone with it (the rows cascade).
  s.lib.db.prepare('DELETE FROM recordings WHERE id = 2').run();
  assert.equal(await codeOf(s.trackRun, otherRec), 'NOT_FOUND');
});
