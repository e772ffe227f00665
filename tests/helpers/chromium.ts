// The system Chromium the Playwright tests drive (CHROMIUM_BIN, Debian's paths, else PATH), or null if none.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Path of a Chromium binary, or null. */
export function findChromium(): string | null {
  for (const p of [
    process.env.CHROMIUM_BIN,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ]) {
    if (p && existsSync(p)) return p;
  }
  const r = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}
