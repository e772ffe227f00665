// Builds the engine entry from the TypeScript sources into one JavaScript file in the user's cache, on demand.
// Hosts that run from sources (the npm bin, serve, tests) fork that file, so no TypeScript loader runs in the engine.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppError } from '../../../api/errors.js';
import { at } from '../../../api/at.js';

/** Native packages the engine loads at run time from the app's node_modules (never bundled). */
export const ENGINE_NATIVE_PACKAGES = ['onnxruntime-node'];

/** Bump when the build options below change what is emitted. */
const BUILD_VERSION = 1;

interface Manifest {
  version: number;
  source: string;
  output: string;
  /** Every input file of the bundle with its size and mtime: any change rebuilds. */
  inputs: [string, number, number][];
}

function stamp(file: string): [number, number] | null {
  try {
    const st = statSync(file);
    return [st.size, st.mtimeMs];
  } catch {
    return null;
  }
}

function readManifest(file: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

function fresh(m: Manifest | null, source: string, dir: string): m is Manifest {
  if (!m || m.version !== BUILD_VERSION || m.source !== source || !existsSync(join(dir, m.output))) return false;
  return m.inputs.every(([f, size, mtime]) => {
    const s = stamp(f);
    return s !== null && s[0] === size && s[1] === mtime;
  });
}

/**
 * The built engine entry for the sources at `source` (engine-main.ts), rebuilt when any input changed since the last
 * build. Builds land in `<cacheRoot>/engine/<hash of the source path>/`, written under a unique name and published
 * by an atomic manifest rename, so concurrent hosts never fork half a file.
 */
export async function builtEngineEntry(source: string, cacheRoot: string): Promise<string> {
  const dir = join(cacheRoot, 'engine', createHash('sha256').update(source).digest('hex').slice(0, 16));
  const manifestFile = join(dir, 'manifest.json');
  const have = readManifest(manifestFile);
  if (fresh(have, source, dir)) return join(dir, have.output);
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (err) {
    throw new AppError(
      'ENGINE_START_FAILED',
      `cannot build the engine entry: esbuild is not installed (${(err as Error).message})`,
    );
  }
  const require = createRequire(source);
  const wd = dirname(source);
  const r = await esbuild.build({
    entryPoints: [source],
    absWorkingDir: wd,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
    // The bundle lives in the cache, so code that resolves packages from its own location keeps the sources' location.
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(source).href) },
    plugins: [
      {
        name: 'native-from-app',
        setup(b) {
          const filter = new RegExp(`^(${ENGINE_NATIVE_PACKAGES.join('|')})$`);
          b.onResolve({ filter }, (a) => ({ path: require.resolve(a.path), external: true }));
        },
      },
    ],
  });
  const code = at(r.outputFiles, 0, 'esbuild output file').contents; // write: false gives the bundle here
  const output = `engine-main-${createHash('sha256').update(code).digest('hex').slice(0, 12)}.cjs`;
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${output}.tmp-${process.pid}`);
  writeFileSync(tmp, code);
  renameSync(tmp, join(dir, output));
  const inputs = Object.keys(r.metafile.inputs).map((f): [string, number, number] => {
    const abs = isAbsolute(f) ? f : resolve(wd, f);
    const s = stamp(abs) ?? [-1, -1];
    return [abs, s[0], s[1]];
  });
  const m: Manifest = { version: BUILD_VERSION, source, output, inputs };
  writeFileSync(`${manifestFile}.tmp-${process.pid}`, JSON.stringify(m));
  renameSync(`${manifestFile}.tmp-${process.pid}`, manifestFile);
  pruneOld(dir, output);
  return join(dir, output);
}

/** Removes builds other than `keep` older than an hour (another host may still be starting one a moment old). */
function pruneOld(dir: string, keep: string): void {
  const cutoff = Date.now() - 3600_000;
  for (const f of readdirSync(dir)) {
    if (f === keep || f === 'manifest.json' || !/^engine-main-.*\.cjs$|^\..*\.tmp-\d+$/.test(f)) continue;
    const s = stamp(join(dir, f));
    if (s && s[1] < cutoff) rmSync(join(dir, f), { force: true });
  }
}
