// The downloader against a real loopback Hub: full download, resume after a dropped connection (only the rest is
// fetched), a flipped byte refused, 401/403/404, a hostile file name, the disk check, cancel and rerun.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadModel, type DownloadProgress } from '../../../src-main/core/models/download.js';
import { listModels, readRegistry } from '../../../src-main/core/models/index.js';
import { AppError } from '../../../src-main/api/errors.js';
import { startHubServer, type HubServer } from '../../helpers/hub-server.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';

const tiny = tinyCheckpoint({ shards: 2 });
const servers: HubServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function hub(faults = {}, token?: string): Promise<HubServer> {
  const s = await startHubServer({ 'someone/Molmo2-tiny': { dir: tiny, ...(token ? { token } : {}) } }, faults);
  servers.push(s);
  return s;
}

const shard = 'model-00002-of-00002.safetensors'; // the big one (78 MB)
const fileSize = (f: string) => statSync(join(tiny, f)).size;
const totalServed = (s: HubServer) => [...s.sent.values()].reduce((a, b) => a + b, 0);
const signal = () => new AbortController().signal;

/**
 * The transfer of the shard was cut at `cut` bytes and resumed by exactly one ranged request to the CDN, from at most
 * `slack` bytes before the cut, which fetched only the rest.
 */
function assertResumedAfterCut(s: HubServer, cut: number, slack: number): void {
  const ranges = s.requests.filter((q) => q.path.startsWith('/cdn/') && q.range).map((q) => q.range);
  assert.equal(ranges.length, 1, String(ranges));
  const from = Number(/^bytes=(\d+)-$/.exec(ranges[0]!)?.[1]);
  assert.ok(from > cut - slack && from <= cut, `resumed from ${from}, cut at ${cut}`);
  assert.equal(s.sent.get(shard), cut + (fileSize(shard) - from), 'the second request fetched only the rest');
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AppError, String(err));
    return `${err.code}: ${err.message}`;
  }
  return 'no error';
}

test('a full download pins the commit, verifies every file and becomes the usable default', async () => {
  const s = await hub();
  const modelsDir = scratchDir('models-full');
  const events: DownloadProgress[] = [];
  const r = await downloadModel(
    'someone/Molmo2-tiny',
    undefined,
    { modelsDir, env: { HF_ENDPOINT: s.url }, onProgress: (p) => events.push(p) },
    signal(),
  );
  assert.equal(r.model.state, 'ready');
  assert.equal(r.model.commit, s.commit('someone/Molmo2-tiny'));
  assert.equal(r.model.id, 'someone/molmo2-tiny');
  for (const f of readdirSync(tiny)) {
    if (!/\.(json|jinja|safetensors)$/.test(f)) continue;
    assert.ok(readFileSync(join(r.model.dir, f)).equals(readFileSync(join(tiny, f))), `${f} identical`);
  }
  assert.deepEqual(
    readdirSync(r.model.dir).filter((f) => f.endsWith('.incomplete')),
    [],
  );
  const models = listModels(modelsDir);
  assert.deepEqual(
    models.map((m) => [m.id, m.isDefault]),
    [['someone/molmo2-tiny', true]],
  );
  const last = events.at(-1)!;
  assert.equal(last.phase, 'done');
  assert.equal(last.doneBytes, last.totalBytes);
  assert.ok(events.some((e) => e.phase === 'fetching'));
  // The LFS files went through the CDN redirect; a second run fetches nothing.
  assert.ok(s.requests.some((q) => q.path.startsWith('/cdn/')));
  const before = totalServed(s);
  const again = await downloadModel(
    'someone/Molmo2-tiny',
    undefined,
    { modelsDir, env: { HF_ENDPOINT: s.url } },
    signal(),
  );
  assert.equal(again.alreadyInstalled, true);
  assert.equal(totalServed(s), before);
});

test('a connection dropped mid-file resumes with Range and fetches only the rest', async () => {
  const cut = 10_000_000;
  const s = await hub({ dropAfter: { file: shard, bytes: cut } });
  const modelsDir = scratchDir('models-resume');
  const r = await downloadModel(
    'someone/Molmo2-tiny',
    undefined,
    { modelsDir, env: { HF_ENDPOINT: s.url }, concurrency: 1 },
    signal(),
  );
  assert.equal(r.model.state, 'ready');
  // The client resumes from what reached its disk: the bytes the server had written when it cut the connection, less
  // what was still in flight (the body stream drops its queue when the socket errors; under load a few slices).
  assertResumedAfterCut(s, cut, 1_000_000);
});

