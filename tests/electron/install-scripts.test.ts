// scripts/postinstall.mjs and scripts/rebuild-native.mjs run in a scratch project whose electron, ffmpeg-static and
// onnxruntime-node are stand-ins for the real packages' download scripts (the network is the boundary): a failed or
// hung download warns and the install goes on; a native addon with no prebuilt binary is compiled with the headers
// installed with Node (no download); the Electron rebuild is a no-op without Electron's binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32, gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { electronSqliteBinding, electronSqliteFileName } from '../../src-main/electron/native-binding.js';
import { scratchDir } from '../helpers/tiny.js';

const require = createRequire(import.meta.url);

/** Writes `files` (path → content) under `root`. */
function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** A scratch project with our script copied in and the given stand-in packages. */
function project(name: string, script: string, files: Record<string, string>): string {
  const root = scratchDir(name);
  writeTree(root, { 'package.json': JSON.stringify({ name: 'molmoscope', private: true }), ...files });
  mkdirSync(join(root, 'scripts'), { recursive: true });
  copyFileSync(resolve('scripts', script), join(root, 'scripts', script));
  return root;
}

/** Runs the scratch project's copy of scripts/<script> with Node in `root`, to its end. */
function runScript(root: string, script: string, opts: { env?: NodeJS.ProcessEnv; timeout: number; args?: string[] }) {
  return spawnSync(process.execPath, [join(root, 'scripts', script), ...(opts.args ?? [])], {
    cwd: root,
    env: opts.env,
    encoding: 'utf8',
    timeout: opts.timeout,
  });
}

const BUILT_SQLITE = 'better-sqlite3/build/Release/better_sqlite3.node';

/** The real better-sqlite3 addon, built for this Node, copied into the project: it loads, so the postinstall leaves it alone. */
function copyBuiltSqlite(root: string): void {
  mkdirSync(dirname(join(root, 'node_modules', BUILT_SQLITE)), { recursive: true });
  copyFileSync(require.resolve(BUILT_SQLITE), join(root, 'node_modules', BUILT_SQLITE));
}

const pkg = (name: string, version = '1.0.0') => JSON.stringify({ name, version });

/** A stand-in better-sqlite3: a one-function C addon under the real target name, at a version no registry has. */
const standInSqlite = {
  'node_modules/better-sqlite3/package.json': pkg('better-sqlite3', '0.0.0-molmoscope-stand-in'),
  'node_modules/better-sqlite3/binding.gyp': JSON.stringify({
    targets: [{ target_name: 'better_sqlite3', sources: ['addon.c'] }],
  }),
  'node_modules/better-sqlite3/addon.c': 'int molmoscope_stand_in(void) { return 42; }\n',
};

test('postinstall: a failing download and a hung one warn with what the app does instead; the install exits 0', () => {
  const root = project('postinstall', 'postinstall.mjs', {
    'node_modules/better-sqlite3/package.json': pkg('better-sqlite3'),
    'node_modules/electron/package.json': pkg('electron', '41.7.1'),
    'node_modules/electron/install.js':
      "console.error('RequestError: getaddrinfo ENOTFOUND github.com'); process.exit(1);",
    'node_modules/ffmpeg-static/package.json': pkg('ffmpeg-static'),
    'node_modules/ffmpeg-static/install.js': "console.log('ffmpeg is installed already.');",
    'node_modules/onnxruntime-node/package.json': pkg('onnxruntime-node'),
    // The real script exits at once when npm_package_json is the project's own (a "local install"): record what it saw.
    'node_modules/onnxruntime-node/script/install.js':
      "require('fs').writeFileSync(__dirname + '/seen.txt', String(process.env.npm_package_json)); setTimeout(() => {}, 60000);",
  });
  copyBuiltSqlite(root);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MOLMOSCOPE_DOWNLOAD_TIMEOUT_S: '2',
    npm_package_json: join(root, 'package.json'),
  };
  for (const k of [
    'ELECTRON_SKIP_BINARY_DOWNLOAD',
    'FFMPEG_BIN',
    'ONNXRUNTIME_NODE_INSTALL',
    'npm_config_onnxruntime_node_install',
  ])
    delete env[k];
  const r = runScript(root, 'postinstall.mjs', { env, timeout: 60_000 });
  const out = r.stdout + r.stderr;
  assert.equal(r.status, 0, out);
  assert.match(
    out,
    /WARNING: Electron's binary could not be downloaded \(exit code 1, [\d.]+ s\): RequestError: getaddrinfo ENOTFOUND github\.com/,
  );
  assert.match(out, /`npm start` runs `molmoscope serve`/);
  assert.match(out, /ffmpeg-static's ffmpeg: ok/);
  assert.match(
    out,
    /WARNING: onnxruntime-node's CUDA provider could not be downloaded \(stopped after 2 s \(SIGTERM\)/,
  );
  assert.match(out, /better-sqlite3: already built/);
  assert.match(out, /2 optional download\(s\) failed; the install goes on/);
  const seen = readFileSync(join(root, 'node_modules/onnxruntime-node/script/seen.txt'), 'utf8');
  assert.equal(seen, join(root, 'node_modules', 'onnxruntime-node', 'package.json'));
});

