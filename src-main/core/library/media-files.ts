// Resolves a recording id of the open library to a file a browser can play, and to cached JPEG thumbnails.
// Containers/codecs Chromium cannot play natively get a cached H.264/AAC MP4 playback proxy on the same timeline.
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../api/errors.js';
import { probe as probeMedia, resolveFfmpeg, thumbnail, type ProbeResult } from '../media/index.js';
import { runCollect } from '../media/process.js';
import type { Library } from './store.js';

/** Bumped when the proxy recipe changes, so old proxies are not served. */
const PROXY_VERSION = 2;

export interface RecordingFile {
  id: number;
  path: string;
  contentHash: string | null;
  sizeBytes: number;
  mtimeMs: number;
  durationSeconds: number;
  probe: ProbeResult | null;
}

export interface PlayableFile {
  /** The file to stream: the recording itself, or its playback proxy. */
  path: string;
  contentType: string;
  proxy: boolean;
}

/** The ready recording with this id, or NOT_FOUND (unknown id, rejected or missing file). */
export function recordingFile(lib: Library, id: number): RecordingFile {
  if (!Number.isSafeInteger(id) || id <= 0) throw new AppError('NOT_FOUND', `No recording ${id} in this library.`);
  const r = lib.db.prepare('SELECT id, path, status, reason_code, content_hash, size_bytes, mtime_ms, duration_s, probe_json FROM recordings WHERE id = ?').get(id) as
    | { id: number; path: string; status: string; reason_code: string | null; content_hash: string | null; size_bytes: number; mtime_ms: number; duration_s: number | null; probe_json: string | null }
    | undefined;
  if (!r) throw new AppError('NOT_FOUND', `No recording ${id} in this library.`);
  if (r.status !== 'ready') throw new AppError('NOT_FOUND', `Recording ${id} is ${r.status}${r.reason_code ? ` (${r.reason_code})` : ''}; it cannot be played.`);
  if (!existsSync(r.path)) throw new AppError('NOT_FOUND', `The file of recording ${id} is gone: ${r.path}`);
  return {
    id: r.id, path: r.path, contentHash: r.content_hash, sizeBytes: r.size_bytes, mtimeMs: r.mtime_ms,
    durationSeconds: r.duration_s ?? 0, probe: r.probe_json ? (JSON.parse(r.probe_json) as ProbeResult) : null,
  };
}

/** A file-name-safe key for cached derivatives of a recording's content. */
function cacheKey(rec: RecordingFile): string {
  const h = rec.contentHash?.replace(/[^0-9a-zA-Z]/g, '');
  return h ? h.slice(0, 64) : `r${rec.id}-${rec.sizeBytes}-${rec.mtimeMs}`;
}

interface StreamFacts {
  videoProfile: string | null;
  audioCodecs: string[];
}

async function streamFacts(file: string, signal?: AbortSignal): Promise<StreamFacts> {
  const bins = resolveFfmpeg();
  const r = await runCollect(bins.ffprobe, ['-v', 'error', '-print_format', 'json', '-show_entries', 'stream=codec_type,codec_name,profile', file], { signal, timeoutMs: 20_000 });
  const info = JSON.parse(r.stdout.toString('utf8') || '{}') as { streams?: Array<{ codec_type?: string; codec_name?: string; profile?: string }> };
  const streams = info.streams ?? [];
  return {
    videoProfile: streams.find((s) => s.codec_type === 'video')?.profile ?? null,
    audioCodecs: streams.filter((s) => s.codec_type === 'audio').map((s) => s.codec_name ?? 'unknown'),
  };
}

const H264_PROFILES = new Set(['Baseline', 'Constrained Baseline', 'Main', 'High']);

/** The MIME type if Chromium (and Electron) play this file as it is on the recording's timeline, else null. */
export async function nativeContentType(file: string, p: ProbeResult, signal?: AbortSignal): Promise<string | null> {
  // A first frame away from 0 would put player time off recording time (which counts from the first frame).
  if (Math.abs(p.startTime) > 0.001 || Math.abs(p.formatStartTime) > 0.001) return null;
  const container = p.container.split(',');
  const mp4 = container.includes('mp4') || container.includes('mov');
  const webm = container.includes('webm') && /\.webm$/i.test(file);
  if (!mp4 && !webm) return null;
  const facts = await streamFacts(file, signal);
  if (mp4) {
    const videoOk = (p.codec === 'h264' && (p.pixFmt === 'yuv420p' || p.pixFmt === 'yuvj420p') && H264_PROFILES.has(facts.videoProfile ?? '')) || p.codec === 'vp9' || p.codec === 'av1';
    const audioOk = facts.audioCodecs.every((c) => ['aac', 'mp3', 'opus', 'flac'].includes(c));
    return videoOk && audioOk ? 'video/mp4' : null;
  }
  const videoOk = ['vp8', 'vp9', 'av1'].includes(p.codec);
  const audioOk = facts.audioCodecs.every((c) => c === 'opus' || c === 'vorbis');
  return videoOk && audioOk ? 'video/webm' : null;
}

