// The recording date: probe reads the container's creation_time tag, and import records it (the file's mtime only
// when the container has none, or a muxer's zero date).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { openLibrary } from '../../../src-main/core/library/store.js';
import { importPaths } from '../../../src-main/core/library/import.js';
import { testMediaSource } from '../../helpers/media-source.js';
import { ffmpegClip } from '../../helpers/media-fixtures.js';
import { scratchDir } from '../../helpers/tiny.js';
import { createMediaService } from '../../../src-main/core/media/index.js';

const media = createMediaService();

const clip = (name: string, meta: string[]) =>
  ffmpegClip(name, (out) => [
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=64x48:rate=5:duration=1',
    ...meta,
    '-c:v',
    'mpeg4',
    out,
  ]);

test('probe reads creation_time; import records it as the recording date, else the file time', async () => {
  const dated = clip('ctime-dated.mp4', ['-metadata', 'creation_time=2024-05-01T10:20:30.000000Z']);
  const undated = clip('ctime-none.mp4', ['-map_metadata', '-1']);
  const zero = clip('ctime-zero.mp4', ['-metadata', 'creation_time=1970-01-01T00:00:00Z']);
  assert.equal((await media.probe(dated)).creationTime, '2024-05-01T10:20:30.000Z');
  assert.equal((await media.probe(undated)).creationTime, null);
  assert.equal((await media.probe(zero)).creationTime, null);

  const dir = scratchDir('ctime');
  const files = { dated: join(dir, 'dated.mp4'), undated: join(dir, 'undated.mp4') };
  copyFileSync(dated, files.dated);
  copyFileSync(undated, files.undated);
  const mtime = new Date('2025-02-03T04:05:06Z');
  for (const f of Object.values(files)) utimesSync(f, mtime, mtime);
  const lib = openLibrary(join(dir, 'lib.db'), { create: true });
  try {
    await importPaths(lib, [dir], { media: testMediaSource(), signal: new AbortController().signal });
    const at = (p: string) => lib.db.prepare('SELECT recorded_at FROM recordings WHERE path = ?').pluck().get(p);
    assert.equal(at(files.dated), '2024-05-01T10:20:30.000Z');
    assert.equal(at(files.undated), mtime.toISOString());
  } finally {
    lib.close();
  }
});
