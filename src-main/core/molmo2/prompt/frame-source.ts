// ADAPTER: video probing, Molmo2 frame-time sampling and frame decoding for prompts. Interim implementation over
// ffprobe/ffmpeg; the lead will point these functions at src-main/core/media (probe/sampleTimes/decodeFrames).
import { spawn } from 'node:child_process';
import { AppError } from '../../../api/errors.js';
import { resolveFfmpeg } from '../../media/ffmpeg-resolve.js';
import type { RgbImage } from '../preprocess/resize.js';

export interface VideoProbe { duration: number; width: number; height: number; fps: number }
export type TimedFrame = RgbImage & { time: number };

/**
 * Molmo2's `uniform_last_frame` sample times (video_processing_molmo2.py:597-654): a 1/max_fps grid below the
 * duration plus the duration itself; when that would exceed num_frames, num_frames points of linspace(0, d).
 */
export function sampleTimes(duration: number, cfg: { num_frames: number; max_fps: number; frame_sample_mode: string }, numFrames = cfg.num_frames): number[] {
  if (cfg.frame_sample_mode !== 'uniform_last_frame') throw new AppError('MODEL_UNSUPPORTED', `frame_sample_mode "${cfg.frame_sample_mode}" is not supported`);
  if (!(duration > 0) || !Number.isFinite(duration)) throw new AppError('INVALID_INPUT', `video duration ${duration} is not positive`);
  if ((numFrames - 1) / cfg.max_fps < duration) {
    const step = duration / (numFrames - 1);
    const t = Array.from({ length: numFrames }, (_, i) => i * step);
    t[numFrames - 1] = duration;
    return t;
  }
  const step = 1 / cfg.max_fps;
  const n = Math.ceil(duration / step);
  const t = Array.from({ length: n }, (_, i) => i * step);
  t.push(duration);
  return t;
}

function run(bin: string, args: string[], signal?: AbortSignal, timeoutMs = 60_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const kill = () => p.kill('SIGKILL');
    const timer = setTimeout(() => { kill(); reject(new AppError('PROBE_TIMEOUT', `${bin} did not finish in ${timeoutMs} ms`)); }, timeoutMs);
    signal?.addEventListener('abort', kill, { once: true });
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => { if (err.length < 4000) err += d.toString(); });
    p.on('error', (e) => { clearTimeout(timer); reject(new AppError('FFMPEG_FAILED', `${bin}: ${e.message}`)); });
    p.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      if (signal?.aborted) return reject(new AppError('CANCELLED', 'cancelled'));
      if (code !== 0) return reject(new AppError('FFMPEG_FAILED', `${bin} exited ${code}: ${err.trim().split('\n').slice(-2).join(' ')}`));
      resolve(Buffer.concat(out));
    });
  });
}

/** Probes duration, display size (after rotation) and frame rate of the first video stream. */
export async function probeVideo(file: string, signal?: AbortSignal): Promise<VideoProbe> {
  const { ffprobe } = resolveFfmpeg();
  let json: { streams?: Array<Record<string, unknown>>; format?: { duration?: string } };
  try {
    json = JSON.parse((await run(ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_streams', '-show_format', '-of', 'json', file], signal)).toString());
  } catch (e) {
    if (e instanceof AppError && e.code === 'FFMPEG_FAILED') throw new AppError('NOT_A_VIDEO', `${file}: ${e.message}`);
    throw e;
  }
  const s = json.streams?.[0];
  if (!s) throw new AppError('NO_VIDEO_STREAM', `${file} has no video stream`);
  let width = Number(s.width), height = Number(s.height);
  if (Math.abs(rotationOf(s)) % 180 === 90) [width, height] = [height, width];
  const [n, d] = String(s.avg_frame_rate ?? s.r_frame_rate ?? '0/1').split('/').map(Number);
  const fps = d ? n / d : 0;
  const duration = Number(json.format?.duration ?? s.duration);
  if (!(duration > 0)) throw new AppError('NOT_A_VIDEO', `${file}: no usable duration`);
  return { duration, width, height, fps };
}

/** Rotation (degrees) ffmpeg will apply when autorotating, from side data or the legacy rotate tag. */
export function rotationOf(stream: Record<string, unknown>): number {
  const sd = (stream.side_data_list as Array<{ rotation?: number }> | undefined) ?? [];
  for (const x of sd) if (typeof x.rotation === 'number') return x.rotation;
  const tag = (stream.tags as { rotate?: string } | undefined)?.rotate;
  return tag ? Number(tag) : 0;
}

async function decodeAt(ffmpeg: string, file: string, t: number, w: number, h: number, signal?: AbortSignal): Promise<Uint8Array | null> {
  const buf = await run(ffmpeg, ['-v', 'error', '-ss', String(t), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], signal);
  return buf.length >= w * h * 3 ? new Uint8Array(buf.buffer, buf.byteOffset, w * h * 3) : null;
}

async function decodeLast(ffmpeg: string, file: string, w: number, h: number, signal?: AbortSignal): Promise<Uint8Array> {
  const buf = await run(ffmpeg, ['-v', 'error', '-sseof', '-2', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], signal);
  const n = Math.floor(buf.length / (w * h * 3));
  if (n === 0) throw new AppError('TRUNCATED', `${file}: no frame decodes near the end`);
  return new Uint8Array(buf.buffer, buf.byteOffset + (n - 1) * w * h * 3, w * h * 3);
}

/** Decodes one RGB24 frame per requested time (the frame at or after t; the last frame past the end). */
export async function decodeFrames(file: string, times: number[], probe: VideoProbe, signal?: AbortSignal): Promise<TimedFrame[]> {
  const { ffmpeg } = resolveFfmpeg();
  const { width, height } = probe;
  const out: TimedFrame[] = new Array(times.length);
  let last: Uint8Array | null = null;
  let next = 0;
  const worker = async () => {
    while (next < times.length) {
      const k = next++;
      signal?.throwIfAborted();
      let rgb = await decodeAt(ffmpeg, file, times[k], width, height, signal);
      if (!rgb) rgb = last ??= await decodeLast(ffmpeg, file, width, height, signal);
      out[k] = { time: times[k], width, height, rgb };
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

/** Probes a video, samples Molmo2's frame times and decodes those frames. */
export async function loadVideoFrames(file: string, cfg: { num_frames: number; max_fps: number; frame_sample_mode: string }, opts: { numFrames?: number; signal?: AbortSignal } = {}): Promise<{ probe: VideoProbe; frames: TimedFrame[] }> {
  const probe = await probeVideo(file, opts.signal);
  const times = sampleTimes(probe.duration, cfg, opts.numFrames);
  return { probe, frames: await decodeFrames(file, times, probe, opts.signal) };
}
