// Builds the renderer with the real Vite config into a scratch directory (never dist-renderer/, which a parallel
// test or a developer's `npm start` may be using), for tests that serve it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scratchDir } from './tiny.js';

/** Runs `vite build` into a fresh directory and returns it; throws with Vite's output on failure. */
export function buildRendererForTest(): string {
  const out = join(scratchDir('renderer'), 'dist');
  const r = spawnSync(
    process.execPath,
    [
      resolve('node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'src-renderer/vite.config.ts',
      '--outDir',
      out,
      '--emptyOutDir',
      '--logLevel',
      'error',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0 || !existsSync(join(out, 'index.html')))
    throw new Error(`vite build failed: ${r.stderr}${r.stdout}`);
  if (!readFileSync(join(out, 'index.html'), 'utf8').includes('<div id="root">'))
    throw new Error('built index.html has no #root');
  return out;
}
