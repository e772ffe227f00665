// thumbnail(file, time): one JPEG/WebP still for the UI, scaled by ffmpeg (not for the model: see decode.ts).
// One ffmpeg process with an input seek (in the caller's pool when given); killed on abort or timeout.
import { AppError } from '../../api/errors.js';
import { resolveFfmpeg, type FfmpegBinaries } from './ffmpeg-resolve.js';
import { probe as probeFile, type ProbeMemory, type ProbeResult } from './probe.js';
import { runCollect } from './process.js';
import type { Limiter } from './limiter.js';

export interface ThumbnailOptions {
  width?: number;
  format?: 'jpeg' | 'webp';
  signal?: AbortSignal;
  timeoutMs?: number;
  probe?: ProbeResult;
  bins?: FfmpegBinaries;
  /** Pool the ffmpeg run waits in (a UI asks for dozens of stills at once; each is one ffmpeg process). */
  limiter?: Limiter;
}

/** A still of the frame at `time` seconds from the first frame, `width` pixels wide (aspect kept), as JPEG or WebP. */
export async function thumbnail(
  mem: ProbeMemory,
  file: string,
  time: number,
  opts: ThumbnailOptions = {},
): Promise<Buffer> {
  const bins = opts.bins ?? resolveFfmpeg();
  const p = opts.probe ?? (await probeFile(mem, file, { signal: opts.signal, bins }));
  const width = Math.round(opts.width ?? 320);
  if (!(width >= 8 && width <= 7680))
    throw new AppError('INVALID_INPUT', `thumbnail width must be 8..7680, got ${width}`);
  const format = opts.format ?? 'jpeg';
  if (format !== 'jpeg' && format !== 'webp')
    throw new AppError('INVALID_INPUT', `thumbnail format must be jpeg or webp`);
  if (!Number.isFinite(time) || time < 0)
    throw new AppError('INVALID_INPUT', `thumbnail time must be ≥ 0, got ${time}`);
  // Keep inside the decodable part; the very end has no frame starting after it.
  const t = Math.min(time, Math.max(0, p.duration - 1 / p.fps));
  const ss = Math.max(0, p.startTime - p.formatStartTime + t);
  const codec =
    format === 'jpeg'
      ? ['-c:v', 'mjpeg', '-q:v', '4', '-f', 'image2pipe']
      : ['-c:v', 'libwebp', '-quality', '80', '-f', 'webp'];
  const args = [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-ss',
    ss.toFixed(6),
    '-i',
    file,
    '-map',
    `0:${p.streamIndex}`,
    '-frames:v',
    '1',
    '-vf',
    `scale=${width}:-2:flags=bilinear,format=${format === 'jpeg' ? 'yuvj420p' : 'yuv420p'}`,
    ...codec,
    'pipe:1',
  ];
  const run = () =>
    runCollect(bins.ffmpeg, args, {
      signal: opts.signal,
      timeoutMs: opts.timeoutMs ?? 30_000,
      maxStdout: 64 << 20,
      children: mem.children,
    });
  const r = await (opts.limiter ? opts.limiter.run(run, opts.signal) : run());
  if (r.code !== 0 || r.stdout.length === 0)
    throw new AppError(
      'FFMPEG_FAILED',
      `ffmpeg could not make a thumbnail of ${file} at ${time} s: ${r.stderr.trim().split('\n').pop() ?? ''}`,
    );
  return r.stdout;
}
