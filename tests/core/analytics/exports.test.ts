// Export tests: CSV/JSON round trips, the MOT convention, and atomic case bundles on real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { pixels, seconds } from '../../../src-main/api/units.js';
import { dedupCounts } from '../../../src-main/core/analytics/count-dedup.js';
import { stitchTracks } from '../../../src-main/core/analytics/stitch.js';
import {
  countFromCsv,
  countToCsv,
  parseCsv,
  toCsv,
  tracksFromCsv,
  tracksToCsv,
} from '../../../src-main/core/analytics/export/csv.js';
import {
  countFromJson,
  countToJson,
  tracksFromJson,
  tracksToJson,
} from '../../../src-main/core/analytics/export/documents.js';
import { parseMot, tracksToMot } from '../../../src-main/core/analytics/export/mot.js';
import { writeCaseBundle } from '../../../src-main/core/analytics/export/case-bundle.js';
import { writeFileAtomic } from '../../../src-main/core/analytics/export/atomic.js';
import { scratchDir } from '../../helpers/tiny.js';
import { cutIntoWindows, linear } from './synth.js';
import { at } from '../../../src-main/api/at.js';

const FRAME = { width: 640, height: 360 };

function trackSet() {
  const A = linear('A', 0, [100.25, 100], 18, [540, 260.7]);
  const B = linear('B', 3, [540, 100], 20, [100, 260]);
  const set = stitchTracks(cutIntoWindows([A, B], { duration: 26, length: 10, stride: 8 }).windows, FRAME, {
    label: 'person, "tall"',
  });
  at(set.tracks, 1).label = 'line1\nline2';
  return set;
}

test('tracks: JSON and CSV parse back equal', () => {
  const set = trackSet();
  assert.deepEqual(tracksFromJson(tracksToJson(set)).set, set);
  assert.equal(tracksFromJson(tracksToJson(set, { videoFps: 25 })).videoFps, 25);
  assert.deepEqual(tracksFromCsv(tracksToCsv(set.tracks)), set.tracks);
  assert.throws(() => tracksFromJson('{'), { code: 'PARSE_ERROR' });
  assert.throws(() => tracksFromJson('{"format":"molmoscope.tracks","version":1}'), { code: 'INVALID_INPUT' });
  assert.throws(() => tracksFromCsv('a,b\n1,2\n'), { code: 'PARSE_ERROR' });
});

test('count instances: JSON and CSV parse back equal', () => {
  const r = dedupCounts(
    [
      {
        index: 0,
        start: seconds(0),
        end: seconds(10),
        points: [
          { localId: 1, t: seconds(9), x: pixels(300.5), y: pixels(200) },
          { localId: 2, t: seconds(1), x: pixels(3), y: pixels(4) },
        ],
      },
      {
        index: 1,
        start: seconds(8),
        end: seconds(18),
        points: [{ localId: 1, t: seconds(9), x: pixels(302), y: pixels(199.25) }],
      },
    ],
    FRAME,
  );
  assert.equal(r.total, 2);
  const back = countFromJson(countToJson(r, { query: 'cars', frame: FRAME }));
  assert.deepEqual(back.result, r);
  assert.equal(back.query, 'cars');
  assert.deepEqual(countFromCsv(countToCsv(r.instances)), r.instances);
});

test('property: CSV round-trips arbitrary labels and numbers', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }))), (rows) => {
      const text = toCsv(
        ['label', 'v'],
        rows.map(([s, v]) => [s, v]),
      );
      const back = parseCsv(text).slice(1);
      assert.deepEqual(
        back.map(([s, v]) => [s, Object.is(Number(v), -0) ? 0 : Number(v)]),
        rows.map(([s, v]) => [s, Object.is(v, -0) ? 0 : v]),
      );
    }),
    { numRuns: 200 },
  );
});

test('MOT text: 1-based frames at the video fps, 1×1 box centred on the point, parse back to the points', () => {
  const set = trackSet();
  const text = tracksToMot(set.tracks, 30);
  const lines = text.trim().split('\n');
  // First point of track 1: t = 0, (100.25, 100) → frame 1, box left/top = point − 0.5.
  assert.equal(lines[0], '1,1,99.75,99.5,1,1,1,-1,-1,-1');
  const parsed = parseMot(text);
  assert.equal(
    parsed.length,
    set.tracks.reduce((s, t) => s + t.points.length, 0),
  );
  for (const t of set.tracks) {
    for (const p of t.points) {
      const row = parsed.find((r) => r.id === t.id && r.frame === Math.round(p.t * 30) + 1)!;
      assert.ok(Math.abs(row.x - p.x) <= 5e-4 && Math.abs(row.y - p.y) <= 5e-4);
    }
  }
  assert.ok(
    parsed.every(
      (r, i) =>
        i === 0 ||
        at(parsed, i - 1).frame < r.frame ||
        (at(parsed, i - 1).frame === r.frame && at(parsed, i - 1).id < r.id),
    ),
  );
  assert.throws(() => tracksToMot(set.tracks, 0), { code: 'INVALID_INPUT' });
});

test('case bundle: written atomically with README, clip reference, captions and tracks; refuses to clobber', () => {
  const dir = scratchDir('case');
  const clip = join(dir, 'cut.mp4');
  writeFileSync(clip, 'not really a video');
  const out = join(dir, 'case-1');
  const set = trackSet();
  const input = {
    title: 'Two people crossing',
    clip: { path: '/videos/lobby.mp4', start: 0, end: 26 },
    clipFile: clip,
    captions: [{ start: 0, end: 5, text: 'Two people walk in.' }],
    tracks: set,
    createdAt: '2026-01-01T00:00:00Z',
  };
  const names = writeCaseBundle(out, input);
  assert.deepEqual(names.sort(), ['README.md', 'captions.json', 'clip.json', 'clip.mp4', 'tracks.csv', 'tracks.json']);
  assert.deepEqual(readdirSync(out).sort(), names);
  assert.deepEqual(tracksFromJson(readFileSync(join(out, 'tracks.json'), 'utf8')).set, set);
  assert.equal(JSON.parse(readFileSync(join(out, 'clip.json'), 'utf8')).file, 'clip.mp4');
  assert.match(readFileSync(join(out, 'README.md'), 'utf8'), /# Two people crossing/);
  assert.throws(() => writeCaseBundle(out, input), { code: 'INVALID_INPUT' });
  writeCaseBundle(out, { ...input, clipFile: undefined, title: 'v2' }, { overwrite: true });
  assert.ok(!existsSync(join(out, 'clip.mp4')));
  // No temp files or directories left behind.
  assert.deepEqual(readdirSync(dir).sort(), ['case-1', 'cut.mp4']);
  assert.throws(() => writeFileAtomic(join(dir, 'missing', 'x.csv'), 'x'), { code: 'NOT_FOUND' });
});
