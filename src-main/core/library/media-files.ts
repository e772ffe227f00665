// Resolves a recording id of the open library to an open file a browser can play, and to cached JPEG thumbnails.
// Containers/codecs Chromium cannot play natively get a cached H.264/AAC MP4 playback proxy on the same timeline.
import { closeSync, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../api/errors.js';
import type { CoreContext } from '../context.js';
import { createLimiter, type Limiter, type MediaService, type ProbeResult } from '../media/index.js';
import { openRecording, openRegular, type IdentityMap, type OpenFile } from './media-identity.js';
import type { Library } from './store.js';
import { recordingFileRow } from './recordings-store.js';

/** What the media routes keep between requests of one host: decisions, transcodes in flight, identities, a pool. */
export interface MediaFiles {
  /** Per file state: stream it as it is (with its type) or through the proxy (a decision costs an ffprobe run). */
  decided: Map<string, { native: string | null }>;
  inflight: Map<string, Promise<string>>;
  identities: IdentityMap;
  /** ffmpeg runs for thumbnails wait here. */
  thumbs: Limiter;
  /** Probes, thumbnails and transcodes run through the context's media service. */
  media: MediaService;
}

/** Thumbnail ffmpeg processes running at once per host (a grid of stills would otherwise start one per cell). */
export const THUMBNAIL_CONCURRENCY = 2;

/** Fresh media state for a host (kept in its context, dropped with it). */
export function createMediaFiles(media: MediaService, thumbConcurrency = THUMBNAIL_CONCURRENCY): MediaFiles {
  return {
    decided: new Map(),
    inflight: new Map(),
    identities: new Map(),
    thumbs: createLimiter(thumbConcurrency),
    media,
  };
}

const MEDIA_FILES_KEY = 'media.files';

/** The media state of a host context (`ctx.state`), made on first use. */
export function mediaFilesOf(ctx: Pick<CoreContext, 'state' | 'media'>): MediaFiles {
  let svc = ctx.state.get(MEDIA_FILES_KEY) as MediaFiles | undefined;
  if (!svc) ctx.state.set(MEDIA_FILES_KEY, (svc = createMediaFiles(ctx.media)));
  return svc;
}

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

export interface PlayableFile extends OpenFile {
  /** `fd` is open on the recording itself, or on its playback proxy. */
  contentType: string;
  proxy: boolean;
}

/** The ready recording with this id, or NOT_FOUND (unknown id, rejected or missing file). */
export function recordingFile(lib: Library, id: number): RecordingFile {
  if (!Number.isSafeInteger(id) || id <= 0) throw new AppError('NOT_FOUND', `No recording ${id} in this library.`);
  const r = recordingFileRow(lib.db, id);
  if (!r) throw new AppError('NOT_FOUND', `No recording ${id} in this library.`);
  if (r.status !== 'ready')
    throw new AppError(
      'NOT_FOUND',
      `Recording ${id} is ${r.status}${r.reason_code ? ` (${r.reason_code})` : ''}; it cannot be played.`,
    );
  if (!existsSync(r.path)) throw new AppError('NOT_FOUND', `The file of recording ${id} is gone: ${r.path}`);
  return {
    id: r.id,
    path: r.path,
    contentHash: r.content_hash,
    sizeBytes: r.size_bytes,
    mtimeMs: r.mtime_ms,
    durationSeconds: r.duration_s ?? 0,
    probe: r.probe_json ? (JSON.parse(r.probe_json) as ProbeResult) : null,
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

async function streamFacts(media: MediaService, file: string, signal?: AbortSignal): Promise<StreamFacts> {
  const r = await media.run(
    media.bins().ffprobe,
    ['-v', 'error', '-print_format', 'json', '-show_entries', 'stream=codec_type,codec_name,profile', file],
    { signal, timeoutMs: 20_000 },
  );
  const info = JSON.parse(r.stdout.toString('utf8') || '{}') as {
    streams?: Array<{ codec_type?: string; codec_name?: string; profile?: string }>;
  };
  const streams = info.streams ?? [];
  return {
    videoProfile: streams.find((s) => s.codec_type === 'video')?.profile ?? null,
    audioCodecs: streams.filter((s) => s.codec_type === 'audio').map((s) => s.codec_name ?? 'unknown'),
  };
}

const H264_PROFILES: ReadonlySet<string> = new Set(['Baseline', 'Constrained Baseline', 'Main', 'High']);

/** The MIME type if Chromium (and Electron) play this file as it is on the recording's timeline, else null. */
export async function nativeContentType(
  media: MediaService,
  file: string,
  p: ProbeResult,
  signal?: AbortSignal,
): Promise<string | null> {
  // A first frame away from 0 would put player time off recording time (which counts from the first frame).
  if (Math.abs(p.startTime) > 0.001 || Math.abs(p.formatStartTime) > 0.001) return null;
  const container = p.container.split(',');
  const mp4 = container.includes('mp4') || container.includes('mov');
  const webm = container.includes('webm') && /\.webm$/i.test(file);
  if (!mp4 && !webm) return null;
  const facts = await streamFacts(media, file, signal);
  if (mp4) {
    const videoOk =
      (p.codec === 'h264' &&
        (p.pixFmt === 'yuv420p' || p.pixFmt === 'yuvj420p') &&
        H264_PROFILES.has(facts.videoProfile ?? '')) ||
      p.codec === 'vp9' ||
      p.codec === 'av1';
    const audioOk = facts.audioCodecs.every((c) => ['aac', 'mp3', 'opus', 'flac'].includes(c));
    return videoOk && audioOk ? 'video/mp4' : null;
  }
  const videoOk = ['vp8', 'vp9', 'av1'].includes(p.codec);
  const audioOk = facts.audioCodecs.every((c) => c === 'opus' || c === 'vorbis');
  return videoOk && audioOk ? 'video/webm' : null;
}

/** Transcodes into `out` (temp file, then rename): H.264/AAC MP4, faststart, first video frame at t = 0. */
async function makeProxy(
  media: MediaService,
  src: string,
  p: ProbeResult,
  out: string,
  signal?: AbortSignal,
): Promise<void> {
  const bins = media.bins();
  mkdirSync(join(out, '..'), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}.mp4`;
  // Recording time counts from the first video frame; an input seek there (a transcode seeks exactly) makes that
  // frame the proxy's t = 0, so player time == recording time even with a non-zero start offset.
  const first = Math.max(0, p.startTime - p.formatStartTime - 0.0005);
  const args = [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-y',
    ...(first > 0 ? ['-ss', first.toFixed(6)] : []),
    '-i',
    src,
    '-map',
    `0:${p.streamIndex}`,
    '-map',
    '0:a:0?',
    '-sn',
    '-dn',
    '-map_metadata',
    '-1',
    '-c:v',
    'libx264',
    '-preset',
    'superfast',
    '-crf',
    '23',
    '-pix_fmt',
    'yuv420p',
    '-profile:v',
    'high',
    // PTS-STARTPTS: containers without presentation times (AVI) come out of the decoder one reorder delay late.
    '-vf',
    'setpts=PTS-STARTPTS,scale=trunc(iw/2)*2:trunc(ih/2)*2',
    '-g',
    String(Math.max(1, Math.round(p.fps * 2))),
    '-fps_mode',
    'passthrough',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-ac',
    '2',
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    tmp,
  ];
  try {
    // Long recordings take a while; no timeout, but the signal (request gone, app closing) kills ffmpeg.
    const r = await media.run(bins.ffmpeg, args, { signal });
    if (r.code !== 0 || !existsSync(tmp) || statSync(tmp).size === 0) {
      throw new AppError(
        'FFMPEG_FAILED',
        `ffmpeg could not make a playback copy of ${src}: ${r.stderr.trim().split('\n').pop() ?? ''}`,
      );
    }
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** The cached proxy path for a recording (made once; concurrent callers share one transcode). */
export async function playbackProxy(
  svc: MediaFiles,
  rec: RecordingFile,
  cacheDir: string,
  signal?: AbortSignal,
): Promise<string> {
  const { inflight } = svc;
  const out = join(cacheDir, 'media', 'proxy', `${cacheKey(rec)}-v${PROXY_VERSION}.mp4`);
  if (existsSync(out)) return out;
  let job = inflight.get(out);
  if (!job) {
    job = (async () => {
      const p = rec.probe ?? (await svc.media.probe(rec.path, { signal }));
      await makeProxy(svc.media, rec.path, p, out, signal);
      return out;
    })().finally(() => inflight.delete(out));
    inflight.set(out, job);
  }
  return job;
}

/** Opens the recording's own file after checking it is the imported one (see media-identity.ts). */
function openSource(svc: MediaFiles, lib: Library, rec: RecordingFile): OpenFile {
  return openRecording(
    { key: `${lib.path}\0${rec.id}`, id: rec.id, path: rec.path, sizeBytes: rec.sizeBytes, mtimeMs: rec.mtimeMs },
    svc.identities,
  );
}

/** What to stream for a recording: the file itself when Chromium plays it natively, else its playback proxy. */
export async function playableFile(
  svc: MediaFiles,
  lib: Library,
  id: number,
  cacheDir: string,
  signal?: AbortSignal,
): Promise<PlayableFile> {
  const rec = recordingFile(lib, id);
  // Checked on every request, cached decision or not: a file replaced after its first play is refused.
  const src = openSource(svc, lib, rec);
  try {
    // A <video> sends many range requests per recording; the decision (an ffprobe run) is made once per file state.
    const key = `${cacheDir}\0${rec.path}\0${rec.sizeBytes}\0${rec.mtimeMs}\0${rec.contentHash}`;
    let decision = svc.decided.get(key);
    if (!decision) {
      const p = rec.probe ?? (await svc.media.probe(rec.path, { signal }));
      decision = { native: await nativeContentType(svc.media, rec.path, p, signal) };
      rec.probe = p;
      if (svc.decided.size > 1000) svc.decided.clear();
      svc.decided.set(key, decision);
    }
    if (decision.native) return { ...src, contentType: decision.native, proxy: false };
    closeSync(src.fd);
  } catch (err) {
    closeSync(src.fd);
    throw err;
  }
  const proxy = openRegular(await playbackProxy(svc, rec, cacheDir, signal));
  return { fd: proxy.fd, size: proxy.size, contentType: 'video/mp4', proxy: true };
}

/** A cached JPEG still of recording `id` at `t` seconds (clamped into the recording), `width` px wide. */
export async function thumbnailFile(
  svc: MediaFiles,
  lib: Library,
  id: number,
  t: number,
  width: number,
  cacheDir: string,
  signal?: AbortSignal,
): Promise<OpenFile> {
  if (!Number.isFinite(t) || t < 0)
    throw new AppError('INVALID_INPUT', `thumbnail time must be a number ≥ 0, got ${t}`);
  if (!Number.isInteger(width) || width < 16 || width > 1920)
    throw new AppError('INVALID_INPUT', `thumbnail width must be an integer 16..1920, got ${width}`);
  const rec = recordingFile(lib, id);
  const ms = Math.round(Math.min(t, rec.durationSeconds || t) * 1000);
  const out = join(cacheDir, 'media', 'thumbs', cacheKey(rec), `${ms}-${width}.jpg`);
  if (existsSync(out)) return openRegular(out);
  let job = svc.inflight.get(out);
  if (!job) {
    job = makeThumbnail(svc, lib, rec, ms / 1000, width, out, signal).finally(() => svc.inflight.delete(out));
    svc.inflight.set(out, job);
  }
  return openRegular(await job);
}

/** Renders one still into the cache (temp file, then rename); the source is checked before and after ffmpeg reads it. */
async function makeThumbnail(
  svc: MediaFiles,
  lib: Library,
  rec: RecordingFile,
  t: number,
  width: number,
  out: string,
  signal?: AbortSignal,
): Promise<string> {
  closeSync(openSource(svc, lib, rec).fd);
  const p = rec.probe ?? (await svc.media.probe(rec.path, { signal }));
  const jpeg = await svc.media.thumbnail(rec.path, t, { width, format: 'jpeg', probe: p, signal, limiter: svc.thumbs });
  closeSync(openSource(svc, lib, rec).fd);
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
