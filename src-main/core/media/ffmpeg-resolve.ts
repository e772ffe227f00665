// Finds the ffmpeg and ffprobe binaries: FFMPEG_BIN/FFPROBE_BIN (or settings), then ffmpeg-static, then PATH.
// A missing binary is FFMPEG_MISSING with the fix spelled out.
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { AppError } from '../../api/errors.js';

export interface FfmpegBinaries {
  ffmpeg: string;
  ffprobe: string;
  /** Where the binaries came from: 'env', 'settings', 'ffmpeg-static' or 'path'. */
  source: 'env' | 'settings' | 'ffmpeg-static' | 'path';
}

function executable(p: string | undefined | null): p is string {
  if (!p) return false;
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, process.platform === 'win32' ? `${name}.exe` : name);
    if (executable(p)) return p;
  }
  return null;
}

/** ffprobe next to a given ffmpeg binary, else on PATH. */
function probeBeside(ffmpeg: string, env: NodeJS.ProcessEnv): string | null {
  const beside = join(dirname(ffmpeg), process.platform === 'win32' ? 'ffprobe.exe' : 'ffprobe');
  return executable(beside) ? beside : onPath('ffprobe', env);
}

/** Resolves ffmpeg/ffprobe, in order: env vars, settings, ffmpeg-static's binary, PATH. */
export function resolveFfmpeg(
  env: NodeJS.ProcessEnv = process.env,
  settings: { ffmpegPath?: string | null } = {},
): FfmpegBinaries {
  const tryPair = (
    ffmpeg: string | null | undefined,
    source: FfmpegBinaries['source'],
    ffprobe?: string | null,
  ): FfmpegBinaries | null => {
    if (!executable(ffmpeg)) return null;
    const probe = executable(ffprobe) ? ffprobe : probeBeside(ffmpeg, env);
    return probe ? { ffmpeg, ffprobe: probe, source } : null;
  };
  const fromEnv = tryPair(env.FFMPEG_BIN ?? env.FFMPEG_PATH, 'env', env.FFPROBE_BIN ?? env.FFPROBE_PATH);
  if (fromEnv) return fromEnv;
  const fromSettings = tryPair(settings.ffmpegPath, 'settings');
  if (fromSettings) return fromSettings;
  try {
    const require = createRequire(import.meta.url);
    const staticPath = require('ffmpeg-static') as string | null;
    if (staticPath && existsSync(staticPath)) {
      const pair = tryPair(staticPath, 'ffmpeg-static');
      if (pair) return pair;
    }
  } catch {
    // ffmpeg-static not installed or its binary was not downloaded (air-gapped install): fall through to PATH.
  }
  const fromPath = tryPair(onPath('ffmpeg', env), 'path');
  if (fromPath) return fromPath;
  throw new AppError(
    'FFMPEG_MISSING',
    'ffmpeg/ffprobe not found. Install ffmpeg (Debian/Ubuntu: `sudo apt-get install ffmpeg`), or set FFMPEG_BIN ' +
      '(and FFPROBE_BIN) to their paths, or reinstall with network access so ffmpeg-static can download its binary.',
  );
}

/** The first line of `ffmpeg -version` (e.g. "ffmpeg version 5.1.6-0+deb12u1"), or null if it fails. */
export function ffmpegVersion(ffmpeg: string): string | null {
  try {
    const out = execFileSync(ffmpeg, ['-hide_banner', '-version'], {
      timeout: 5000,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.split('\n')[0]?.trim() || null;
  } catch {
    return null;
  }
}
