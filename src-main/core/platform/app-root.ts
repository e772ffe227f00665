// Locates the app's root directory (the one holding molmoscope's package.json) from this module's location.
// Works from the sources (tsx) and from the bundled Electron main, which both live under the app root.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null | undefined;

/** The app root directory, or null when this code runs outside the app tree. */
export function appRoot(): string | null {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  root = null;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'molmoscope') return (root = dir);
      } catch {
        // not a readable package.json; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) return root;
    dir = up;
  }
}

/** The app's version from package.json ('0.0.0' if it cannot be read). */
export function appVersion(): string {
  const r = appRoot();
  if (!r) return '0.0.0';
  try {
    return (JSON.parse(readFileSync(join(r, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
