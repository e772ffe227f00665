// A torn WAL (a crash or full disk mid-write): the -wal file cut inside a frame, at every frame boundary ± a few bytes,
// or with a flipped byte. The library opens with its full check, holds exactly the transactions whose commit frame is
// whole before the damage (never a partial one), and takes new writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLibrary } from '../../../src-main/core/library/store.js';
import { scratchDir } from '../../helpers/tiny.js';

const TX = 12;

/** Byte offsets where each commit frame of a WAL file ends (frame header: page number, then db size > 0 on commit). */
function commitEnds(wal: Buffer): number[] {
  const pageSize = wal.readUInt32BE(8);
  const ends: number[] = [];
  for (let off = 32; off + 24 + pageSize <= wal.length; off += 24 + pageSize) {
    if (wal.readUInt32BE(off + 4) > 0) ends.push(off + 24 + pageSize);
  }
  return ends;
}

test('a WAL cut mid-frame or with a flipped byte opens with whole transactions only', () => {
  const dir = scratchDir('torn-wal');
  const src = join(dir, 'src.db');
  const lib = openLibrary(src, { create: true });
  lib.db.pragma('wal_autocheckpoint = 0');
  lib.db.pragma('wal_checkpoint(TRUNCATE)');
  const ins = lib.db
    .prepare(`INSERT INTO recordings (path, folder, name, size_bytes, mtime_ms, status, imported_at, updated_at)
    VALUES (?, '/v', ?, 1, 1, 'ready', 'x', 'x')`);
  for (let t = 0; t < TX; t++) {
    // Each transaction: one recording with a long path, so it spans a couple of pages as the table grows.
    lib.db.transaction(() => ins.run(`/v/${t}-${'x'.repeat(1500)}.mp4`, `${t}.mp4`))();
  }
  copyFileSync(src, join(dir, 'hot.db'));
  copyFileSync(`${src}-wal`, join(dir, 'hot.db-wal'));
  lib.close();
  const wal = readFileSync(join(dir, 'hot.db-wal'));
  const ends = commitEnds(wal);
  assert.equal(ends.length, TX, 'one commit frame per transaction');
  const pageSize = wal.readUInt32BE(8);

  const cuts = new Set<number>([0, 16, 32]);
  for (const e of ends)
    for (const d of [-pageSize / 2, -1, 0, 1, 24, 100]) if (e + d > 0 && e + d <= wal.length) cuts.add(e + d);
  const trials: Array<{ name: string; wal: Buffer; whole: number }> = [...cuts].map((cut) => ({
    name: `cut at ${cut}`,
    wal: wal.subarray(0, cut),
    whole: ends.filter((e) => e <= cut).length,
  }));
  // A flipped byte inside transaction k's pages: its checksum fails, so it and everything after it are ignored.
  for (const k of [0, 5, TX - 1]) {
    const flipped = Buffer.from(wal);
    const at = (k === 0 ? 32 : ends[k - 1]!) + 24 + 10;
    flipped[at] = flipped[at]! ^ 0xff;
    trials.push({ name: `flipped byte in transaction ${k}`, wal: flipped, whole: k });
  }
  for (const [i, t] of trials.entries()) {
    const p = join(dir, `t${i}.db`);
    copyFileSync(join(dir, 'hot.db'), p);
    writeFileSync(`${p}-wal`, t.wal);
    const l = openLibrary(p, { create: false }); // full integrity_check
    try {
      const names = l.db.prepare('SELECT name FROM recordings ORDER BY id').pluck().all();
      assert.deepEqual(
        names,
        Array.from({ length: t.whole }, (_, j) => `${j}.mp4`),
        t.name,
      );
      l.db
        .prepare(
          `INSERT INTO recordings (path, folder, name, size_bytes, mtime_ms, status, imported_at, updated_at)
        VALUES ('/v/new.mp4', '/v', 'new.mp4', 1, 1, 'ready', 'x', 'x')`,
        )
        .run();
      assert.equal(l.db.pragma('integrity_check', { simple: true }), 'ok', t.name);
    } finally {
      l.close();
    }
    rmSync(`${p}-wal`, { force: true });
  }
  assert.ok(trials.length > 60, `${trials.length} torn WALs tried`);
});