test(
  'postinstall: with no prebuilt binary the addon is compiled against the headers installed with Node',
  { timeout: 300_000 },
  () => {
    const root = project('postinstall-compile', 'postinstall.mjs', standInSqlite);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
      ONNXRUNTIME_NODE_INSTALL: 'skip',
      FFMPEG_BIN: process.execPath,
    };
    delete env.npm_config_nodedir;
    const r = runScript(root, 'postinstall.mjs', { env, timeout: 280_000 });
    const out = r.stdout + r.stderr;
    assert.equal(r.status, 0, out);
    assert.match(out, /better-sqlite3: no prebuilt binary \(.*\); compiling it/);
    assert.match(out, /better-sqlite3: compiled from source with the headers in \S+ \(/);
    assert.ok(existsSync(join(root, 'node_modules', BUILT_SQLITE)));
    assert.match(out, /Electron's binary: skipped \(ELECTRON_SKIP_BINARY_DOWNLOAD is set\)/);
    assert.match(out, /ffmpeg-static's ffmpeg: skipped \(FFMPEG_BIN names the ffmpeg to use\)/);
    assert.match(out, /onnxruntime-node's CUDA provider: skipped \(ONNXRUNTIME_NODE_INSTALL=skip\)/);
    // A source that does not compile fails the install (better-sqlite3 is required), naming what a build needs.
    const broken = project('postinstall-broken', 'postinstall.mjs', {
      ...standInSqlite,
      'node_modules/better-sqlite3/addon.c': 'this is not C',
    });
    const b = runScript(broken, 'postinstall.mjs', { env, timeout: 280_000 });
    assert.equal(b.status, 1, b.stdout + b.stderr);
    assert.match(b.stderr, /ERROR: better-sqlite3 could not be compiled .*g\+\+, make and python3/);
  },
);

/** Runs a script with node without blocking this process (a loopback server here must keep answering). */
function runAsync(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => done({ code, out }));
  });
}

/**
 * Runs the project's postinstall (async, so the loopback mirror in this process can answer) with `set` added to the
 * environment and `unset` and the proxy variables removed (the mirror is reached directly).
 */
function postinstallOnline(root: string, set: NodeJS.ProcessEnv, unset: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...set };
  for (const k of [...unset, 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) delete env[k];
  return runAsync(join(root, 'scripts', 'postinstall.mjs'), root, env);
}

/** Serves `files` (URL path → body; any other path is a 404) on a loopback port while `use(base URL)` runs. */
async function withLoopbackMirror<T>(
  files: Record<string, string | Buffer>,
  use: (base: string) => Promise<T>,
): Promise<{ result: T; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    requests.push(path);
    const body = Object.hasOwn(files, path) ? files[path] : undefined;
    if (body === undefined) res.writeHead(404).end();
    else res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    return { result: await use(`http://127.0.0.1:${port}`), requests };
  } finally {
    server.close();
  }
}

