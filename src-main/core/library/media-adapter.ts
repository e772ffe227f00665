// Stop-gap MediaSource over ffprobe until src-main/core/media lands; the lead re-points `defaultMediaSource`.
// Maps ffprobe failures onto the closed media error codes so import records a reason, never crashes.
import { execFile } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { AppError } from '../../api/errors.js';
import { seconds, type Seconds } from '../../api/units.js';
import { resolveFfmpeg } from '../media/ffmpeg-resolve.js';
import type { MediaSource, ProbeInfo, WindowOptions, WindowSpan } from './media-source.js';

const PROBE_TIMEOUT_MS = 20_000;

interface FfprobeStream { codec_type?: string; codec_name?: string; width?: number; height?: number; avg_frame_rate?: string; r_frame_rate?: string; duration?: string; nb_frames?: string }
interface FfprobeDoc { streams?: FfprobeStream[]; format?: { duration?: string; size?: string; tags?: Record<string, string> } }

function rate(s: string | undefined): number | null {
  if (!s) return null;
  const [a, b] = s.split('/').map(Number);
  const v = b ? a / b : a;
  return Number.isFinite(v) && v > 0 ? v : null;
}

function runFfprobe(ffprobe: string, path: string, signal: AbortSignal): Promise<{ stdout: string; stderr: string; code: number | null; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      ffprobe,
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '--', path],
      { timeout: PROBE_TIMEOUT_MS, maxBuffer: 16 << 20, signal, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        if (err && (err as { name?: string }).name === 'AbortError') return reject(new AppError('CANCELLED', 'Probe cancelled.'));
        const e = err as (Error & { code?: number | string; killed?: boolean }) | null;
        if (e && typeof e.code === 'string') return reject(new AppError('FFMPEG_MISSING', `Could not run ffprobe: ${e.message}`));
        resolve({ stdout, stderr, code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, timedOut: Boolean(e?.killed) });
      },
    );
    child.stdin?.end();
  });
}

/** True when the first bytes are a known video container signature (MP4/MOV boxes, Matroska, RIFF, MPEG, Ogg, FLV, ASF). */
export function looksLikeContainer(path: string): boolean {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(192);
  try {
    readSync(fd, head, 0, 192, 0);
  } finally {
    closeSync(fd);
  }
  const box = head.toString('latin1', 4, 8);
  if (['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip'].includes(box)) return true;
  const m = head.readUInt32BE(0);
  return m === 0x1a45dfa3 /* EBML */ || m === 0x000001ba /* MPEG-PS */ || m === 0x3026b275 /* ASF */ ||
    head.toString('latin1', 0, 4) === 'RIFF' || head.toString('latin1', 0, 4) === 'OggS' || head.toString('latin1', 0, 3) === 'FLV' ||
    (head[0] === 0x47 && head[188] === 0x47 /* MPEG-TS sync bytes */);
}

/** Probes one file with ffprobe; maps each failure to a closed media error code. */
export async function ffprobeFile(path: string, signal: AbortSignal): Promise<ProbeInfo> {
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    throw new AppError('UNREADABLE', `Cannot read ${path}: ${(err as Error).message}`);
  }
  if (statSync(path).size === 0) throw new AppError('NOT_A_VIDEO', `${path} is empty (0 bytes).`);
  const { ffprobe } = resolveFfmpeg();
  const r = await runFfprobe(ffprobe, path, signal);
  if (r.timedOut) throw new AppError('PROBE_TIMEOUT', `ffprobe did not answer within ${PROBE_TIMEOUT_MS / 1000} s for ${path}.`);
  const err = r.stderr.trim();
  if (r.code !== 0) {
    // ffprobe says "moov atom not found" for a text file and for a cut-off MP4 alike; the file's head tells them apart.
    if (looksLikeContainer(path) && /moov atom not found|end of file|truncat|invalid data/i.test(err)) throw new AppError('TRUNCATED', `${path} is truncated: ${err.split('\n')[0]}`);
    if (/permission denied/i.test(err)) throw new AppError('UNREADABLE', `Cannot read ${path}: ${err.split('\n')[0]}`);
    throw new AppError('NOT_A_VIDEO', `${path} is not a video ffmpeg can read: ${err.split('\n')[0] || `ffprobe exit ${r.code}`}`);
  }
  let doc: FfprobeDoc;
  try {
    doc = JSON.parse(r.stdout) as FfprobeDoc;
  } catch {
    throw new AppError('NOT_A_VIDEO', `ffprobe gave no readable answer for ${path}.`);
  }
  const video = (doc.streams ?? []).find((s) => s.codec_type === 'video' && s.codec_name !== 'mjpeg' && s.codec_name !== 'png');
  if (!video) throw new AppError('NO_VIDEO_STREAM', `${path} has no video stream.`);
  const duration = Number(doc.format?.duration ?? video.duration);
  if (!Number.isFinite(duration) || duration <= 0) throw new AppError('TRUNCATED', `${path} reports no playable duration.`);
  const tags = doc.format?.tags ?? {};
  return {
    duration: seconds(duration),
    width: video.width ?? 0,
    height: video.height ?? 0,
    fps: rate(video.avg_frame_rate) ?? rate(video.r_frame_rate),
    codec: video.codec_name ?? null,
    recordedAt: tags.creation_time ?? null,
    raw: doc,
  };
}

/** Windows of `length` seconds stepping by length − overlap; a tail shorter than half a step joins the last window. */
export function windowsFor(duration: Seconds, opts: WindowOptions): WindowSpan[] {
  const step = opts.length - opts.overlap;
  if (!(step > 0) || !(duration > 0)) throw new AppError('INVALID_INPUT', `Bad window options (length ${opts.length}, overlap ${opts.overlap}) or duration ${duration}.`);
  const out: WindowSpan[] = [];
  for (let i = 0, start = 0; start < duration; i++, start = i * step) {
    const end = Math.min(duration, start + opts.length);
    if (out.length && end - start < step / 2) {
      out[out.length - 1].end = seconds(duration);
      break;
    }
    out.push({ index: i, start: seconds(start), end: seconds(end) });
    if (end >= duration) break;
  }
  return out;
}

/** Evenly spaced frame times at `fps` (default 2), at most `maxFrames` (default 16), centred in their slots. */
export function sampleTimes(w: WindowSpan, opts: { fps?: number; maxFrames?: number } = {}): Seconds[] {
  const span = w.end - w.start;
  const n = Math.max(1, Math.min(opts.maxFrames ?? 16, Math.round(span * (opts.fps ?? 2))));
  const out: Seconds[] = [];
  for (let i = 0; i < n; i++) out.push(seconds(Math.round((w.start + ((i + 0.5) * span) / n) * 1000) / 1000));
  return out;
}

/** The MediaSource the library uses by default (ffprobe today; src-main/core/media once it lands). */
export const defaultMediaSource: MediaSource = { probe: ffprobeFile, windowsFor, sampleTimes };
