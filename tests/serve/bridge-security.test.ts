// The serve bridge against a real `molmoscope serve` process: token, Host and Origin checks, payload validation,
// static files (CSP, no path escapes) and the WebSocket upgrade rules.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { AppInfoSchema } from '../../src-main/api/ops/app.js';
import { resultSchema } from '../../src-main/api/envelope.js';
import { requestServe, startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { buildRendererForTest } from '../helpers/renderer-build.js';

let srv: ServeProcess;
before(async () => {
  srv = await startServeProcess(['--renderer', buildRendererForTest()]);
});
after(async () => {
  await srv?.stop();
});

/** A raw request whose answer body is read as text. */
async function raw(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  const answer = await requestServe(srv, path, { method, headers, body });
  return { ...answer, body: answer.body.toString() };
}
type Answer = Awaited<ReturnType<typeof raw>>;

const auth = () => ({ authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' });
const errorCode = (a: Answer) => (JSON.parse(a.body) as { ok: boolean; error?: { code: string } }).error?.code;

test('a valid call answers the app.info envelope from the serve host', async () => {
  const a = await raw('POST', '/api/app.info', auth(), '{}');
  assert.equal(a.status, 200);
  const env = resultSchema(AppInfoSchema).parse(JSON.parse(a.body));
  assert.ok(env.ok);
  if (env.ok) {
    assert.equal(env.value.host, 'serve');
    assert.ok(env.value.providers.some((p) => p.name === 'cpu' && p.available));
  }
});

test('requests without the token, or with a wrong one, are UNAUTHORIZED', async () => {
  const none = await raw('POST', '/api/app.info', { 'content-type': 'application/json' }, '{}');
  assert.equal(none.status, 401);
  assert.equal(errorCode(none), 'UNAUTHORIZED');
  const wrong = await raw(
    'POST',
    '/api/app.info',
    { authorization: `Bearer ${srv.token}x`, 'content-type': 'application/json' },
    '{}',
  );
  assert.equal(errorCode(wrong), 'UNAUTHORIZED');
  // The token in the query string is accepted only for the WebSocket upgrade, never for API calls.
  const query = await raw('POST', `/api/app.info?token=${srv.token}`, { 'content-type': 'application/json' }, '{}');
  assert.equal(errorCode(query), 'UNAUTHORIZED');
});

test('requests from another origin are FORBIDDEN_ORIGIN even with the token', async () => {
  const a = await raw('POST', '/api/app.info', { ...auth(), origin: 'http://evil.example' }, '{}');
  assert.equal(a.status, 403);
  assert.equal(errorCode(a), 'FORBIDDEN_ORIGIN');
  const otherPort = await raw('POST', '/api/app.info', { ...auth(), origin: `http://127.0.0.1:${srv.port + 1}` }, '{}');
  assert.equal(errorCode(otherPort), 'FORBIDDEN_ORIGIN');
  const same = await raw('POST', '/api/app.info', { ...auth(), origin: `http://127.0.0.1:${srv.port}` }, '{}');
  assert.equal(same.status, 200);
});

test('a DNS-rebinding Host header is refused, for pages as well as the API', async () => {
  const api = await raw('POST', '/api/app.info', { ...auth(), host: `evil.example:${srv.port}` }, '{}');
  assert.equal(errorCode(api), 'FORBIDDEN_ORIGIN');
  const page = await raw('GET', '/', { host: 'evil.example' });
  assert.equal(page.status, 403);
});

test('malformed payloads are INVALID_INPUT with the zod issues; unknown operations are UNKNOWN_OPERATION', async () => {
  const extra = await raw('POST', '/api/app.info', auth(), '{"surprise":1}');
  assert.equal(extra.status, 400);
  const body = JSON.parse(extra.body) as { ok: false; error: { code: string; details: unknown[] } };
  assert.equal(body.error.code, 'INVALID_INPUT');
  assert.ok(Array.isArray(body.error.details) && body.error.details.length > 0);
  const notJson = await raw('POST', '/api/app.info', auth(), '{nope');
  assert.equal(errorCode(notJson), 'INVALID_INPUT');
  const badType = await raw('POST', '/api/library.open', auth(), '{"path":5}');
  assert.equal(errorCode(badType), 'INVALID_INPUT');
  const formPost = await raw(
    'POST',
    '/api/app.info',
    { authorization: `Bearer ${srv.token}`, 'content-type': 'text/plain' },
    '{}',
  );
  assert.equal(errorCode(formPost), 'INVALID_INPUT');
  const unknown = await raw('POST', '/api/app.nothing', auth(), '{}');
  assert.equal(unknown.status, 404);
  assert.equal(errorCode(unknown), 'UNKNOWN_OPERATION');
});

test('the UI is served with a strict CSP, and paths cannot escape the renderer directory', async () => {
  const page = await raw('GET', '/');
  assert.equal(page.status, 200);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
  for (const p of [
    '/../package.json',
    '/%2e%2e/package.json',
    '/..%2fpackage.json',
    '/assets/..%2f..%2fpackage.json',
  ]) {
    const a = await raw('GET', p);
    assert.equal(a.status, 404, p);
    assert.doesNotMatch(a.body, /"name":\s*"molmoscope"/);
  }
});

function wsOpen(url: string, headers: Record<string, string> = {}): Promise<{ opened: boolean; status?: number }> {
  return new Promise((resolvePromise) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolvePromise({ opened: true });
    });
    ws.on('unexpected-response', (_req, res) => {
      resolvePromise({ opened: false, status: res.statusCode });
      res.resume();
    });
    ws.on('error', () => resolvePromise({ opened: false }));
  });
}

test('the events WebSocket needs the token and the app origin', async () => {
  const base = `ws://127.0.0.1:${srv.port}/events`;
  assert.deepEqual(await wsOpen(base), { opened: false, status: 401 });
  assert.deepEqual(await wsOpen(`${base}?token=wrong`), { opened: false, status: 401 });
  assert.deepEqual(await wsOpen(`${base}?token=${srv.token}`, { origin: 'http://evil.example' }), {
    opened: false,
    status: 403,
  });
  assert.deepEqual(await wsOpen(`${base}?token=${srv.token}`, { origin: `http://127.0.0.1:${srv.port}` }), {
    opened: true,
  });
});