test('postinstall online: the real ffmpeg-static script downloads its binary (from a loopback mirror of its releases)', async () => {
  const root = project('postinstall-online', 'postinstall.mjs', {
    'node_modules/better-sqlite3/package.json': pkg('better-sqlite3'),
    'node_modules/electron/package.json': pkg('electron', '41.7.1'),
    'node_modules/electron/install.js': '',
    'node_modules/onnxruntime-node/package.json': pkg('onnxruntime-node'),
    'node_modules/onnxruntime-node/script/install.js': '',
  });
  copyBuiltSqlite(root);
  const real = dirname(require.resolve('ffmpeg-static/package.json'));
  cpSync(real, join(root, 'node_modules/ffmpeg-static'), {
    recursive: true,
    filter: (p) => !/[\\/]ffmpeg(\.exe)?(\.README|\.LICENSE)?$/.test(p),
  });
  const tag = (JSON.parse(readFileSync(join(real, 'package.json'), 'utf8')) as Record<string, Record<string, string>>)[
    'ffmpeg-static'
  ]!['binary-release-tag'];
  const binary = '#!/bin/sh\necho stand-in ffmpeg\n';
  const asset = `/${tag}/ffmpeg-${process.platform}-${process.arch}.gz`;
  const { result: r, requests } = await withLoopbackMirror({ [asset]: gzipSync(binary) }, (base) =>
    postinstallOnline(root, { FFMPEG_BINARIES_URL: base, XDG_CACHE_HOME: join(root, 'cache') }, ['FFMPEG_BIN']),
  );
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /ffmpeg-static's ffmpeg: ok/);
  const downloaded = join(root, 'node_modules', 'ffmpeg-static', 'ffmpeg');
  assert.equal(readFileSync(downloaded, 'utf8'), binary);
  assert.equal(statSync(downloaded).mode & 0o111, 0o111, 'the binary is executable');
  assert.ok(requests.includes(asset), requests.join(' '));
});

