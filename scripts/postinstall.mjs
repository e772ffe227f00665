#!/usr/bin/env node
// `npm ci`'s last step (and `npm run fetch:extras`): builds better-sqlite3 (required), then the three downloads from
// outside the npm registry, each allowed to fail with a warning. package.json#allowScripts denies these packages' own
// install scripts: the downloads exit 1 offline, and better-sqlite3's would fetch Node's headers instead of using
// the ones installed with Node.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(root, 'package.json'));
const TIMEOUT_MS = Math.max(1, Number(process.env.MOLMOSCOPE_DOWNLOAD_TIMEOUT_S) || 900) * 1000;

/** The downloads: the package, its install script, and what the app does without the file. */
const DOWNLOADS = [
  {
    what: "Electron's binary",
    pkg: 'electron',
    script: 'install.js',
    without: '`npm start` runs `molmoscope serve` (the same UI in a browser) instead of the desktop window',
    skip: (env) => (env.ELECTRON_SKIP_BINARY_DOWNLOAD ? 'ELECTRON_SKIP_BINARY_DOWNLOAD is set' : null),
  },
  {
    what: "ffmpeg-static's ffmpeg",
    pkg: 'ffmpeg-static',
    script: 'install.js',
    without: "the system's ffmpeg/ffprobe is used (`sudo apt-get install ffmpeg`, or FFMPEG_BIN/FFPROBE_BIN)",
    skip: (env) => (env.FFMPEG_BIN ? 'FFMPEG_BIN names the ffmpeg to use' : null),
  },
  {
    what: "onnxruntime-node's CUDA provider",
    pkg: 'onnxruntime-node',
    script: 'script/install.js',
    without: "models run on onnxruntime's CPU provider (and WebGPU where a driver exists), not CUDA",
    skip: (env) =>
      [env.ONNXRUNTIME_NODE_INSTALL, env.npm_config_onnxruntime_node_install].includes('skip')
        ? 'ONNXRUNTIME_NODE_INSTALL=skip'
        : null,
  },
];

/** The package's folder, or null when npm did not install it (an optional dependency on another platform). */
function packageDir(pkg) {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return null;
  }
}

/** Environment for a package's own script as if npm ran it for that package (onnxruntime-node skips a "local" run). */
function scriptEnv(dir) {
  const env = { ...process.env, npm_package_json: join(dir, 'package.json') };
  delete env.npm_lifecycle_event;
  return env;
}

/** Runs a script with node in package `dir`; resolves with its exit code (or why it did not finish) and output tail. */
function runScript(dir, script, args = []) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: dir,
      env: scriptEnv(dir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (b) => {
      out = (out + b.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGTERM'), TIMEOUT_MS);
    child.on('error', (err) => resolve({ code: null, why: err.message, out }));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, why: signal ? `stopped after ${TIMEOUT_MS / 1000} s (${signal})` : `exit code ${code}`, out });
    });
  });
}

/** The last meaningful line of a failed script's output, for a one-line warning. */
function lastLine(out) {
  const lines = out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at '));
  return (
    lines.find((l) => /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|getaddrinfo|Error/i.test(l)) ??
    lines.at(-1) ??
    ''
  ).slice(0, 300);
}

/** The Node installation's prefix when it ships headers for this very Node (Debian/NodeSource /usr, nvm, …), else null. */
function localNodeDir() {
  const prefix = resolve(dirname(process.execPath), '..');
  try {
    const h = readFileSync(join(prefix, 'include', 'node', 'node_version.h'), 'utf8');
    const part = (name) => new RegExp(`#define\\s+NODE_${name}_VERSION\\s+(\\d+)`).exec(h)?.[1];
    return `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}` === process.version ? prefix : null;
  } catch {
    return null;
  }
}

/** True when the addon exists and loads in this Node (not built for another ABI, not truncated). */
function loads(addon) {
  try {
    require(addon);
    return true;
  } catch {
    return false;
  }
}

/** better-sqlite3's addon: a prebuilt binary if one downloads, else compiled here (g++, make, python3, Node's headers). */
async function buildSqlite() {
  const dir = packageDir('better-sqlite3');
  if (!dir) throw new Error('better-sqlite3 is not installed');
  const addon = join(dir, 'build', 'Release', 'better_sqlite3.node');
  if (loads(addon)) return 'already built';
  const prebuilt = await runScript(
    dir,
    join(dirname(require.resolve('prebuild-install/package.json', { paths: [dir] })), 'bin.js'),
  );
  if (prebuilt.code === 0 && loads(addon)) return 'prebuilt binary';
  const gyp = process.env.npm_config_node_gyp || require.resolve('node-gyp/bin/node-gyp.js');
  const nodedir = process.env.npm_config_nodedir ? null : localNodeDir();
  const args = ['rebuild', '--release', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  console.log(`molmoscope: better-sqlite3: no prebuilt binary (${lastLine(prebuilt.out)}); compiling it (minutes)…`);
  const built = await runScript(dir, gyp, args);
  if (built.code !== 0) {
    console.error(built.out);
    throw new Error(
      `better-sqlite3 could not be compiled (${built.why}); it needs g++, make and python3 (Debian: sudo apt-get install g++ make python3) and Node's headers`,
    );
  }
  return `compiled from source${nodedir ? ` with the headers in ${nodedir}` : ''}`;
}

async function main() {
  const started = Date.now();
  try {
    const how = await buildSqlite();
    console.log(`molmoscope: better-sqlite3: ${how} (${((Date.now() - started) / 1000).toFixed(1)} s).`);
  } catch (err) {
    console.error(`molmoscope: ERROR: ${err.message}`);
    process.exit(1);
  }
  let warned = 0;
  for (const d of DOWNLOADS) {
    const dir = packageDir(d.pkg);
    if (!dir || !existsSync(join(dir, d.script))) {
      console.log(`molmoscope: ${d.what}: package not installed here, skipped.`);
      continue;
    }
    const skipped = d.skip(process.env);
    if (skipped) {
      console.log(`molmoscope: ${d.what}: skipped (${skipped}).`);
      continue;
    }
    const started = Date.now();
    const r = await runScript(dir, join(dir, d.script));
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (r.code === 0) {
      console.log(`molmoscope: ${d.what}: ok (${secs} s).`);
      continue;
    }
    warned++;
    console.warn(`molmoscope: WARNING: ${d.what} could not be downloaded (${r.why}, ${secs} s): ${lastLine(r.out)}`);
    console.warn(`molmoscope:   without it ${d.without}. Online, \`npm run fetch:extras\` tries again.`);
  }
  if (warned) console.warn(`molmoscope: ${warned} optional download(s) failed; the install goes on.`);
}

await main();
