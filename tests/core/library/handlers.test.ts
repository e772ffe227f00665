// The library operation handlers with a real CoreContext: LIBRARY_NOT_OPEN before open, open/create, import, search, jobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { libraryHandlers } from '../../../src-main/core/handlers/library.js';
import type { CoreContext } from '../../../src-main/core/context.js';
import { operations } from '../../../src-main/api/contract.js';
import { scratchDir } from '../../helpers/tiny.js';
import { makeClip } from './clips.js';
import { LATEST_VERSION } from '../../../src-main/core/library/migrations/index.js';
import { createMediaService } from '../../../src-main/core/media/index.js';
import { at } from '../../../src-main/api/at.js';

function context(events: Array<[string, unknown]>): CoreContext {
  const quiet = () => {};
  const media = createMediaService();
  return {
    host: 'cli',
    paths: { data: '/tmp', models: '/tmp', cache: '/tmp' },
    logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    clock: { now: Date.now },
    env: {},
    emit: (name, payload) => events.push([name, payload]),
    state: new Map(),
    media,
    dispose: () => media.dispose(),
  };
}
const signal = new AbortController().signal;

test('library handlers: not-open error, open → import → recordings → search → jobs, responses match the contract', async () => {
  const events: Array<[string, unknown]> = [];
  const ctx = context(events);
  const h = libraryHandlers;
  await assert.rejects(
    h['library.search']!({ query: 'x', limit: 5, filters: {} }, ctx, signal),
    (e: { code?: string }) => e.code === 'LIBRARY_NOT_OPEN',
  );
  const dir = scratchDir('lib-handlers');
  const info = await h['library.open']!({ path: join(dir, 'lib.db'), create: true }, ctx, signal);
  assert.deepEqual(operations['library.open'].response.parse(info), {
    path: join(dir, 'lib.db'),
    schemaVersion: LATEST_VERSION,
    created: true,
    recordings: 0,
  });
  makeClip(join(dir, 'v', 'one.mp4'));
  const rep = await h['library.import']!({ paths: [join(dir, 'v')] }, ctx, signal);
  operations['library.import'].response.parse(rep);
  assert.equal(rep.counts.added, 1);
  assert.ok(events.some(([n]) => n === 'library.import.progress'));
  const recs = await h['library.recordings']!({}, ctx, signal);
  operations['library.recordings'].response.parse(recs);
  assert.equal(at(recs.recordings, 0).status, 'ready');
  const res = await h['library.search']!({ query: 'anything', limit: 5, filters: {} }, ctx, signal);
  assert.deepEqual(res, { results: [] });
  const jobs = await h['jobs.list']!({}, ctx, signal);
  assert.deepEqual(jobs, { jobs: [] });
  await assert.rejects(h['jobs.pause']!({ id: 1 }, ctx, signal), (e: { code?: string }) => e.code === 'JOB_NOT_FOUND');
  // Re-opening the same path replaces (and closes) the previous handle.
  const again = await h['library.open']!({ path: join(dir, 'lib.db'), create: false }, ctx, signal);
  assert.equal(again.created, false);
  assert.equal(again.recordings, 1);
});