/** A zip archive of `files` stored without compression (what @electron/get's extractor reads), modes kept. */
function storedZip(files: Array<{ name: string; data: Buffer; mode: number }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name);
    const crc = crc32(f.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(33, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(f.data.length, 18);
    local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made on Unix: the external attributes carry the mode
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(33, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(f.data.length, 20);
    central.writeUInt32LE(f.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((0o100000 | f.mode) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, f.data);
    centrals.push(central, name);
    offset += local.length + name.length + f.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

test("postinstall online: Electron's real install script downloads and unpacks its binary (from a loopback mirror)", async () => {
  const real = dirname(require.resolve('electron/package.json'));
  const version = (JSON.parse(readFileSync(join(real, 'package.json'), 'utf8')) as { version: string }).version;
  const root = project('postinstall-electron', 'postinstall.mjs', {
    'node_modules/better-sqlite3/package.json': pkg('better-sqlite3'),
    'node_modules/onnxruntime-node/package.json': pkg('onnxruntime-node'),
    'node_modules/onnxruntime-node/script/install.js': '',
  });
  copyBuiltSqlite(root);
  mkdirSync(join(root, 'node_modules/electron'), { recursive: true });
  for (const f of ['package.json', 'install.js', 'index.js', 'checksums.json'])
    copyFileSync(join(real, f), join(root, 'node_modules/electron', f));
  const zipName = `electron-v${version}-${process.platform}-${process.arch}.zip`;
  const zip = storedZip([
    { name: 'electron', data: Buffer.from('#!/bin/sh\necho stand-in electron\n'), mode: 0o755 },
    { name: 'version', data: Buffer.from(version), mode: 0o644 },
  ]);
  const sums = `${createHash('sha256').update(zip).digest('hex')} *${zipName}\n`;
  const mirror = { [`/v${version}/${zipName}`]: zip, [`/v${version}/SHASUMS256.txt`]: sums };
  const { result: r } = await withLoopbackMirror(mirror, (base) =>
    postinstallOnline(
      root,
      {
        ELECTRON_MIRROR: `${base}/`,
        electron_use_remote_checksums: '1',
        electron_config_cache: join(root, 'electron-cache'),
        FFMPEG_BIN: process.execPath,
      },
      ['ELECTRON_SKIP_BINARY_DOWNLOAD'],
    ),
  );
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /Electron's binary: ok/);
  assert.equal(readFileSync(join(root, 'node_modules/electron/path.txt'), 'utf8'), 'electron');
  assert.equal(statSync(join(root, 'node_modules/electron/dist/electron')).mode & 0o111, 0o111);
  // What `npm start` and `npm run dist` see now: Electron is installed, so the rebuild step goes ahead.
  copyFileSync(resolve('scripts/rebuild-native.mjs'), join(root, 'scripts', 'rebuild-native.mjs'));
  const { installedElectron } = (await import(pathToFileURL(join(root, 'scripts', 'rebuild-native.mjs')).href)) as {
    installedElectron(): { ok: boolean; version?: string };
  };
  assert.deepEqual({ ...installedElectron(), bin: undefined }, { ok: true, version, bin: undefined });
});

test('rebuild for Electron: a clear no-op without the binary, a failure with --require (dist), "up to date" when built', () => {
  const sqliteVersion = (require('better-sqlite3/package.json') as { version: string }).version;
  const noBinary = project('rebuild-none', 'rebuild-native.mjs', {
    'node_modules/electron/package.json': pkg('electron', '41.7.1'),
  });
  const run = (root: string, ...args: string[]) => runScript(root, 'rebuild-native.mjs', { timeout: 60_000, args });
  const skip = run(noBinary);
  assert.equal(skip.status, 0, skip.stderr);
  assert.match(
    skip.stdout,
    /nothing to rebuild for Electron: Electron's binary was not downloaded.*They stay built for Node\./,
  );
  const dist = run(noBinary, '--require');
  assert.equal(dist.status, 1);
  assert.match(dist.stderr, /Packaging needs Electron/);

  const abi = (require('node-abi') as { getAbi(v: string, t: string): string }).getAbi('41.7.1', 'electron');
  const built = project('rebuild-built', 'rebuild-native.mjs', {
    'node_modules/electron/package.json': pkg('electron', '41.7.1'),
    'node_modules/electron/path.txt': 'electron',
    'node_modules/electron/dist/electron': '',
    [`native/electron/${electronSqliteFileName(sqliteVersion, abi, process.platform, process.arch)}`]: '',
  });
  const upToDate = run(built);
  assert.equal(upToDate.status, 0, upToDate.stderr);
  assert.match(upToDate.stdout, new RegExp(`better-sqlite3 for Electron 41\\.7\\.1 \\(ABI ${abi}\\) is up to date`));
});

test("Electron's main finds the build for its own ABI, preferring the copy unpacked from the asar", () => {
  const root = join(scratchDir('native-binding'), 'resources', 'app.asar');
  const name = electronSqliteFileName('12.0.0', process.versions.modules, process.platform, process.arch);
  writeTree(root, { 'node_modules/better-sqlite3/package.json': pkg('better-sqlite3', '12.0.0') });
  assert.equal(electronSqliteBinding(root), null, 'no build yet');
  writeTree(root, { [`native/electron/${name}`]: '' });
  assert.equal(electronSqliteBinding(root), join(root, 'native', 'electron', name));
  const unpacked = root.replace(/app\.asar$/, 'app.asar.unpacked');
  writeTree(unpacked, { [`native/electron/${name}`]: '' });
  assert.equal(electronSqliteBinding(root), join(unpacked, 'native', 'electron', name));
  writeTree(root, { 'node_modules/better-sqlite3/package.json': pkg('better-sqlite3', '12.0.1') });
  assert.equal(electronSqliteBinding(root), null, 'a build of another better-sqlite3 version is not used');
});
