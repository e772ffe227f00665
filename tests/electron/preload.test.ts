// The built preload (dist-electron/preload.cjs) with a stand-in `electron`: it exposes one frozen object with one
// function per contract operation, the open dialog and dropped files' paths, and never ipcRenderer itself.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { IPC_INVOKE } from '../../src-main/api/bridge.js';
import { OP_NAMES } from '../../src-main/api/contract.js';
import { IPC_PICK_PATHS } from '../../src-main/api/dialog.js';
import { scratchDir } from '../helpers/tiny.js';
import { createStandIn, routeElectronTo, type Recorded } from './stand-in-electron.js';

let rec: Recorded;
let api: Record<string, unknown> & { ops: Record<string, (r: unknown) => Promise<unknown>> };

before(() => {
  const out = join(scratchDir('electron-preload'), 'dist-electron');
  const r = spawnSync(process.execPath, [resolve('scripts/build-electron.mjs'), '--outdir', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, `build-electron failed: ${r.stderr}${r.stdout}`);
  const standIn = createStandIn(out);
  rec = standIn.rec;
  const restore = routeElectronTo(standIn.electron);
  try {
    createRequire(import.meta.url)(join(out, 'preload.cjs'));
  } finally {
    restore();
  }
  assert.deepEqual([...rec.exposed.keys()], ['molmoscope'], 'the preload exposes exactly one global');
  api = rec.exposed.get('molmoscope') as typeof api;
});

test('the exposed API is frozen, one function per operation, and holds only functions and its transport name', () => {
  assert.ok(Object.isFrozen(api), 'window.molmoscope is not frozen');
  assert.ok(Object.isFrozen(api.ops), 'window.molmoscope.ops is not frozen');
  assert.deepEqual(Object.keys(api.ops).sort(), [...OP_NAMES].sort());
  for (const [name, fn] of Object.entries(api.ops)) assert.equal(typeof fn, 'function', name);
  for (const [key, value] of Object.entries(api)) {
    if (key === 'ops') continue;
    assert.ok(typeof value === 'function' || (key === 'transport' && value === 'electron'), `unexpected member ${key}`);
  }
  assert.deepEqual(Object.keys(api).sort(), [
    'mediaUrl',
    'on',
    'ops',
    'pathForFile',
    'pickPaths',
    'thumbnailUrl',
    'transport',
  ]);
  assert.throws(() => {
    'use strict';
    (api.ops as Record<string, unknown>)['library.recordings'] = () => 'hijacked';
  }, TypeError);
  assert.throws(() => {
    (api as Record<string, unknown>).ipcRenderer = {};
  }, TypeError);
});

test('each function sends its operation on the one invoke channel; the dialog and drop helpers do what they say', async () => {
  await api.ops['library.recordings']!({});
  await (api.pickPaths as (r: unknown) => Promise<unknown>)({ kind: 'folders' });
  assert.deepEqual(rec.invokes, [
    { channel: IPC_INVOKE, args: ['library.recordings', {}] },
    { channel: IPC_PICK_PATHS, args: [{ kind: 'folders' }] },
  ]);
  const pathForFile = api.pathForFile as (f: unknown) => string;
  assert.equal(pathForFile({ standInPath: '/media/clip.mp4' }), '/media/clip.mp4');
  assert.equal((api.mediaUrl as (id: number) => string)(7), 'media://molmoscope/recording/7');
  assert.equal(
    (api.thumbnailUrl as (id: number, t: number, w: number) => string)(7, 1.5, 192),
    'media://molmoscope/thumb/7?t=1.5&w=192',
  );
});
