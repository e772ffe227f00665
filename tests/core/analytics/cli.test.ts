// CLI tests for `molmoscope eval` and `molmoscope export` on real JSON files (through the CLI dispatcher).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { main } from '../../../src-main/cli/main.js';
import { stitchTracks } from '../../../src-main/core/analytics/stitch.js';
import { tracksToJson, tracksFromJson } from '../../../src-main/core/analytics/export/documents.js';
import { tracksFromCsv } from '../../../src-main/core/analytics/export/csv.js';
import { parseMot } from '../../../src-main/core/analytics/export/mot.js';
import { scratchDir } from '../../helpers/tiny.js';
import { cutIntoWindows, linear } from './synth.js';
import { at } from '../../../src-main/api/at.js';

async function cli(args: string[], cwd: string) {
  let so = '';
  let se = '';
  const out = new Writable({ write: (c, _e, cb) => ((so += c), cb()) });
  const err = new Writable({ write: (c, _e, cb) => ((se += c), cb()) });
  const code = await main(args, { stdout: out, stderr: err, stdin: new PassThrough(), env: {}, cwd });
  return { code, stdout: so, stderr: se };
}

test('eval --kind count|points|tracks --json prints metrics; bad input exits 2 with a contract code', async () => {
  const dir = scratchDir('cli-eval');
  writeFileSync(
    join(dir, 'cgt.json'),
    JSON.stringify({
      examples: [
        { id: 'a', count: 10 },
        { id: 'b', count: 3 },
      ],
    }),
  );
  writeFileSync(
    join(dir, 'cpred.json'),
    JSON.stringify({
      examples: [
        { id: 'a', answer: 'Counting the <points coords="1 1 100 100">x</points> shows a total of 11.' },
        { id: 'b', count: 3 },
      ],
    }),
  );
  const c = await cli(['eval', '--kind', 'count', '--pred', 'cpred.json', '--gt', 'cgt.json', '--json'], dir);
  assert.equal(c.code, 0, c.stderr);
  const cm = JSON.parse(c.stdout);
  assert.deepEqual([cm.kind, cm.n, cm.exactAccuracy, cm.closeAccuracy], ['count', 2, 0.5, 1]);

  writeFileSync(
    join(dir, 'pgt.json'),
    JSON.stringify({
      examples: [{ id: 'i', width: 100, height: 100, objects: [{ x: 10, y: 10, region: { box: [0, 0, 20, 20] } }] }],
    }),
  );
  writeFileSync(join(dir, 'ppred.json'), JSON.stringify({ examples: [{ id: 'i', points: [{ x: 12, y: 9 }] }] }));
  const p = await cli(['eval', '--kind', 'points', '--pred', 'ppred.json', '--gt', 'pgt.json'], dir);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, /precision=1\.0000 recall=1\.0000/);

  // Tracks: a stitched molmoscope.tracks document scored against GT boxes around the true trajectory.
  const A = linear('A', 0, [100, 100], 18, [540, 260]);
  const set = stitchTracks(
    cutIntoWindows([A], { duration: 18, length: 10, stride: 8 }).windows,
    { width: 640, height: 360 },
    { label: 'person' },
  );
  writeFileSync(join(dir, 'tracks.json'), tracksToJson(set));
  const frames = at(set.tracks, 0).points.map((q) => ({
    t: q.t,
    region: { box: [q.x - 5, q.y - 5, q.x + 5, q.y + 5] },
  }));
  writeFileSync(
    join(dir, 'tgt.json'),
    JSON.stringify({ examples: [{ id: 'clip', width: 640, height: 360, objects: [{ id: 'A', frames }] }] }),
  );
  const t = await cli(['eval', '--kind', 'tracks', '--pred', 'tracks.json', '--gt', 'tgt.json', '--json'], dir);
  assert.equal(t.code, 0, t.stderr);
  const tm = JSON.parse(t.stdout);
  assert.deepEqual([tm.hota, tm.detA, tm.assA, tm.alpha], [1, 1, 1, 0.5]);

  const bad = await cli(['eval', '--kind', 'tracks', '--pred', 'nope.json', '--gt', 'tgt.json'], dir);
  assert.equal(bad.code, 2);
  assert.equal(JSON.parse(bad.stderr).error.code, 'NOT_FOUND');
  writeFileSync(join(dir, 'broken.json'), '{');
  assert.equal(
    JSON.parse((await cli(['eval', '--kind', 'count', '--pred', 'broken.json', '--gt', 'cgt.json'], dir)).stderr).error
      .code,
    'PARSE_ERROR',
  );
  writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ examples: [{ id: 'a', count: 'eleven' }] }));
  assert.equal(
    JSON.parse((await cli(['eval', '--kind', 'count', '--pred', 'wrong.json', '--gt', 'cgt.json'], dir)).stderr).error
      .code,
    'INVALID_INPUT',
  );
  assert.equal(
    JSON.parse((await cli(['eval', '--kind', 'nope', '--pred', 'cpred.json', '--gt', 'cgt.json'], dir)).stderr).error
      .code,
    'INVALID_INPUT',
  );
});