test('a flipped byte is refused: MODEL_CORRUPT, the bytes removed, nothing listed', async () => {
  const s = await hub({ flip: { file: shard } });
  const modelsDir = scratchDir('models-flip');
  const msg = await code(
    downloadModel('someone/Molmo2-tiny', undefined, { modelsDir, env: { HF_ENDPOINT: s.url } }, signal()),
  );
  assert.match(msg, /^MODEL_CORRUPT: model-00002-of-00002\.safetensors failed its sha256 check/);
  const dir = join(modelsDir, 'someone--Molmo2-tiny');
  assert.equal(existsSync(join(dir, shard)), false);
  assert.equal(existsSync(join(dir, shard + '.incomplete')), false);
  assert.deepEqual(listModels(modelsDir), []);
  // The server mends its ways: a rerun completes.
  delete s.faults.flip;
  const r = await downloadModel('someone/Molmo2-tiny', undefined, { modelsDir, env: { HF_ENDPOINT: s.url } }, signal());
  assert.equal(r.model.state, 'ready');
});

test('401 without a token, 403 with a wrong one, success with HF_TOKEN; the token never leaves the endpoint', async () => {
  const cdn = await hub();
  const s = await hub({ cdnBase: cdn.url }, 'hf_secret');
  const modelsDir = scratchDir('models-auth');
  assert.match(
    await code(downloadModel('someone/Molmo2-tiny', undefined, { modelsDir, env: { HF_ENDPOINT: s.url } }, signal())),
    /^HUB_UNAUTHORIZED: .*needs a token.*Set HF_TOKEN/,
  );
  assert.match(
    await code(
      downloadModel(
        'someone/Molmo2-tiny',
        undefined,
        { modelsDir, env: { HF_ENDPOINT: s.url, HF_TOKEN: 'hf_wrong' } },
        signal(),
      ),
    ),
    /^HUB_UNAUTHORIZED: .*403.*accept its terms/,
  );
  const r = await downloadModel(
    'someone/Molmo2-tiny',
    undefined,
    { modelsDir, env: { HF_ENDPOINT: s.url, HF_TOKEN: 'hf_secret' } },
    signal(),
  );
  assert.equal(r.model.state, 'ready');
  assert.ok(s.requests.some((q) => q.auth === 'Bearer hf_secret'));
  assert.ok(
    cdn.requests.length > 0 && cdn.requests.every((q) => q.path.startsWith('/cdn/') && q.auth === null),
    'no token sent to the CDN host',
  );
});

test('404 for an unknown revision and an unknown repo say what to check', async () => {
  const s = await hub();
  const modelsDir = scratchDir('models-404');
  assert.match(
    await code(downloadModel('someone/Molmo2-tiny', 'v9', { modelsDir, env: { HF_ENDPOINT: s.url } }, signal())),
    /^HUB_NOT_FOUND: revision "v9" does not exist.*--revision/,
  );
  assert.match(
    await code(
      downloadModel('nobody/nothing', undefined, { modelsDir, env: { HF_ENDPOINT: s.url, HF_TOKEN: 't' } }, signal()),
    ),
    /^HUB_UNAUTHORIZED/,
  );
  assert.match(
    await code(downloadModel('../etc', undefined, { modelsDir, env: { HF_ENDPOINT: s.url } }, signal())),
    /^INVALID_INPUT/,
  );
  assert.match(
    await code(downloadModel('someone/Molmo2-tiny', '../../x', { modelsDir, env: { HF_ENDPOINT: s.url } }, signal())),
    /^INVALID_INPUT/,
  );
  assert.deepEqual(readRegistry(modelsDir).models, []);
});

