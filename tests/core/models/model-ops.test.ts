// The model operations through the dispatcher every host uses: catalogue and machine facts, background downloads
// with model.download events, pause then resume, cancel (files deleted), add/use/remove, and input bounds.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createDispatcher } from '../../../src-main/core/handlers/index.js';
import { createCoreContext } from '../../../src-main/core/platform/create-context.js';
import type { EventPayload } from '../../../src-main/api/contract.js';
import { opCaller } from '../../helpers/cli.js';
import { startHubServer, type HubServer } from '../../helpers/hub-server.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';

type Dl = EventPayload<'model.download'>;
const tiny = tinyCheckpoint({ shards: 2 });
const servers: HubServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function setup(faults = {}) {
  const hub = await startHubServer({ 'someone/Molmo2-tiny': { dir: tiny } }, faults);
  servers.push(hub);
  const events: Dl[] = [];
  const home = scratchDir('ops-home');
  const ctx = createCoreContext({
    host: 'serve',
    env: { MOLMOSCOPE_HOME: home, HF_ENDPOINT: hub.url, MOLMOSCOPE_CACHE: join(home, 'c') },
    emit: (name, p) => name === 'model.download' && events.push(p as Dl),
  });
  const d = createDispatcher(ctx);
  return { hub, events, home, d, call: opCaller(d) };
}

async function until(events: Dl[], pred: (e: Dl) => boolean): Promise<Dl> {
  const t0 = Date.now();
  for (;;) {
    const e = events.find(pred);
    if (e) return e;
    assert.ok(Date.now() - t0 < 60_000, `no event matched; last ${JSON.stringify(events.at(-1))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('catalogue lists the three Molmo2 models with facts about this machine', async () => {
  const { call } = await setup();
  const c = await call<{
    entries: Array<{ id: string; repo: string; runnable: boolean; diskBytes: number; fit: { disk: boolean } }>;
    machine: { totalMemoryBytes: number };
  }>('models.catalogue', {});
  assert.deepEqual(
    c.entries.map((e) => [e.id, e.repo, e.runnable]),
    [
      ['molmo2-4b', 'allenai/Molmo2-4B', true],
      ['molmo2-8b', 'allenai/Molmo2-8B', true],
      ['molmo2-o-7b', 'allenai/Molmo2-O-7B', true],
    ],
  );
  assert.ok(c.machine.totalMemoryBytes > 0);
  assert.equal(c.entries[0]!.diskBytes, 19_403_476_800 + 32_000_000);
});

test('a background download: events to done, pause keeps files and resume finishes, then use/remove', async () => {
  const { call, events, home, hub } = await setup({ bytesPerSecond: 10_000_000 });
  const started = await call<Dl>('models.download', { source: 'someone/Molmo2-tiny' });
  assert.equal(started.status, 'running');
  await until(events, (e) => e.doneBytes > 5_000_000);
  const paused = await call<Dl>('models.pause', { id: 'someone/molmo2-tiny' });
  assert.equal(paused.status, 'paused');
  let list = await call<{ models: unknown[]; downloads: Dl[] }>('models.list', {});
  assert.deepEqual(list.models, []);
  assert.equal(list.downloads[0]?.status, 'paused');
  hub.faults.bytesPerSecond = undefined;
  events.length = 0;
  await call('models.download', { source: 'someone/Molmo2-tiny' });
  const done = await until(events, (e) => e.status !== 'running');
  assert.equal(done.status, 'done', JSON.stringify(done));
  assert.equal(done.doneBytes, done.totalBytes);
  assert.ok(events.some((e) => e.etaSeconds !== null && e.bytesPerSecond >= 0));
  list = await call('models.list', {});
  assert.deepEqual(
    list.models.map((m) => (m as { id: string; isDefault: boolean }).id),
    ['someone/molmo2-tiny'],
  );
  await call('models.add', { path: tiny, id: 'tiny-folder' });
  const used = await call<{ id: string; isDefault: boolean }>('models.use', { id: 'tiny-folder' });
  assert.equal(used.isDefault, true);
  await call('models.remove', { id: 'someone/molmo2-tiny' });
  assert.equal(existsSync(join(home, 'models', 'someone--Molmo2-tiny')), false);
  assert.equal(existsSync(join(tiny, 'config.json')), true);
});

test('cancel deletes what a download fetched; bad input is refused by the contract', async () => {
  const { call, d, events, home } = await setup({ bytesPerSecond: 10_000_000 });
  await call('models.download', { source: 'someone/Molmo2-tiny' });
  await until(events, (e) => e.doneBytes > 2_000_000);
  const busy = await d.dispatch('models.remove', { id: 'someone/molmo2-tiny' });
  assert.equal(busy.ok ? 'ok' : busy.error.code, 'JOB_CONFLICT');
  assert.deepEqual(await call('models.cancel', { id: 'someone/molmo2-tiny' }), {
    id: 'someone/molmo2-tiny',
    cancelled: true,
  });
  assert.equal(events.at(-1)!.status, 'cancelled');
  assert.equal(existsSync(join(home, 'models', 'someone--Molmo2-tiny')), false);
  const long = await d.dispatch('models.download', { source: 'x'.repeat(201) });
  assert.equal(long.ok ? 'ok' : long.error.code, 'INVALID_INPUT');
  const bad = await d.dispatch('models.download', { source: 'a/b/../../c' });
  assert.equal(bad.ok ? 'ok' : bad.error.code, 'INVALID_INPUT');
  const pause = await d.dispatch('models.pause', { id: 'nothing/here' });
  assert.equal(pause.ok ? 'ok' : pause.error.code, 'JOB_CONFLICT');
});