test('export --format csv|json|mot|case from a tracks document, with corrections applied', async () => {
  const dir = scratchDir('cli-export');
  const A = linear('A', 0, [100, 100], 18, [540, 260]);
  const B = linear('B', 0, [500, 50], 18, [100, 300]);
  const set = stitchTracks(
    cutIntoWindows([A, B], { duration: 18, length: 10, stride: 8 }).windows,
    { width: 640, height: 360 },
    { label: 'person' },
  );
  writeFileSync(join(dir, 'tracks.json'), tracksToJson(set, { videoFps: 25 }));
  writeFileSync(
    join(dir, 'fix.json'),
    JSON.stringify([
      { id: 1, kind: 'rename', payload: { trackId: 2, label: 'courier' }, createdAt: '2026-01-01T00:00:00Z' },
    ]),
  );

  const csv = await cli(
    ['export', '--format', 'csv', '--in', 'tracks.json', '--out', 'tracks.csv', '--corrections', 'fix.json', '--json'],
    dir,
  );
  assert.equal(csv.code, 0, csv.stderr);
  const tracks = tracksFromCsv(readFileSync(join(dir, 'tracks.csv'), 'utf8'));
  assert.deepEqual(
    tracks.map((t) => t.label),
    ['person', 'courier'],
  );

  assert.equal((await cli(['export', '--format', 'json', '--in', 'tracks.json', '--out', 'copy.json'], dir)).code, 0);
  assert.deepEqual(tracksFromJson(readFileSync(join(dir, 'copy.json'), 'utf8')).set, set);

  assert.equal((await cli(['export', '--format', 'mot', '--in', 'tracks.json', '--out', 'gt.txt'], dir)).code, 0);
  const mot = parseMot(readFileSync(join(dir, 'gt.txt'), 'utf8'));
  assert.equal(at(mot, 0).frame, 1);
  assert.ok(Math.abs(mot.find((r) => r.id === 1 && r.frame === 14)!.x - (100 + (440 / 18) * 0.5)) < 5e-4); // t = 0.5 s at videoFps 25 (from the document) → frame round(12.5)+1 = 14

  const c = await cli(
    [
      'export',
      '--format',
      'case',
      '--in',
      'tracks.json',
      '--out',
      'case',
      '--clip',
      'lobby.mp4',
      '--title',
      'Lobby',
      '--json',
    ],
    dir,
  );
  assert.equal(c.code, 0, c.stderr);
  assert.equal(JSON.parse(c.stdout).files.length, 5);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'case', 'clip.json'), 'utf8')).end, 18);
  assert.equal(
    (await cli(['export', '--format', 'case', '--in', 'tracks.json', '--out', 'case', '--clip', 'lobby.mp4'], dir))
      .code,
    2,
  );
  assert.equal((await cli(['export', '--format', 'pdf', '--in', 'tracks.json', '--out', 'x'], dir)).code, 2);
});
