// Points the user adds where a count missed an instance, through the contract ops on a real library: stored on the
// nearest sampled frame, written into the count targets by the grammar formatter (rejected instances left out), traced
// in each example's source, removable, bounded, gone with their run; hostile requests answer with a code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_ADDED_POINTS_PER_RUN } from '../../../src-main/api/bounds.js';
import { queueAnalyticsJob } from '../../../src-main/core/analytics/run-jobs.js';
import { insertAddedPoint, listAddedPoints } from '../../../src-main/core/finetune/count-added-points-store.js';
import { COUNT_SETTINGS, seedLibrary, type Seeded } from './ft-seed.js';

type Point = { id: number; runId: number; t: number; mx: number; my: number };
type Added = { point: Point; requestedT: number; points: Point[] };
type Ex = {
  task: string;
  start: number;
  answer: string;
  truth: { count?: number; points?: Array<{ t: number; x: number; y: number }> };
  source: { id: number; window?: number; accepted?: number[]; rejected?: number[]; added?: number[] };
};

/** The count examples of a freshly built dataset version, by window index. */
async function countExamples(s: Seeded, name: string): Promise<Map<number, Ex>> {
  const b = await s.call<{ dataset: { id: number } }>('finetune.dataset.build', { name, heldoutShare: 0 });
  const { examples } = await s.call<{ examples: Ex[] }>('finetune.dataset.examples', { datasetId: b.dataset.id });
  return new Map(examples.filter((e) => e.task === 'count').map((e) => [e.source.window!, e]));
}

/** The error code a request is answered with (fails when it is accepted). */
async function code(s: Seeded, op: string, req: unknown): Promise<string> {
  const r = await s.dispatch(op as never, req);
  assert.ok(!r.ok, `${op} ${JSON.stringify(req)} was accepted`);
  return r.error.code;
}

test('an added point joins the count target on its sampled frame, rejected instances do not, and each example names its points', async () => {
  const s = await seedLibrary('ft-missed');
  const runId = s.countRun;
  // Windows of the seeded run: 0–2 s [0, 1, 2], 1.5–3.5 s [1.5, 2.5, 3.5], 3–4 s [3, 3.5, 4]; frame 160×120.
  const a = await s.call<Added>('finetune.missed.add', { runId, t: 0.93, mx: 250, my: 750 });
  assert.deepEqual([a.point.t, a.requestedT, a.point.mx, a.point.my], [1, 0.93, 250, 750]);
  // Only added points, no verdict yet: the run is training material already.
  const first = await countExamples(s, 'only-added');
  assert.equal(
    first.get(0)!.answer,
    'Counting the <points coords="1.0 1 100 500 2 250 750 3 600 400">person</points> shows a total of 3.',
  );
  assert.deepEqual(first.get(0)!.source.added, [a.point.id]);
  assert.deepEqual(first.get(0)!.truth.points!.at(-1), { t: 1, x: 40, y: 90 });
  // 1 s is half an interval from window 1's first frame (1.5 s) but outside that window: not its point.
  assert.equal(first.get(1)!.truth.count, 2);
  assert.deepEqual(first.get(1)!.source.added, []);

  // In the overlap of windows 1 and 2 (3.3 s → 3.5 s, on both grids): one point, in both windows' targets.
  const b = await s.call<Added>('finetune.missed.add', { runId, t: 3.3, mx: 900, my: 100 });
  assert.equal(b.point.t, 3.5);
  assert.deepEqual(
    b.points.map((p) => p.id),
    [a.point.id, b.point.id],
  );
  const result = await s.call<{
    count: { instances: Array<{ id: number; evidence: Array<{ window: number; mx: number }> }> };
  }>('analytics.result', { runId });
  const in0 = result.count.instances.filter((i) => i.evidence[0]!.window === 0);
  const right = in0.find((i) => i.evidence[0]!.mx === 600)!.id;
  await s.call('finetune.review', { runId, instanceId: right, verdict: 'reject' });
  await s.call('finetune.review', { runId, instanceId: in0.find((i) => i.id !== right)!.id, verdict: 'accept' });
  const second = await countExamples(s, 'reviewed');
  assert.equal(
    second.get(0)!.answer,
    'Counting the <points coords="1.0 1 100 500 2 250 750">person</points> shows a total of 2.',
  );
  assert.deepEqual(second.get(0)!.source.rejected, [right]);
  // Window 1 starts at 1.5 s, window 2 at 3 s: the point is at 2.0 s and 0.5 s of their own times, after the sightings.
  const inOverlap: Array<[number, string]> = [
    [1, '1.0 1 100 500 2 600 400;2.0 3 900 100'],
    [2, '0.5 1 100 500 2 600 400 3 900 100'],
  ];
  for (const [w, coords] of inOverlap) {
    const ex = second.get(w)!;
    assert.equal(ex.answer, `Counting the <points coords="${coords}">person</points> shows a total of 3.`);
    assert.deepEqual(ex.source.added, [b.point.id], `window ${w}`);
  }

  // Removed: gone from the next version.
  const left = await s.call<{ points: Point[] }>('finetune.missed.remove', { runId, pointId: a.point.id });
  assert.deepEqual(
    left.points.map((p) => p.id),
    [b.point.id],
  );
  const third = await countExamples(s, 'removed');
  assert.equal(third.get(0)!.answer, 'Counting the <points coords="1.0 1 100 500">person</points> shows a total of 1.');
  assert.deepEqual((await s.call<{ points: Point[] }>('finetune.missed', { runId })).points.length, 1);
  // A removed point's id is never given again (the examples built before name it).
  const c = await s.call<Added>('finetune.missed.add', { runId, t: 1, mx: 250, my: 750 });
  assert.equal(c.point.id, b.point.id + 1);
  s.lib.close();
});