test('hostile file names from the server refuse the download before anything is written', async () => {
  for (const name of ['../escape.json', '/etc/passwd.json', 'a/../../b.json', 'x\\..\\y.json', 'nul\u0000.json', 42]) {
    const s = await startHubServer({
      'someone/Molmo2-tiny': { dir: tiny, extraSiblings: [{ rfilename: name, size: 10 }] },
    });
    servers.push(s);
    const modelsDir = scratchDir('models-hostile');
    assert.match(
      await code(downloadModel('someone/Molmo2-tiny', undefined, { modelsDir, env: { HF_ENDPOINT: s.url } }, signal())),
      /^HUB_BAD_RESPONSE: the server listed an unsafe file name/,
    );
    assert.equal(existsSync(join(modelsDir, 'someone--Molmo2-tiny')), false);
    assert.equal(existsSync(join(modelsDir, '..', 'escape.json')), false);
  }
});

test('the free-disk check refuses with both numbers before the weights are fetched', async () => {
  const s = await hub();
  const modelsDir = scratchDir('models-disk');
  const msg = await code(
    downloadModel(
      'someone/Molmo2-tiny',
      undefined,
      { modelsDir, env: { HF_ENDPOINT: s.url }, diskFree: () => 1_000_000 },
      signal(),
    ),
  );
  assert.match(msg, /^DISK_FULL: the download needs 0\.0[89] GB more but only 0\.00 GB is free/);
  assert.equal(s.sent.get(shard) ?? 0, 0);
});

test('a checkpoint that is not Molmo2 is refused after config.json only', async () => {
  const other = scratchDir('not-molmo');
  for (const f of readdirSync(tiny)) copyFileSync(join(tiny, f), join(other, f));
  writeFileSync(join(other, 'config.json'), JSON.stringify({ model_type: 'llama' }));
  const s = await startHubServer({ 'someone/llama': { dir: other } });
  servers.push(s);
  const modelsDir = scratchDir('models-llama');
  assert.match(
    await code(downloadModel('someone/llama', undefined, { modelsDir, env: { HF_ENDPOINT: s.url } }, signal())),
    /^MODEL_UNSUPPORTED: someone\/llama is not a Molmo2 checkpoint/,
  );
  assert.equal(totalServed(s), statSync(join(other, 'config.json')).size);
  assert.deepEqual(readRegistry(modelsDir).models, []);
});

test('molmo2-o-7b (an OLMo3 decoder) downloads by its catalogue id and is ready', async () => {
  const s = await startHubServer({ 'allenai/Molmo2-O-7B': { dir: tinyCheckpoint({ seed: 1, variant: 'o-7b' }) } });
  servers.push(s);
  const modelsDir = scratchDir('models-o7b');
  const r = await downloadModel('molmo2-o-7b', undefined, { modelsDir, env: { HF_ENDPOINT: s.url } }, signal());
  assert.equal(r.model.state, 'ready');
  assert.equal(r.model.catalogueId, 'molmo2-o-7b');
});

test('cancel stops the transfer, keeps the verified part for a rerun that fetches only the rest', async () => {
  const s = await hub({ bytesPerSecond: 20_000_000 });
  const modelsDir = scratchDir('models-cancel');
  const ac = new AbortController();
  const run = downloadModel(
    'someone/Molmo2-tiny',
    undefined,
    {
      modelsDir,
      env: { HF_ENDPOINT: s.url },
      concurrency: 1,
      onProgress: (p) => (p.doneBytes > 5_000_000 ? ac.abort() : undefined),
    },
    ac.signal,
  );
  assert.match(await code(run), /^CANCELLED/);
  assert.deepEqual(listModels(modelsDir), []);
  assert.equal(readRegistry(modelsDir).models[0]?.state, 'downloading');
  const sentBefore = totalServed(s);
  s.faults.bytesPerSecond = undefined;
  const r = await downloadModel('someone/Molmo2-tiny', undefined, { modelsDir, env: { HF_ENDPOINT: s.url } }, signal());
  assert.equal(r.model.state, 'ready');
  const total =
    readdirSync(tiny)
      .filter((f) => /\.(json|jinja|safetensors)$/.test(f))
      .reduce((a, f) => a + fileSize(f), 0) + fileSize('tokenizer.json');
  // Bytes that were on the wire when the abort came may be lost, never more than a few slices.
  assert.ok(
    totalServed(s) - total < 1_000_000,
    `served ${totalServed(s)} for ${total} bytes (${sentBefore} before the cancel)`,
  );
});

