// Hostile input against a real `molmoscope serve` process: malformed request targets (HTTP and WebSocket upgrade,
// no token), handcrafted bad WebSocket frames from an authorised client, malformed percent-encodings and oversized
// bodies. Each must be answered (an envelope or a closed socket) and the process must keep serving.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

let srv: ServeProcess;
let exited = false;
before(async () => {
  srv = await startServeProcess();
  srv.child.once('exit', () => (exited = true));
});
after(async () => {
  await srv?.stop();
});

/** Sends raw bytes on a fresh TCP connection; resolves with everything read until the server closes it (or `ms`). */
function rawExchange(
  bytes: Buffer | string,
  ms = 3000,
  after?: (s: Socket, got: () => string) => void,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolvePromise) => {
    const s = connect(srv.port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolvePromise({ text, closed });
    };
    const timer = setTimeout(() => finish(false), ms);
    s.on('data', (d: Buffer) => (text += d.toString('latin1')));
    s.on('error', () => finish(true));
    s.on('close', () => finish(true));
    s.write(bytes);
    after?.(s, () => text);
  });
}

/** The bridge still answers an authorised API call, and the process has not exited. */
async function assertAlive(what: string): Promise<void> {
  assert.equal(exited, false, `serve exited after ${what}`);
  const r = await fetch(`${srv.url}/api/app.info`, {
    method: 'POST',
    headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(r.status, 200, `serve answers after ${what}`);
}

const statusOf = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);

const BAD_TARGETS = ['//', '//[', 'http://[', '//x:y@[::1', 'http://%zz/', '//a b/'];

test('malformed request targets get a 4xx envelope (no token needed to try), and serve keeps running', async () => {
  for (const target of BAD_TARGETS) {
    const r = await rawExchange(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\n\r\n`);
    const status = statusOf(r.text);
    assert.ok(status >= 400 && status < 500, `${target} → ${status}: ${r.text.slice(0, 200)}`);
    await assertAlive(`GET ${target}`);
  }
});

test('malformed targets in a WebSocket upgrade (before the Host/Origin check) do not end serve', async () => {
  for (const target of BAD_TARGETS) {
    for (const host of [`127.0.0.1:${srv.port}`, 'evil.example']) {
      const key = randomBytes(16).toString('base64');
      const r = await rawExchange(
        `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://evil.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      const status = statusOf(r.text);
      assert.ok(status >= 400 && status < 500, `upgrade ${target} (Host ${host}) → ${status}`);
      await assertAlive(`upgrade ${target}`);
    }
  }
});

/** A client frame: FIN + opcode byte as given, masked payload (or unmasked when mask is false). */
function frame(first: number, payload: Buffer, opts: { mask?: boolean; claimedLength?: number } = {}): Buffer {
  const mask = opts.mask ?? true;
  const len = opts.claimedLength ?? payload.length;
  let header: Buffer;
  if (len < 126) header = Buffer.from([first, (mask ? 0x80 : 0) | len]);
  else if (len < 65536) header = Buffer.from([first, (mask ? 0x80 : 0) | 126, len >> 8, len & 0xff]);
  else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = (mask ? 0x80 : 0) | 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!mask) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([header, key, body]);
}

const closeCode = (code: number) => Buffer.from([code >> 8, code & 0xff]);

const BAD_FRAMES: Record<string, Buffer> = {
  'invalid UTF-8 in a text frame': frame(0x81, Buffer.from([0xff, 0xfe, 0xfd])),
  'reserved bit RSV1 without an extension': frame(0xc1, Buffer.from('hi')),
  'reserved bits RSV2+RSV3': frame(0xb1, Buffer.from('hi')),
  'unknown opcode 0x3': frame(0x83, Buffer.from('hi')),
  'unknown control opcode 0xB': frame(0x8b, Buffer.alloc(0)),
  'close code 999': frame(0x88, closeCode(999)),
  'close code 1005 (reserved)': frame(0x88, closeCode(1005)),
  'close frame with a 1-byte body': frame(0x88, Buffer.from([3])),
  'close reason with invalid UTF-8': frame(0x88, Buffer.concat([closeCode(1000), Buffer.from([0xc3, 0x28])])),
  'oversized frame (1 GiB claimed)': frame(0x82, Buffer.alloc(0), { claimedLength: 2 ** 30 }),
  'oversized frame (2^63-1 claimed)': Buffer.from([
    0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4,
  ]),
  'unmasked client frame': frame(0x81, Buffer.from('hi'), { mask: false }),
  'fragmented control frame (ping without FIN)': frame(0x09, Buffer.from('x')),
  'control frame longer than 125 bytes': frame(0x89, Buffer.alloc(200, 1)),
  'continuation with nothing to continue': frame(0x80, Buffer.from('x')),
};

function upgradeRequest(): string {
  const key = randomBytes(16).toString('base64');
  return `GET /events?token=${encodeURIComponent(srv.token)} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
}

test('a malformed WebSocket frame from an authorised client closes that socket only; serve keeps running', async () => {
  for (const [name, bytes] of Object.entries(BAD_FRAMES)) {
    const r = await rawExchange(upgradeRequest(), 5000, (s, got) => {
      const wait = setInterval(() => {
        if (!got().includes('\r\n\r\n')) return;
        clearInterval(wait);
        s.write(bytes);
      }, 5);
      s.once('close', () => clearInterval(wait));
    });
    assert.equal(statusOf(r.text), 101, `${name}: handshake`);
    assert.ok(r.closed, `${name}: the server closes the socket`);
    await assertAlive(name);
  }
});

/**
 * A POST to the API with a raw path (fetch would normalise percent-encodings); resolves once the answer is read AND
 * the whole body was sent, so a server that answers early and then resets the connection fails the test here.
 */
function post(
  path: string,
  body: Buffer | string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    let answer: { status: number; body: string } | null = null;
    let sent = false;
    const done = () => answer && sent && resolvePromise(answer);
    const req = request(
      {
        host: '127.0.0.1',
        port: srv.port,
        method: 'POST',
        path,
        agent: false,
        headers: {
          host: `127.0.0.1:${srv.port}`,
          authorization: `Bearer ${srv.token}`,
          'content-type': 'application/json',
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          answer = { status: res.statusCode ?? 0, body: text };
          done();
        });
      },
    );
    req.on('error', reject);
    req.end(body, () => {
      sent = true;
      done();
    });
  });
}

test('malformed percent-encodings in the operation name are a 400 INVALID_INPUT envelope, not a 500', async () => {
  for (const path of ['/api/%', '/api/%E0%A4%A', '/api/app.%zzinfo', '/api/%C0%AF', '/api/%ED%A0%80']) {
    const r = await post(path, '{}');
    assert.ok(r.status >= 400 && r.status < 500, `${path} → ${r.status}`);
    assert.equal((JSON.parse(r.body) as { ok: boolean }).ok, false);
  }
  await assertAlive('percent-encodings');
});

test('a 10 MB body gets a 413 PAYLOAD_TOO_LARGE envelope (with and without Content-Length), not a reset', async () => {
  const big = Buffer.alloc(10 * 1024 * 1024, 0x20);
  const sized = await post('/api/app.info', big);
  assert.equal(sized.status, 413);
  assert.equal((JSON.parse(sized.body) as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
  const chunked = await post('/api/app.info', big, { 'transfer-encoding': 'chunked' });
  assert.equal(chunked.status, 413);
  assert.equal((JSON.parse(chunked.body) as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
  await assertAlive('10 MB bodies');
});
