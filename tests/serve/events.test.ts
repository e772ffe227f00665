// Events emitted by the core reach every WebSocket subscriber of the bridge, validated against the contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer } from '../../src-main/serve/server.js';
import { scratchDir } from '../helpers/tiny.js';

test('ctx.emit pushes contract events over /events; an off-contract payload throws in dev', async () => {
  const srv = await startServer({
    env: { ...process.env, MOLMOSCOPE_HOME: scratchDir('events-home'), NODE_ENV: 'test' },
  });
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/events?token=${srv.token}`);
    await new Promise<void>((r, j) => {
      ws.once('open', () => r());
      ws.once('error', j);
    });
    const got = new Promise<unknown>((r) => ws.once('message', (d) => r(JSON.parse(String(d)))));
    srv.ctx.emit('engine.status', { state: 'loading', provider: 'cpu', progress: 0.5 });
    assert.deepEqual(await got, {
      event: 'engine.status',
      payload: { state: 'loading', provider: 'cpu', progress: 0.5 },
    });
    assert.throws(() => srv.ctx.emit('engine.status', { state: 'exploded' } as never));
    ws.close();
  } finally {
    await srv.close();
  }
});

test('serve refuses to listen anywhere but loopback', async () => {
  await assert.rejects(startServer({ host: '0.0.0.0' }), (e: { code?: string }) => e.code === 'INVALID_INPUT');
});
