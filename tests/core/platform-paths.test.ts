// App directories: MOLMOSCOPE_HOME holds everything under one root; otherwise XDG (Linux) or the OS convention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveAppPaths } from '../../src-main/core/platform/paths.js';
import { createLogger } from '../../src-main/core/platform/logger.js';
import { PassThrough } from 'node:stream';

test('MOLMOSCOPE_HOME overrides every directory', () => {
  assert.deepEqual(resolveAppPaths({ MOLMOSCOPE_HOME: '/srv/mm', HOME: '/home/u', XDG_DATA_HOME: '/x' }, 'linux'), {
    data: '/srv/mm',
    models: '/srv/mm/models',
    cache: '/srv/mm/cache',
  });
});

test('Linux follows XDG base directories and ignores relative XDG values', () => {
  assert.deepEqual(resolveAppPaths({ HOME: '/home/u' }, 'linux'), {
    data: '/home/u/.local/share/molmoscope',
    models: '/home/u/.local/share/molmoscope/models',
    cache: '/home/u/.cache/molmoscope',
  });
  assert.deepEqual(resolveAppPaths({ HOME: '/home/u', XDG_DATA_HOME: '/d', XDG_CACHE_HOME: '/c' }, 'linux'), {
    data: '/d/molmoscope',
    models: '/d/molmoscope/models',
    cache: '/c/molmoscope',
  });
  assert.equal(
    resolveAppPaths({ HOME: '/home/u', XDG_DATA_HOME: 'rel' }, 'linux').data,
    '/home/u/.local/share/molmoscope',
  );
  assert.equal(resolveAppPaths({ HOME: '/Users/u' }, 'darwin').data, '/Users/u/Library/Application Support/Molmoscope');
});

test('the logger writes JSON lines at or above its level only', () => {
  const out = new PassThrough();
  const log = createLogger({ level: 'warn', stream: out, now: () => 0 });
  log.info('hidden');
  log.warn('shown', { n: 1 });
  log.error('boom', new Error('why'));
  const lines = String(out.read())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(lines, [
    { t: '1970-01-01T00:00:00.000Z', level: 'warn', msg: 'shown', data: { n: 1 } },
    { t: '1970-01-01T00:00:00.000Z', level: 'error', msg: 'boom', data: { name: 'Error', message: 'why' } },
  ]);
});
