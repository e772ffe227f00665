#!/usr/bin/env node
// Builds better-sqlite3 for the installed Electron's ABI into native/electron/ (a step of `npm start` and `npm run
// dist`). node_modules keeps the build for Node, so the CLI, `serve` and the tests are untouched by it.
// Usage: node scripts/rebuild-native.mjs [--require]   (--require: fail instead of skipping without Electron's binary)
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(root, 'package.json'));
const outDir = join(root, 'native', 'electron');
const required = process.argv.includes('--require');

/** Electron's version and whether its binary is installed (the npm package alone cannot run anything). */
export function installedElectron() {
  let dir;
  try {
    dir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { ok: false, why: 'the electron package is not installed' };
  }
  const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile))
    return {
      ok: false,
      version,
      why: "Electron's binary was not downloaded (offline install, or ELECTRON_SKIP_BINARY_DOWNLOAD)",
    };
  const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin)
    ? { ok: true, version, bin }
    : { ok: false, version, why: `Electron's binary is missing (${bin})` };
}

/** The file the Electron main looks for (src-main/electron/native-binding.ts names it the same way). */
function targetFile(electronVersion) {
  const abi = require('node-abi').getAbi(electronVersion, 'electron');
  const sqlite = JSON.parse(readFileSync(require.resolve('better-sqlite3/package.json'), 'utf8')).version;
  return {
    abi,
    file: join(outDir, `better-sqlite3-${sqlite}-electron-abi${abi}-${process.platform}-${process.arch}.node`),
  };
}

/** Copies better-sqlite3's sources (no build output) into a scratch project and rebuilds them there for Electron. */
async function buildFor(electronVersion, file) {
  const scratch = join(outDir, `.build-${process.pid}`);
  const moduleDir = join(scratch, 'node_modules', 'better-sqlite3');
  const src = dirname(require.resolve('better-sqlite3/package.json'));
  try {
    mkdirSync(dirname(moduleDir), { recursive: true });
    cpSync(src, moduleDir, { recursive: true, filter: (p) => !p.startsWith(join(src, 'build')) });
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'electron-native-build', private: true }));
    const { rebuild } = require('@electron/rebuild');
    await rebuild({
      buildPath: scratch,
      electronVersion,
      arch: process.arch,
      onlyModules: ['better-sqlite3'],
      force: true,
    });
    const built = join(moduleDir, 'build', 'Release', 'better_sqlite3.node');
    if (!existsSync(built)) throw new Error(`the build left no ${built}`);
    renameSync(built, file);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main() {
  const electron = installedElectron();
  if (!electron.ok) {
    const msg = `Native modules: nothing to rebuild for Electron: ${electron.why}. They stay built for Node.`;
    if (required) {
      console.error(`${msg}\nPackaging needs Electron: run \`npm run fetch:extras\` online first.`);
      process.exit(1);
    }
    console.log(msg);
    return;
  }
  const { abi, file } = targetFile(electron.version);
  if (existsSync(file)) {
    console.log(`Native modules: better-sqlite3 for Electron ${electron.version} (ABI ${abi}) is up to date.`);
    return;
  }
  console.log(`Native modules: building better-sqlite3 for Electron ${electron.version} (ABI ${abi})…`);
  mkdirSync(outDir, { recursive: true });
  try {
    await buildFor(electron.version, file);
  } catch (err) {
    console.error(
      `Native modules: could not build better-sqlite3 for Electron ${electron.version}: ${err?.message ?? err}`,
    );
    console.error(
      "It needs a prebuilt binary or Electron's headers (both downloaded), or a C++ toolchain and python3.",
    );
    process.exit(1);
  }
  console.log(`Native modules: wrote ${file}.`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
