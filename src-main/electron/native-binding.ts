// Points the core at better-sqlite3 built for this Electron's ABI (scripts/rebuild-native.mjs writes it under
// native/electron/), so the copy in node_modules stays built for Node and the CLI and tests keep working.
import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

/** The file name rebuild-native.mjs gives a build: module version, Electron ABI, platform and architecture. */
export function electronSqliteFileName(sqliteVersion: string, abi: string, platform: string, arch: string): string {
  return `better-sqlite3-${sqliteVersion}-electron-abi${abi}-${platform}-${arch}.node`;
}

/** better-sqlite3's version as installed under `root` ('' when it is not installed). */
function installedSqliteVersion(root: string): string {
  for (const base of [root, root.replace(/app\.asar$/, 'app.asar.unpacked')]) {
    try {
      return (
        JSON.parse(readFileSync(join(base, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    } catch {
      // try the next location
    }
  }
  return '';
}

/** The Electron build of better-sqlite3 for this process (unpacked from the asar when packaged), or null. */
export function electronSqliteBinding(root: string): string | null {
  const name = electronSqliteFileName(
    installedSqliteVersion(root),
    process.versions.modules,
    process.platform,
    process.arch,
  );
  const file = join(root, 'native', 'electron', name);
  const unpacked = file.replace(`app.asar${sep}`, `app.asar.unpacked${sep}`);
  return [unpacked, file].find((f) => existsSync(f)) ?? null;
}

/** Sets MOLMOSCOPE_SQLITE_BINDING for this process and its children; returns a warning when there is no build. */
export function useElectronSqlite(root: string): string | null {
  const file = electronSqliteBinding(root);
  if (file) {
    process.env.MOLMOSCOPE_SQLITE_BINDING = file;
    return null;
  }
  return "better-sqlite3 is not built for this Electron's ABI (run `npm run rebuild:electron` online); libraries cannot open";
}
