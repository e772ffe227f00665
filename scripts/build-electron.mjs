#!/usr/bin/env node
// Bundles Electron's main, preload and the engine entry with esbuild into dist-electron/ (main.cjs, preload.cjs,
// engine-main.cjs). Native and large runtime packages stay external and load from node_modules at run time.
// Usage: node scripts/build-electron.mjs [--outdir DIR] (default dist-electron; tests build into a scratch folder).
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
const outdir = values.outdir ? resolve(values.outdir) : `${root}/dist-electron`;
// esbuild: the core builds the engine from sources on demand, a path the bundled app never takes (it has engine-main.cjs).
const external = [
  'electron',
  'onnxruntime-node',
  'better-sqlite3',
  'ffmpeg-static',
  'ws',
  'bufferutil',
  'utf-8-validate',
  'esbuild',
];

// The core uses import.meta.url (to find the app root and resolve packages); in a CJS bundle it becomes __filename's URL.
const banner = { js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;" };

// The engine entry is its own bundle: the app starts it as a utilityProcess (or Node forks it), never main.cjs itself.
await build({
  entryPoints: {
    main: `${root}/src-main/electron/main.ts`,
    'engine-main': `${root}/src-main/core/molmo2/engine/engine-main.ts`,
  },
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
