#!/usr/bin/env node
// Bundles Electron's main and preload with esbuild into dist-electron/ (main.cjs, preload.cjs).
// Native and large runtime packages stay external and load from node_modules at run time.
// Usage: node scripts/build-electron.mjs [--outdir DIR] (default dist-electron; tests build into a scratch folder).
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
const outdir = values.outdir ? resolve(values.outdir) : `${root}/dist-electron`;
const external = ['electron', 'onnxruntime-node', 'better-sqlite3', 'ffmpeg-static', 'ws', 'bufferutil', 'utf-8-validate'];

// The core uses import.meta.url (to find the app root and resolve packages); in a CJS bundle it becomes __filename's URL.
const banner = { js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;" };

await build({
  entryPoints: { main: `${root}/src-main/electron/main.ts` },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  external,
  banner,
  define: { 'import.meta.url': '__import_meta_url' },
  sourcemap: true,
  logLevel: 'info',
});

// A sandboxed preload may only require('electron'); everything else (the contract, zod) is bundled in.
await build({
  entryPoints: { preload: `${root}/src-main/electron/preload.ts` },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'browser',
  format: 'cjs',
  target: 'chrome140',
  external: ['electron'],
  sourcemap: true,
  logLevel: 'info',
});
