// `molmoscope model …` end to end: a CLI download killed with SIGKILL mid-transfer resumes on a rerun, list shows
// only usable models, use/remove/add (a folder and a Hugging Face cache snapshot, never modified), and the
// default model is what ask and the engine host fall back to.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  realpathSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  copyFileSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { cliError, runCli } from '../../helpers/cli.js';
import { lavfiStill } from '../../helpers/media-fixtures.js';
import { startHubServer, type HubServer } from '../../helpers/hub-server.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { readRegistry } from '../../../src-main/core/models/index.js';
import { configuredModelDir } from '../../../src-main/core/molmo2/model-host.js';
import { createCoreContext } from '../../../src-main/core/platform/create-context.js';

const tiny = tinyCheckpoint({ shards: 2 });
const shard = 'model-00002-of-00002.safetensors';
const servers: HubServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

function treeDigest(dir: string): string {
  const h = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    const st = statSync(join(dir, name));
    h.update(`${name}:${st.size}:${st.mtimeMs}\n`);
  }
  return h.digest('hex');
}

test('kill -9 of a CLI download mid-transfer: the rerun resumes and completes', async () => {
  const hub = await startHubServer({ 'someone/Molmo2-tiny': { dir: tiny } }, { bytesPerSecond: 8_000_000 });
  servers.push(hub);
  const home = scratchDir('mm-home-kill');
  const env = { ...process.env, MOLMOSCOPE_HOME: home, HF_ENDPOINT: hub.url };
  const child = spawn(
    process.execPath,
    [resolve('bin/molmoscope.mjs'), 'model', 'download', 'someone/Molmo2-tiny', '--json'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const size = statSync(join(tiny, shard)).size;
  const t0 = Date.now();
  while ((hub.sent.get(shard) ?? 0) < 20_000_000) {
    assert.ok(Date.now() - t0 < 120_000, 'the download started');
    assert.equal(child.exitCode, null, 'the CLI is still running');
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const sentAtKill = hub.sent.get(shard)!;
  assert.ok(sentAtKill < size, 'killed mid-file');
  const dir = join(home, 'models', 'someone--Molmo2-tiny');
  assert.equal(existsSync(join(dir, shard)), false, 'the real name is never used before the check');
  assert.ok(existsSync(join(dir, shard + '.incomplete')));
  assert.deepEqual(JSON.parse((await runCli(['model', 'list', '--json'], { env })).out), []);
  assert.match(
    (await runCli(['model', 'list'], { env })).out,
    /unfinished download: someone\/molmo2-tiny \(run molmoscope model download someone\/Molmo2-tiny to resume\)/,
  );
  hub.faults.bytesPerSecond = undefined;
  const r = await runCli(['model', 'download', 'someone/Molmo2-tiny', '--json'], { env });
  assert.equal(r.code, 0, r.err);
  const lines = r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.at(-1).event, 'result');
  assert.equal(lines.at(-1).model.commit, hub.commit('someone/Molmo2-tiny'));
  assert.ok(lines.some((l) => l.event === 'progress' && l.phase === 'fetching' && l.doneBytes > 0));
  assert.ok(
    hub.requests.some((q) => q.range?.startsWith('bytes=') && q.range !== 'bytes=0-'),
    'the rerun asked for the rest with Range',
  );
  assert.ok(hub.sent.get(shard)! < size + 2_000_000, `shard bytes sent ${hub.sent.get(shard)} for a ${size}-byte file`);
  assert.ok(readFileSync(join(dir, shard)).equals(readFileSync(join(tiny, shard))));
  const listed = JSON.parse((await runCli(['model', 'list', '--json'], { env })).out);
  assert.deepEqual(
    listed.map((m: { id: string; state: string; isDefault: boolean }) => [m.id, m.state, m.isDefault]),
    [['someone/molmo2-tiny', 'ready', true]],
  );
});

test('Ctrl-C (SIGINT) stops a CLI download as CANCELLED and says how to resume', async () => {
  const hub = await startHubServer({ 'someone/Molmo2-tiny': { dir: tiny } }, { bytesPerSecond: 8_000_000 });
  servers.push(hub);
  const home = scratchDir('mm-home-int');
  const env = { ...process.env, MOLMOSCOPE_HOME: home, HF_ENDPOINT: hub.url };
  const child = spawn(process.execPath, [resolve('bin/molmoscope.mjs'), 'model', 'download', 'someone/Molmo2-tiny'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const t0 = Date.now();
  while ((hub.sent.get(shard) ?? 0) < 5_000_000) {
    assert.ok(Date.now() - t0 < 120_000 && child.exitCode === null, 'the download started');
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGINT');
  const code = await new Promise((r) => child.once('exit', r));
  assert.equal(code, 2);
  const last = cliError(err);
  assert.equal(last.code, 'CANCELLED');
  assert.match(last.message, /run the same command again to resume/);
  assert.ok(existsSync(join(home, 'models', 'someone--Molmo2-tiny', shard + '.incomplete')));
});

test('model add (folder and HF cache snapshot), use, remove; added folders are never modified', async () => {
  const home = scratchDir('mm-home-add');
  const env = { MOLMOSCOPE_HOME: home, MOLMOSCOPE_CACHE: join(home, 'cache') };
  // A Hugging Face cache repo: blobs/ with the files, snapshots/<commit>/ of symlinks, refs/main.
  const hf = join(scratchDir('hf-cache'), 'models--allenai--Molmo2-4B');
  const commit = 'c'.repeat(40);
  mkdirSync(join(hf, 'blobs'), { recursive: true });
  mkdirSync(join(hf, 'snapshots', commit), { recursive: true });
  mkdirSync(join(hf, 'refs'));
  writeFileSync(join(hf, 'refs', 'main'), commit);
  for (const f of readdirSync(tiny)) {
    copyFileSync(join(tiny, f), join(hf, 'blobs', `blob-${f}`));
    symlinkSync(join('..', '..', 'blobs', `blob-${f}`), join(hf, 'snapshots', commit, f));
  }
  const before = [treeDigest(tiny), treeDigest(join(hf, 'blobs')), treeDigest(join(hf, 'snapshots', commit))];
  const a = await runCli(['model', 'add', tiny, '--id', 'tiny'], { env });
  assert.equal(a.code, 0, a.err);
  const b = await runCli(['model', 'add', hf, '--json'], { env });
  assert.equal(b.code, 0, b.err);
  const added = JSON.parse(b.out);
  assert.equal(added.id, 'molmo2-4b');
  assert.equal(added.dir, join(hf, 'snapshots', commit));
  assert.equal(added.repo, 'allenai/Molmo2-4B');
  let listed = JSON.parse((await runCli(['model', 'list', '--json'], { env })).out);
  assert.deepEqual(
    listed.map((m: { id: string; isDefault: boolean }) => [m.id, m.isDefault]),
    [
      ['tiny', true],
      ['molmo2-4b', false],
    ],
  );
  assert.equal((await runCli(['model', 'use', 'allenai/Molmo2-4B'], { env })).code, 0);
  assert.equal(configuredModelDir(createCoreContext({ host: 'cli', env })), join(hf, 'snapshots', commit));
  assert.equal((await runCli(['model', 'remove', 'molmo2-4b'], { env })).code, 0);
  listed = JSON.parse((await runCli(['model', 'list', '--json'], { env })).out);
  assert.deepEqual(
    listed.map((m: { id: string; isDefault: boolean }) => [m.id, m.isDefault]),
    [['tiny', false]],
  );
  assert.equal(configuredModelDir(createCoreContext({ host: 'cli', env })), null, 'no default after removing it');
  assert.deepEqual(
    [treeDigest(tiny), treeDigest(join(hf, 'blobs')), treeDigest(join(hf, 'snapshots', commit))],
    before,
    'added folders untouched',
  );
  // A folder that is not a checkpoint, and bad ids, are refused.
  const bad = await runCli(['model', 'add', scratchDir('empty')], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.err, /"code":"NOT_FOUND".*config\.json/);
  assert.match((await runCli(['model', 'add', tiny, '--id', '../x'], { env })).err, /INVALID_INPUT/);
  assert.match((await runCli(['model', 'use', 'nope'], { env })).err, /NOT_FOUND/);
  assert.equal(readRegistry(join(home, 'models')).models.length, 1);
});

test('prompt without --model uses the default model; MOLMOSCOPE_MODEL comes before it', async () => {
  const home = scratchDir('mm-home-default');
  const env = { MOLMOSCOPE_HOME: home };
  assert.equal((await runCli(['model', 'add', tiny, '--id', 'tiny'], { env })).code, 0);
  const png = lavfiStill('testsrc-64x48-1fps.png', 'testsrc=size=64x48:rate=1');
  const r = await runCli(['prompt', '--image', png, 'What is this?', '--json'], { env });
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).model, realpathSync(tiny));
  const viaEnv = await runCli(['prompt', '--image', png, 'What is this?', '--json'], {
    env: { ...env, MOLMOSCOPE_MODEL: join(home, 'nope') },
  });
  assert.match(viaEnv.err, /NOT_FOUND/);
});

test('with no model anywhere, ask says how to get one', async () => {
  const home = scratchDir('mm-home-none');
  const r = await runCli(['ask', '--image', 'x.png', 'what?'], { env: { MOLMOSCOPE_HOME: home } });
  assert.equal(r.code, 2);
  assert.match(r.err, /MODEL_INVALID.*molmoscope model download molmo2-4b/);
});