const inflight = new Map<string, Promise<string>>();

/** Transcodes into `out` (temp file, then rename): H.264/AAC MP4, faststart, first video frame at t = 0. */
async function makeProxy(src: string, p: ProbeResult, out: string, signal?: AbortSignal): Promise<void> {
  const bins = resolveFfmpeg();
  mkdirSync(join(out, '..'), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}.mp4`;
  // Recording time counts from the first video frame; an input seek there (a transcode seeks exactly) makes that
  // frame the proxy's t = 0, so player time == recording time even with a non-zero start offset.
  const first = Math.max(0, p.startTime - p.formatStartTime - 0.0005);
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...(first > 0 ? ['-ss', first.toFixed(6)] : []), '-i', src,
    '-map', `0:${p.streamIndex}`, '-map', '0:a:0?', '-sn', '-dn', '-map_metadata', '-1',
    '-c:v', 'libx264', '-preset', 'superfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-profile:v', 'high',
    // PTS-STARTPTS: containers without presentation times (AVI) come out of the decoder one reorder delay late.
    '-vf', 'setpts=PTS-STARTPTS,scale=trunc(iw/2)*2:trunc(ih/2)*2', '-g', String(Math.max(1, Math.round(p.fps * 2))), '-fps_mode', 'passthrough',
    '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-movflags', '+faststart', '-f', 'mp4', tmp];
  try {
    // Long recordings take a while; no timeout, but the signal (request gone, app closing) kills ffmpeg.
    const r = await runCollect(bins.ffmpeg, args, { signal });
    if (r.code !== 0 || !existsSync(tmp) || statSync(tmp).size === 0) {
      throw new AppError('FFMPEG_FAILED', `ffmpeg could not make a playback copy of ${src}: ${r.stderr.trim().split('\n').pop() ?? ''}`);
    }
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** The cached proxy path for a recording (made once; concurrent callers share one transcode). */
export async function playbackProxy(rec: RecordingFile, cacheDir: string, signal?: AbortSignal): Promise<string> {
  const out = join(cacheDir, 'media', 'proxy', `${cacheKey(rec)}-v${PROXY_VERSION}.mp4`);
  if (existsSync(out)) return out;
  let job = inflight.get(out);
  if (!job) {
    job = (async () => {
      const p = rec.probe ?? (await probeMedia(rec.path, { signal }));
      await makeProxy(rec.path, p, out, signal);
      return out;
    })().finally(() => inflight.delete(out));
    inflight.set(out, job);
  }
  return job;
}

// A <video> sends many range requests per recording; the decision (an ffprobe run) is made once per file state.
const decided = new Map<string, PlayableFile>();

/** What to stream for a recording: the file itself when Chromium plays it natively, else its playback proxy. */
export async function playableFile(lib: Library, id: number, cacheDir: string, signal?: AbortSignal): Promise<PlayableFile> {
  const rec = recordingFile(lib, id);
  const key = `${cacheDir}\0${rec.path}\0${rec.sizeBytes}\0${rec.mtimeMs}\0${rec.contentHash}`;
  const hit = decided.get(key);
  if (hit && existsSync(hit.path)) return hit;
  const p = rec.probe ?? (await probeMedia(rec.path, { signal }));
  const native = await nativeContentType(rec.path, p, signal);
  const out: PlayableFile = native
    ? { path: rec.path, contentType: native, proxy: false }
    : { path: await playbackProxy({ ...rec, probe: p }, cacheDir, signal), contentType: 'video/mp4', proxy: true };
  if (decided.size > 1000) decided.clear();
  decided.set(key, out);
  return out;
}

/** A cached JPEG still of recording `id` at `t` seconds (clamped into the recording), `width` px wide. */
export async function thumbnailFile(lib: Library, id: number, t: number, width: number, cacheDir: string, signal?: AbortSignal): Promise<string> {
  if (!Number.isFinite(t) || t < 0) throw new AppError('INVALID_INPUT', `thumbnail time must be a number ≥ 0, got ${t}`);
  if (!Number.isInteger(width) || width < 16 || width > 1920) throw new AppError('INVALID_INPUT', `thumbnail width must be an integer 16..1920, got ${width}`);
  const rec = recordingFile(lib, id);
  const ms = Math.round(Math.min(t, rec.durationSeconds || t) * 1000);
  const out = join(cacheDir, 'media', 'thumbs', cacheKey(rec), `${ms}-${width}.jpg`);
  if (existsSync(out)) return out;
  const p = rec.probe ?? (await probeMedia(rec.path, { signal }));
  const jpeg = await thumbnail(rec.path, ms / 1000, { width, format: 'jpeg', probe: p, signal });
  mkdirSync(join(out, '..'), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    writeFileSync(tmp, jpeg);
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
  }
  return out;
}
