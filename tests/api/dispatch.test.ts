// The one dispatcher (used by serve and Electron IPC): contract names, payload validation, response validation,
// and the mapping of every kind of throw to the closed ErrorCode set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDispatcher } from '../../src-main/core/handlers/index.js';
import { createCoreContext } from '../../src-main/core/platform/create-context.js';
import { AppError, ErrorCodeSchema } from '../../src-main/api/errors.js';
import { AppInfoSchema } from '../../src-main/api/ops/app.js';
import { OP_NAMES } from '../../src-main/api/contract.js';
import type { HandlerMap } from '../../src-main/core/handlers/types.js';
import { scratchDir } from '../helpers/tiny.js';

const ctx = () =>
  createCoreContext({
    host: 'cli',
    env: { ...process.env, MOLMOSCOPE_HOME: scratchDir('dispatch-home'), MOLMOSCOPE_LOG_LEVEL: 'silent' },
  });

test('app.info answers a contract-valid value through the real handler', async () => {
  const { dispatch } = createDispatcher(ctx());
  const r = await dispatch('app.info', {});
  assert.ok(r.ok, JSON.stringify(r));
  const info = AppInfoSchema.parse(r.ok ? r.value : null);
  assert.equal(info.host, 'cli');
  assert.ok(info.paths.data.includes('dispatch-home'));
  assert.deepEqual(
    info.providers.map((p) => p.name),
    ['cpu', 'webgpu', 'cuda'],
  );
});

test('names outside the contract are UNKNOWN_OPERATION; prototype names are not operations', async () => {
  const { dispatch } = createDispatcher(ctx());
  for (const name of ['nope', 'toString', '__proto__', 'constructor', '']) {
    const r = await dispatch(name, {});
    assert.ok(!r.ok && r.error.code === 'UNKNOWN_OPERATION', name);
  }
});

test('bad payloads are INVALID_INPUT with zod issues as details', async () => {
  const { dispatch } = createDispatcher(ctx());
  for (const payload of [{ extra: true }, 'text', 42, [1]]) {
    const r = await dispatch('app.info', payload);
    assert.ok(!r.ok);
    if (!r.ok) {
      assert.equal(r.error.code, 'INVALID_INPUT');
      assert.ok(Array.isArray(r.error.details) && (r.error.details as unknown[]).length > 0);
    }
  }
  const lib = await dispatch('library.open', { path: '' });
  assert.ok(!lib.ok && lib.error.code === 'INVALID_INPUT');
});

test('every throw becomes a code of the closed set; bad responses are caught', async () => {
  const cases: [HandlerMap['app.info'], string][] = [
    [
      async () => {
        throw new AppError('NOT_A_VIDEO', 'x');
      },
      'NOT_A_VIDEO',
    ],
    [
      async () => {
        throw Object.assign(new Error('gone'), { code: 'ENOENT' });
      },
      'NOT_FOUND',
    ],
    [
      async () => {
        throw Object.assign(new Error('full'), { code: 'ENOSPC' });
      },
      'DISK_FULL',
    ],
    [
      async () => {
        throw new DOMException('stop', 'AbortError');
      },
      'CANCELLED',
    ],
    [
      async () => {
        throw new TypeError('bug');
      },
      'INTERNAL',
    ],
    [
      async () => {
        throw 'a string';
      },
      'INTERNAL',
    ],
    [async () => ({ wrong: 'shape' }) as never, 'INTERNAL'],
  ];
  for (const [handler, code] of cases) {
    const { dispatch } = createDispatcher(ctx(), { handlers: { 'app.info': handler } });
    const r = await dispatch('app.info', {});
    assert.ok(!r.ok, code);
    if (!r.ok) {
      assert.equal(r.error.code, code);
      ErrorCodeSchema.parse(r.error.code);
    }
  }
});

test('an operation of the contract without a handler, and an aborted call, answer cleanly', async () => {
  const { dispatch } = createDispatcher(ctx(), { handlers: {} });
  const r = await dispatch('app.info', {});
  assert.ok(!r.ok && r.error.code === 'UNKNOWN_OPERATION');
  const full = createDispatcher(ctx());
  const ac = new AbortController();
  ac.abort();
  const c = await full.dispatch('app.info', {}, ac.signal);
  assert.ok(!c.ok && c.error.code === 'CANCELLED');
});

test('the contract lists app.info and library.open', () => {
  assert.ok(OP_NAMES.includes('app.info'));
  assert.ok(OP_NAMES.includes('library.open'));
});
