// Builds the `app.info` answer: versions, paths, onnxruntime providers and ffmpeg of this installation.
// Provider probing is cached per process; ffmpeg is resolved on every call (the user may install it meanwhile).
import { arch, cpus, platform, totalmem } from 'node:os';
import type { AppInfo } from '../api/ops/app.js';
import type { CoreContext } from './context.js';
import { ffmpegVersion, resolveFfmpeg } from './media/ffmpeg-resolve.js';
import { appVersion } from './platform/app-root.js';
import { cachedOrtProbe } from './platform/ort-providers.js';
import { sqliteVersion } from './library/connection-store.js';

export { sqliteVersion } from './library/connection-store.js';

/** The path of the open library, when the library area keeps one in ctx.state under 'library'. */
function openLibraryPath(ctx: CoreContext): string | null {
  const lib = ctx.state.get('library') as { path?: unknown } | undefined;
  return lib && typeof lib.path === 'string' ? lib.path : null;
}

/** Everything `app.info` reports, gathered from the real installation. */
export async function getAppInfo(ctx: CoreContext): Promise<AppInfo> {
  const probe = await cachedOrtProbe();
  let ffmpeg: AppInfo['ffmpeg'] = { path: null, ffprobePath: null, version: null, source: null };
  try {
    const bins = resolveFfmpeg(ctx.env);
    ffmpeg = { path: bins.ffmpeg, ffprobePath: bins.ffprobe, version: ffmpegVersion(bins.ffmpeg), source: bins.source };
  } catch {
    // FFMPEG_MISSING: reported as nulls here; `doctor` explains the fix.
  }
  return {
    app: { name: 'Molmoscope', version: appVersion() },
    versions: {
      node: process.versions.node,
      electron: process.versions.electron ?? null,
      onnxruntime: probe.version,
      sqlite: sqliteVersion(),
    },
    platform: { os: platform(), arch: arch(), cpus: cpus().length, totalMemoryBytes: totalmem() },
    paths: { ...ctx.paths, library: openLibraryPath(ctx) },
    providers: probe.providers.map((p) =>
      p.reason === undefined
        ? { name: p.name, available: p.available }
        : { name: p.name, available: p.available, reason: p.reason },
    ),
    ffmpeg,
    host: ctx.host,
  };
}
