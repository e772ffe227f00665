// MOLMOSCOPE_SQLITE_BINDING (set by Electron's main to the Electron build of better-sqlite3) is the addon every
// library open and the app.info SQLite probe load; unset, the Node build in node_modules is used.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AppError } from '../../src-main/api/errors.js';
import { sqliteVersion } from '../../src-main/core/app-info.js';
import { openLibrary } from '../../src-main/core/library/store.js';
import { scratchDir } from '../helpers/tiny.js';

const require = createRequire(import.meta.url);
const saved = process.env.MOLMOSCOPE_SQLITE_BINDING;
afterEach(() => {
  if (saved === undefined) delete process.env.MOLMOSCOPE_SQLITE_BINDING;
  else process.env.MOLMOSCOPE_SQLITE_BINDING = saved;
});

test('the named addon is the one loaded: the Node build opens a library, a file that is no addon fails with its path', () => {
  const dir = scratchDir('sqlite-binding');
  process.env.MOLMOSCOPE_SQLITE_BINDING = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
  const lib = openLibrary(join(dir, 'a.db'), { create: true });
  lib.close();
  assert.match(sqliteVersion() ?? '', /^3\.\d+/);

  const bogus = join(dir, 'not-an-addon.node');
  writeFileSync(bogus, 'this is not a shared object');
  process.env.MOLMOSCOPE_SQLITE_BINDING = bogus;
  assert.throws(
    () => openLibrary(join(dir, 'b.db'), { create: true }),
    (err: unknown) => err instanceof AppError && err.message.includes(bogus),
  );
  assert.equal(sqliteVersion(), null, 'app.info reports SQLite as unavailable when the named addon does not load');
});