test('hostile added points answer with codes and write nothing; the cap holds; deleting the run deletes its points', async () => {
  const s = await seedLibrary('ft-missed-hostile');
  const runId = s.countRun;
  const add = (req: Record<string, unknown>) => code(s, 'finetune.missed.add', { runId, t: 1, mx: 10, my: 10, ...req });
  for (const bad of [
    { mx: 1000.5 },
    { my: -0.1 },
    { mx: Number.NaN },
    { my: Number.POSITIVE_INFINITY },
    { mx: '500' },
    { t: -1 },
    { t: 1e12 },
    { runId: 0 },
    { runId: 1.5 },
    { extra: 1 },
  ])
    assert.equal(await add(bad), 'INVALID_INPUT', JSON.stringify(bad));
  assert.equal(await add({ t: 4.01 }), 'INVALID_INPUT'); // after the run's window (0–4 s)
  assert.equal(await add({ runId: s.trackRun }), 'INVALID_INPUT'); // a track run
  assert.equal(await add({ runId: 999 }), 'NOT_FOUND');
  const queued = queueAnalyticsJob(s.lib, 'count', {
    query: 'dog',
    scope: { recordingId: 1 },
    settings: COUNT_SETTINGS,
  }).runs[0]!;
  assert.equal(await add({ runId: queued.id }), 'JOB_CONFLICT'); // not finished
  assert.equal(listAddedPoints(s.lib, runId).length, 0);

  const p = await s.call<Added>('finetune.missed.add', { runId, t: 1, mx: 10, my: 10 });
  assert.equal(await add({ mx: 10.4, my: 9.7 }), 'INVALID_INPUT'); // the same point again
  assert.equal(await code(s, 'finetune.missed.remove', { runId: s.trackRun, pointId: p.point.id }), 'NOT_FOUND');
  assert.equal(await code(s, 'finetune.missed.remove', { runId, pointId: p.point.id + 1 }), 'NOT_FOUND');
  assert.equal(await code(s, 'finetune.missed', { runId: 999 }), 'NOT_FOUND');

  for (let i = 1; i < MAX_ADDED_POINTS_PER_RUN; i++)
    assert.ok(
      insertAddedPoint(s.lib, { runId, t: 2, mx: i % 1000, my: Math.floor(i / 1000) }, MAX_ADDED_POINTS_PER_RUN),
    );
  // The store holds the cap itself (one statement), not only the op's check.
  assert.equal(insertAddedPoint(s.lib, { runId, t: 2, mx: 1, my: 999 }, MAX_ADDED_POINTS_PER_RUN), null);
  assert.equal(await add({ t: 3, mx: 500, my: 500 }), 'LIMIT_REACHED');
  assert.equal(listAddedPoints(s.lib, runId).length, MAX_ADDED_POINTS_PER_RUN);

  s.lib.db.prepare('DELETE FROM analytics_runs WHERE id = ?').run(runId);
  assert.equal(listAddedPoints(s.lib, runId).length, 0);
  s.lib.close();
});
