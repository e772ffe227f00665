// Import: folder walk with extension filter, de-dup by content hash, renamed files recognised, bad files rejected with codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLibrary } from '../../../src-main/core/library/store.js';
import { importPaths } from '../../../src-main/core/library/import.js';
import { partialContentHash } from '../../../src-main/core/library/content-hash.js';
import { testMediaSource } from '../../helpers/media-source.js';
import { scratchDir } from '../../helpers/tiny.js';
import { makeImportFolder } from './clips.js';
import { at, entry } from '../../../src-main/api/at.js';

const signal = new AbortController().signal;

test('folder import: duplicates, bad inputs rejected with reason codes, re-import unchanged, rename recognised', async () => {
  const dir = scratchDir('lib-import');
  const f = makeImportFolder(join(dir, 'footage'));
  const lib = openLibrary(join(dir, 'lib.db'), { create: true });
  try {
    const rep = await importPaths(lib, [join(dir, 'footage')], { media: testMediaSource(), signal });
    const by = Object.fromEntries(rep.results.map((r) => [r.path, r]));
    const result = (path: string) => entry(by, path, 'import result');
    assert.equal(result(f.a).action, 'added');
    assert.equal(result(f.b).action, 'added');
    assert.equal(result(f.aCopy).action, 'duplicate');
    assert.equal(result(f.aCopy).duplicateOf, result(f.a).recordingId);
    assert.deepEqual([result(f.empty).action, result(f.empty).code], ['rejected', 'NOT_A_VIDEO']);
    assert.deepEqual([result(f.text).action, result(f.text).code], ['rejected', 'NOT_A_VIDEO']);
    assert.deepEqual([result(f.audio).action, result(f.audio).code], ['rejected', 'NO_VIDEO_STREAM']);
    assert.deepEqual(
      [result(f.truncated).action, result(f.truncated).code],
      ['rejected', 'UNREADABLE'],
      'an MP4 cut before its moov atom has no index: nothing decodes',
    );
    assert.equal(by[f.ignored], undefined, 'a .txt file is not a video candidate');
    assert.equal(rep.skipped, 1);
    // Rejected files are recorded with their reason; good ones carry probe data.
    const rows = lib.db
      .prepare('SELECT path, status, reason_code, duration_s, width FROM recordings ORDER BY path')
      .all() as Array<{
      path: string;
      status: string;
      reason_code: string | null;
      duration_s: number | null;
      width: number | null;
    }>;
    assert.equal(rows.length, 6);
    const a = rows.find((r) => r.path === f.a)!;
    assert.equal(a.status, 'ready');
    assert.ok(Math.abs(a.duration_s! - 4) < 0.2);
    assert.equal(a.width, 160);
    assert.equal(rows.find((r) => r.path === f.audio)!.reason_code, 'NO_VIDEO_STREAM');
    assert.equal(
      lib.db.prepare('SELECT recording_id FROM recording_aliases WHERE path = ?').pluck().get(f.aCopy),
      result(f.a).recordingId,
    );

    // Second import of the same folder changes nothing.
    const again = await importPaths(lib, [join(dir, 'footage')], { media: testMediaSource(), signal });
    assert.equal(again.counts.added + again.counts.updated + again.counts.moved, 0);
    assert.equal(again.counts.unchanged, 6);
    assert.equal(again.counts.duplicate, 1);

    // Give recording b a window so we can see the move keep it.
    const bId = result(f.b).recordingId!;
    lib.db
      .prepare("INSERT INTO windows (recording_id, idx, start_s, end_s, sample_times) VALUES (?, 0, 0, 4, '[]')")
      .run(bId);
    const moved = join(dir, 'footage', 'renamed-b.mkv');
    renameSync(f.b, moved);
    const third = await importPaths(lib, [join(dir, 'footage')], { media: testMediaSource(), signal });
    const m = third.results.find((r) => r.path === moved)!;
    assert.equal(m.action, 'moved');
    assert.equal(m.recordingId, bId);
    assert.equal(m.movedFrom, f.b);
    assert.equal(lib.db.prepare('SELECT path FROM recordings WHERE id = ?').pluck().get(bId), moved);
    assert.equal(lib.db.prepare('SELECT count(*) FROM windows WHERE recording_id = ?').pluck().get(bId), 1);
    assert.equal(lib.db.prepare('SELECT count(*) FROM recordings').pluck().get(), 6);
    assert.equal(third.missing, 0, 'a moved file is not missing');

    // A file that is gone when an import ends (whatever it imported) is marked missing and kept; found again at a
    // new place, it is a move back to ready.
    const aId = result(f.a).recordingId!;
    const away = join(dir, 'away.mp4');
    renameSync(f.a, away);
    const fourth = await importPaths(lib, [f.empty], { media: testMediaSource(), signal });
    assert.equal(fourth.missing, 1);
    assert.equal(lib.db.prepare('SELECT status FROM recordings WHERE id = ?').pluck().get(aId), 'missing');
    const back = await importPaths(lib, [away], { media: testMediaSource(), signal });
    assert.deepEqual([back.results[0]?.action, back.results[0]?.recordingId, back.missing], ['moved', aId, 0]);
    assert.equal(lib.db.prepare('SELECT status FROM recordings WHERE id = ?').pluck().get(aId), 'ready');
  } finally {
    lib.close();
  }
});

test('explicit file paths ignore the extension filter; a missing path is reported, not thrown', async () => {
  const dir = scratchDir('lib-import');
  const odd = join(dir, 'clip.video');
  const f = makeImportFolder(join(dir, 'x'));
  renameSync(f.a, odd);
  const lib = openLibrary(join(dir, 'lib.db'), { create: true });
  try {
    const rep = await importPaths(lib, [odd, join(dir, 'does-not-exist')], { media: testMediaSource(), signal });
    assert.equal(rep.results.find((r) => r.path === odd)!.action, 'added');
    const miss = rep.results.find((r) => r.path.endsWith('does-not-exist'))!;
    assert.deepEqual([miss.action, miss.code], ['rejected', 'NOT_FOUND']);
  } finally {
    lib.close();
  }
});

test('partial content hash: same bytes → same hash; a change in the sampled head, middle or tail → different', () => {
  const dir = scratchDir('lib-hash');
  const big = Buffer.alloc(5 * (1 << 20));
  for (let i = 0; i < big.length; i += 4096) big[i] = (i >> 12) & 0xff;
  const p1 = join(dir, 'a.bin');
  const p2 = join(dir, 'b.bin');
  writeFileSync(p1, big);
  writeFileSync(p2, big);
  const h = partialContentHash(p1);
  assert.match(h, /^p1:[0-9a-f]{64}$/);
  assert.equal(partialContentHash(p2), h);
  for (const pos of [10, Math.floor((big.length - (1 << 20)) / 2) + 5, big.length - 3]) {
    const c = Buffer.from(big);
    c[pos] = at(c, pos, 'byte') ^ 0xff;
    writeFileSync(p2, c);
    assert.notEqual(partialContentHash(p2), h, `byte ${pos}`);
  }
  writeFileSync(p2, big.subarray(0, big.length - 1)); // size is part of the hash
  assert.notEqual(partialContentHash(p2), h);
  rmSync(dir, { recursive: true, force: true });
});