test('a stalled transfer is dropped after the idle timeout and resumed', async () => {
  const s = await hub({ stallAfter: { file: shard, bytes: 3_000_000 } });
  const modelsDir = scratchDir('models-stall');
  const r = await downloadModel(
    'someone/Molmo2-tiny',
    undefined,
    { modelsDir, env: { HF_ENDPOINT: s.url }, idleTimeoutMs: 500 },
    signal(),
  );
  assert.equal(r.model.state, 'ready');
  assertResumedAfterCut(s, 3_000_000, 1_000_000);
});

test('a server that sends more bytes than it listed is refused: MODEL_CORRUPT, nothing kept', async () => {
  const s = await hub({ listShorter: { file: shard, bytes: 100 } });
  const modelsDir = scratchDir('models-long');
  assert.match(
    await code(downloadModel('someone/Molmo2-tiny', undefined, { modelsDir, env: { HF_ENDPOINT: s.url } }, signal())),
    /^MODEL_CORRUPT: model-00002-of-00002\.safetensors: the server sent more than/,
  );
  assert.deepEqual(listModels(modelsDir), []);
  assert.deepEqual(
    readdirSync(join(modelsDir, 'someone--Molmo2-tiny')).filter((f) => f.startsWith('model-00002')),
    [],
  );
});

test('an X-Linked-Etag that disagrees with the file list is refused before any LFS byte is kept', async () => {
  const s = await hub({ linkedEtag: 'f'.repeat(64) });
  const modelsDir = scratchDir('models-etag');
  assert.match(
    await code(downloadModel('someone/Molmo2-tiny', undefined, { modelsDir, env: { HF_ENDPOINT: s.url } }, signal())),
    /^HUB_BAD_RESPONSE: .*X-Linked-Etag f{64} disagrees with the file list's sha256/,
  );
  assert.equal(s.sent.get(shard) ?? 0, 0);
  assert.deepEqual(listModels(modelsDir), []);
});

test('two downloads of one model at once: the second is refused while the first runs', async () => {
  const s = await hub({ bytesPerSecond: 20_000_000 });
  const modelsDir = scratchDir('models-twice');
  const ac = new AbortController();
  let started!: () => void;
  const fetching = new Promise<void>((r) => (started = r));
  const first = downloadModel(
    'someone/Molmo2-tiny',
    undefined,
    { modelsDir, env: { HF_ENDPOINT: s.url }, onProgress: (p) => p.phase === 'fetching' && started() },
    ac.signal,
  );
  await fetching;
  assert.match(
    await code(downloadModel('someone/Molmo2-tiny', undefined, { modelsDir, env: { HF_ENDPOINT: s.url } }, signal())),
    /^JOB_CONFLICT: this model is already being downloaded/,
  );
  ac.abort();
  assert.match(await code(first), /^CANCELLED/);
  s.faults.bytesPerSecond = undefined;
  assert.equal(
    (await downloadModel('someone/Molmo2-tiny', undefined, { modelsDir, env: { HF_ENDPOINT: s.url } }, signal())).model
      .state,
    'ready',
  );
});

test('bad endpoints and tokens are refused before any request', async () => {
  const modelsDir = scratchDir('models-env');
  assert.match(
    await code(downloadModel('a/b', undefined, { modelsDir, env: { HF_ENDPOINT: 'file:///etc' } }, signal())),
    /^INVALID_INPUT: HF_ENDPOINT must be an http/,
  );
  assert.match(
    await code(downloadModel('a/b', undefined, { modelsDir, env: { HF_ENDPOINT: 'not a url' } }, signal())),
    /^INVALID_INPUT: HF_ENDPOINT/,
  );
  assert.match(
    await code(
      downloadModel(
        'a/b',
        undefined,
        { modelsDir, env: { HF_ENDPOINT: 'http://127.0.0.1:1', HF_TOKEN: 'a\nb' } },
        signal(),
      ),
    ),
    /^INVALID_INPUT: HF_TOKEN/,
  );
  assert.match(
    await code(downloadModel('a/b', undefined, { modelsDir, env: { HF_ENDPOINT: 'http://127.0.0.1:1' } }, signal())),
    /^HUB_UNREACHABLE: cannot reach http:\/\/127\.0\.0\.1:1/,
  );
});
