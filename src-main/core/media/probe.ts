// probe(file): what a video is (duration, size after rotation, codec, fps, VFR, start offset, audio, truncation),
// with every failure mapped to a closed error code. ffprobe children are killed on timeout/abort.
import type { Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { AppError } from '../../api/errors.js';
import { seconds, type Seconds } from '../../api/units.js';
import { resolveFfmpeg, type FfmpegBinaries } from './ffmpeg-resolve.js';
import { packetTimeline, scanPackets, type PacketFields, type PacketScan } from './packets.js';
import { runCollect, type ChildTracker } from './process.js';

export interface ProbeResult {
  file: string;
  /** Container format names as ffprobe reports them (e.g. "mov,mp4,m4a,3gp,3g2,mj2"). */
  container: string;
  sizeBytes: number;
  /** Playable duration from the first frame: for a truncated file, the decodable part only. */
  duration: Seconds;
  /** Duration the header claims (equals `duration` unless truncated). */
  claimedDuration: Seconds;
  /** True when the decodable part is shorter than the header claims (see probeStrict). */
  truncated: boolean;
  /** Display size, after rotation metadata is applied. */
  width: number;
  height: number;
  /** Clockwise display rotation in degrees (0, 90, 180, 270). */
  rotation: 0 | 90 | 180 | 270;
  codec: string;
  pixFmt: string | null;
  /** Average frames per second of the video stream. */
  fps: number;
  /** Variable frame rate: frame intervals in the first few hundred frames differ. */
  vfr: boolean;
  /** Presentation time of the first frame (the stream start offset), seconds. */
  startTime: Seconds;
  /** Container start time that ffmpeg's -ss is relative to, seconds. */
  formatStartTime: Seconds;
  hasAudio: boolean;
  /** Number of frames if the container states it (or a scan counted it), else null. */
  frameCount: number | null;
  /** Index of the video stream among all streams, and its time base. */
  streamIndex: number;
  timeBase: [number, number];
  /** Frames the decoder holds back to put B-frames in display order (ffprobe's has_b_frames); 0 without reordering. */
  reorderDelay: number;
  /** When the recording was made, from the container's (else the video stream's) creation_time tag, ISO 8601. */
  creationTime: string | null;
}

export interface ProbeOptions {
  signal?: AbortSignal;
  /** Per ffprobe child; default 20 s. */
  timeoutMs?: number;
  /** Read the whole file in the first ffprobe call if it has fewer packets (all streams) than this; default by file size. */
  wholeScanPackets?: number;
  bins?: FfmpegBinaries;
}

interface FfStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  time_base?: string;
  start_time?: string;
  duration?: string;
  nb_frames?: string;
  has_b_frames?: number;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

/** A probe's frame timeline of the whole file, with the size and mtime of the file it was read from. */
export interface WholeScan {
  scan: PacketScan;
  sizeBytes: number;
  mtimeMs: number;
}

/** What probing keeps between calls; the media service owns it (service.ts). */
export interface ProbeMemory {
  /** Video decoder names per ffmpeg binary. */
  decoders: Map<string, Set<string>>;
  /** Per probe result: the frame timeline of the whole file when the probe read it all (decodeFrames reuses it). */
  wholeScans: WeakMap<ProbeResult, WholeScan>;
  /** probeCached's results by file identity, least recently used first. */
  probes: Map<string, ProbeResult>;
  children: ChildTracker;
}

/** An empty ProbeMemory whose ffmpeg/ffprobe children join `children`. */
export function createProbeMemory(children: ChildTracker): ProbeMemory {
  return { decoders: new Map(), wholeScans: new WeakMap(), probes: new Map(), children };
}

/** The set of video decoder names this ffmpeg build has (remembered per binary). */
async function videoDecoders(mem: ProbeMemory, ffmpeg: string, signal?: AbortSignal): Promise<Set<string>> {
  const hit = mem.decoders.get(ffmpeg);
  if (hit) return hit;
  const r = await runCollect(ffmpeg, ['-hide_banner', '-decoders'], {
    signal,
    timeoutMs: 10_000,
    children: mem.children,
  });
  const set = new Set<string>();
  for (const line of r.stdout.toString('utf8').split('\n')) {
    const m = /^\s*V\S*\s+(\S+)/.exec(line);
    if (m) set.add(m[1]!);
  }
  mem.decoders.set(ffmpeg, set);
  return set;
}

function ratio(s: string | undefined): number {
  if (!s) return NaN;
  const [a, b] = s.split('/').map(Number);
  if (b === undefined) return a!;
  return b ? a! / b : NaN;
}

function clockwiseRotation(st: FfStream): 0 | 90 | 180 | 270 {
  const dm = st.side_data_list?.find((d) => d.rotation !== undefined);
  // ffprobe's display-matrix rotation is counter-clockwise; the legacy `rotate` tag is clockwise.
  const deg = dm ? -Number(dm.rotation) : Number(st.tags?.rotate ?? 0);
  const r = (((Math.round(deg / 90) * 90) % 360) + 360) % 360;
  return r as 0 | 90 | 180 | 270;
}

const BOX_TYPES: ReadonlySet<string> = new Set([
  'ftyp',
  'mdat',
  'moov',
  'free',
  'skip',
  'wide',
  'pnot',
  'uuid',
  'styp',
]);

/** True when the file starts with an MP4/MOV box header (a damaged MP4, not a text file named .mp4). */
function looksLikeIsoBmff(head: Buffer): boolean {
  return head.length >= 8 && BOX_TYPES.has(head.toString('latin1', 4, 8));
}

async function readHead(file: string): Promise<Buffer> {
  try {
    const fh = await open(file, 'r');
    try {
      const b = Buffer.alloc(12);
      const { bytesRead } = await fh.read(b, 0, 12, 0);
      return b.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return Buffer.alloc(0);
  }
}

function classify(stderr: string, file: string, head: Buffer): AppError {
  const s = stderr.toLowerCase();
  if (s.includes('no such file')) return new AppError('NOT_FOUND', `no such file: ${file}`);
  if (s.includes('permission denied')) return new AppError('UNREADABLE', `permission denied: ${file}`);
  if (s.includes('moov atom not found') && looksLikeIsoBmff(head))
    return new AppError(
      'UNREADABLE',
      `the MP4/MOV index (moov atom) is missing, so nothing can be decoded; the recording was probably interrupted before it was finalised: ${file}`,
    );
  if (s.includes('input/output error')) return new AppError('UNREADABLE', `I/O error reading ${file}`);
  return new AppError(
    'NOT_A_VIDEO',
    `not a media file ffmpeg can read: ${file} (${stderr.trim().split('\n').pop() ?? ''})`,
  );
}

/** Stat a file with its errors mapped to NOT_FOUND / UNREADABLE / NOT_A_VIDEO; its size. */
export async function statMedia(file: string): Promise<number> {
  return (await statMediaFile(file)).size;
}

/** Like statMedia, with the whole stat (size and mtime identify a file's content for cached scans). */
export async function statMediaFile(file: string): Promise<Stats> {
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AppError('NOT_FOUND', `no such file: ${file}`);
    throw new AppError('UNREADABLE', `cannot read ${file}: ${(err as Error).message}`);
  }
  if (!st.isFile()) throw new AppError('NOT_A_VIDEO', `not a regular file: ${file}`);
  if (st.size === 0) throw new AppError('NOT_A_VIDEO', `empty file: ${file}`);
  return st;
}

/** Video packets the head of a file is judged by (start offset, frame interval, VFR). */
const HEAD_PACKETS = 240;
/** A file up to this size is read whole (up to WHOLE_PACKETS packets of all streams) by the probe's one ffprobe call. */
const WHOLE_BYTES = 64 << 20;
/** ≈ 100 s of 30 fps video with audio; ffprobe lists ≈ 60 000 packets/s, so a longer file wastes < 0.1 s on it. */
const WHOLE_PACKETS = 6000;
/** Packets (all streams) read for the head of a larger file: room for HEAD_PACKETS video packets beside audio. */
const HEAD_READ_PACKETS = 1000;

interface FfPacket extends PacketFields {
  stream_index?: number;
}

/** The whole-file packet scan `probe` made for `p`, if it made one and the file still has that size and mtime. */
export function wholeScanOf(mem: ProbeMemory, p: ProbeResult, sizeBytes: number, mtimeMs: number): PacketScan | null {
  const w = mem.wholeScans.get(p);
  return w && w.sizeBytes === sizeBytes && w.mtimeMs === mtimeMs ? w.scan : null;
}

type FfFormat = { format_name?: string; duration?: string; start_time?: string; tags?: Record<string, string> };
interface FfInfo {
  streams?: FfStream[];
  packets?: FfPacket[];
  format?: FfFormat;
}

/** One probe's inputs and the facts established so far, handed from step to step. */
interface ProbeRun {
  file: string;
  bins: FfmpegBinaries;
  sizeBytes: number;
  /** Packets (all streams) the first ffprobe call was asked for; fewer came back → it read the whole file. */
  limit: number;
  stderr: string;
  scanOpts: {
    streamIndex: number;
    timeBase: [number, number];
    sizeBytes: number;
    signal?: AbortSignal;
    timeoutMs: number;
    children: ChildTracker;
  };
}

/** Probes a video file; a truncated file is a result with `truncated: true` and its decodable duration. */
export async function probe(mem: ProbeMemory, file: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const bins = opts.bins ?? resolveFfmpeg();
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const st = await statMediaFile(file);
  const sizeBytes = st.size;
  // One ffprobe start (≈ 0.1 s) gives format, streams and the packets of the head — or of the whole file when it is
  // small, which then also settles truncation and leaves decodeFrames nothing to scan.
  const limit = opts.wholeScanPackets ?? (sizeBytes <= WHOLE_BYTES ? WHOLE_PACKETS : HEAD_READ_PACKETS);
  const { info, format, stderr } = await readFormat(mem, bins, file, limit, opts.signal, timeoutMs);
  const streams = info.streams ?? [];
  const v = await videoStream(mem, bins, file, streams, opts.signal);
  const timeBase = streamTimeBase(v);
  const scanOpts = {
    streamIndex: v.index,
    timeBase,
    sizeBytes,
    signal: opts.signal,
    timeoutMs,
    children: mem.children,
  };
  const run: ProbeRun = { file, bins, sizeBytes, limit, stderr, scanOpts };
  const formatStart = Number(format.start_time ?? 0) || 0;
  const declaredStart = Number(v.start_time ?? formatStart);
  const claimed = claimedDuration(v, format, declaredStart, formatStart);
  const packets = info.packets ?? [];
  const rows = packets.filter((pk) => pk.stream_index === v.index);
  // Fewer packets than asked for: ffprobe reached the end, so these are all of them.
  const whole = packets.length < limit ? packetTimeline(rows, timeBase, sizeBytes, stderr) : null;
  const timing = await headTiming(run, v, rows, whole);
  const end = await settleEnd(run, v, timing, claimed, declaredStart, whole);
  const rotation = clockwiseRotation(v);
  const swap = rotation === 90 || rotation === 270;
  const result: ProbeResult = {
    file,
    container: format.format_name ?? 'unknown',
    sizeBytes,
    duration: seconds(end.duration),
    claimedDuration: seconds(Number.isFinite(claimed) ? claimed : end.duration),
    truncated: end.truncated,
    width: swap ? v.height : v.width,
    height: swap ? v.width : v.height,
    rotation,
    codec: v.codec_name,
    pixFmt: v.pix_fmt ?? null,
    fps: timing.fps,
    vfr: timing.vfr,
    startTime: seconds(timing.startTime),
    formatStartTime: seconds(formatStart),
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
    frameCount: end.frameCount,
    streamIndex: v.index,
    timeBase,
    reorderDelay: Number(v.has_b_frames) > 0 ? Number(v.has_b_frames) : 0,
    creationTime: creationTime(format.tags?.creation_time ?? v.tags?.creation_time),
  };
  if (whole) mem.wholeScans.set(result, { scan: whole, sizeBytes, mtimeMs: st.mtimeMs });
  return result;
}

/** The first ffprobe call: format, streams and up to `limit` packets; a failure becomes its coded error. */
async function readFormat(
  mem: ProbeMemory,
  bins: FfmpegBinaries,
  file: string,
  limit: number,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<{ info: FfInfo; format: FfFormat; stderr: string }> {
  const r = await runCollect(
    bins.ffprobe,
    [
      '-v',
      'error',
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      '-show_entries',
      'packet=stream_index,pts,dts,duration,size,pos,flags',
      '-read_intervals',
      `%+#${limit}`,
      '-i',
      file,
    ],
    { signal, timeoutMs, maxStdout: 256 << 20, children: mem.children },
  );
  let info: FfInfo;
  try {
    info = JSON.parse(r.stdout.toString('utf8') || '{}');
  } catch {
    info = {};
  }
  if (r.code !== 0 || !info.format) {
    await statMedia(file); // a file that vanished mid-probe is NOT_FOUND, not NOT_A_VIDEO
    throw classify(r.stderr, file, await readHead(file));
  }
  return { info, format: info.format, stderr: r.stderr };
}

type VideoStream = FfStream & { codec_name: string; width: number; height: number };

/** The first video stream that is not cover art, checked to be decodable by this ffmpeg build and to have a size. */
async function videoStream(
  mem: ProbeMemory,
  bins: FfmpegBinaries,
  file: string,
  streams: FfStream[],
  signal?: AbortSignal,
): Promise<VideoStream> {
  const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!v)
    throw new AppError(
      'NO_VIDEO_STREAM',
      `no video stream in ${file} (streams: ${streams.map((s) => s.codec_type).join(', ') || 'none'})`,
    );
  const codec = v.codec_name ?? 'unknown';
  const decoders = await videoDecoders(mem, bins.ffmpeg, signal);
  if (!v.codec_name || v.codec_name === 'none' || (decoders.size > 0 && !decoders.has(codec)))
    throw new AppError('UNSUPPORTED_CODEC', `this ffmpeg build cannot decode the video codec "${codec}" of ${file}`);
  if (!v.width || !v.height)
    throw new AppError('UNSUPPORTED_CODEC', `the video stream of ${file} has no frame size (codec "${codec}")`);
  return { ...v, codec_name: codec, width: v.width, height: v.height };
}

function streamTimeBase(v: FfStream): [number, number] {
  const tbParts = (v.time_base ?? '1/1000').split('/').map(Number);
  return [tbParts[0] || 1, tbParts[1] || 1000];
}

/** The duration the header claims: the stream's, else the container's from the stream's start; NaN when neither. */
function claimedDuration(v: FfStream, format: FfFormat, declaredStart: number, formatStart: number): number {
  const claimed = Number(v.duration);
  if (Number.isFinite(claimed) && claimed > 0) return claimed;
  const formatDuration = Number(format.duration);
  return Number.isFinite(formatDuration) ? formatDuration - Math.max(0, declaredStart - formatStart) : NaN;
}

interface HeadTiming {
  startTime: number;
  fps: number;
  vfr: boolean;
}

/** The first frames tell us the real start offset, the frame interval and whether the rate varies. */
async function headTiming(run: ProbeRun, v: FfStream, rows: FfPacket[], whole: PacketScan | null): Promise<HeadTiming> {
  const { timeBase } = run.scanOpts;
  const head =
    whole || rows.length >= HEAD_PACKETS
      ? packetTimeline(rows.slice(0, HEAD_PACKETS), timeBase, run.sizeBytes, run.stderr)
      : await scanPackets(run.bins.ffprobe, run.file, { ...run.scanOpts, interval: `%+#${HEAD_PACKETS}` });
  if (head.times.length === 0) throw new AppError('UNREADABLE', `no complete video frame in ${run.file}`);
  const startTime = head.times[0]!;
  const deltas: number[] = [];
  for (let i = 1; i < head.times.length; i++) deltas.push(head.times[i]! - head.times[i - 1]!);
  const sorted = [...deltas].sort((a, b) => a - b);
  const median = sorted.length ? sorted[sorted.length >> 1]! : NaN;
  const tick = timeBase[0] / timeBase[1];
  const vfr = sorted.length > 1 && sorted[sorted.length - 1]! - sorted[0]! > Math.max(1.5 * tick, 0.002);
  let fps: number;
  if (!vfr && median > 0) fps = 1 / median;
  else
    fps =
      ratio(v.avg_frame_rate) ||
      (deltas.length ? deltas.length / (head.times[head.times.length - 1]! - startTime) : ratio(v.r_frame_rate));
  if (!Number.isFinite(fps) || fps <= 0) fps = ratio(v.r_frame_rate) || 25;
  fps = Math.round(fps * 1000) / 1000;
  return { startTime, fps, vfr };
}

/**
 * Truncation: look at the packets near the claimed end; a short or partial tail means a full scan for the real end.
 * The playable duration, whether it falls short of the claim, and the frame count when it is known.
 */
async function settleEnd(
  run: ProbeRun,
  v: FfStream,
  timing: HeadTiming,
  claimed: number,
  declaredStart: number,
  whole: PacketScan | null,
): Promise<{ duration: number; truncated: boolean; frameCount: number | null }> {
  const { fps, startTime } = timing;
  let duration = claimed;
  let truncated = false;
  // nb_frames is unreliable in some containers (AVI counts B-frame packing slots): trust it only if it fits fps × duration.
  const nb = Number(v.nb_frames);
  let frameCount: number | null = nb > 0 && Math.abs(nb / (claimed * fps) - 1) < 0.05 ? nb : null;
  const tol = Math.max(2 / fps, 0.25);
  const claimedEndAbs = startTime + claimed;
  // The tail starts 4 s before the claimed end by the declared start, a second more than the check below needs, so
  // the real start found in the head (a few frames off at most) still lies inside it.
  const tail =
    whole ??
    (Number.isFinite(claimed)
      ? await scanPackets(run.bins.ffprobe, run.file, {
          ...run.scanOpts,
          interval: `${Math.max(0, declaredStart + claimed - 4).toFixed(3)}%`,
        })
      : null);
  const tailEnd =
    tail && tail.times.length ? Math.max(tail.end, tail.times[tail.times.length - 1]! + 1 / fps) : -Infinity;
  if (
    !tail ||
    tail.incomplete > 0 ||
    tailEnd < claimedEndAbs - tol ||
    /partial file|invalid data|truncat/i.test(tail.warnings)
  ) {
    const full = whole ?? (await scanPackets(run.bins.ffprobe, run.file, run.scanOpts));
    if (full.times.length === 0) throw new AppError('UNREADABLE', `no complete video frame in ${run.file}`);
    const last = full.times[full.times.length - 1]!;
    const end = full.incomplete > 0 || !(full.end > last) ? last + 1 / fps : full.end;
    const decodable = end - full.times[0]!;
    if (!Number.isFinite(claimed) || decodable < claimed - tol) {
      truncated = Number.isFinite(claimed);
      duration = decodable;
      frameCount = full.times.length;
    }
  }
  if (!Number.isFinite(duration) || duration <= 0) duration = frameCount ? frameCount / fps : 1 / fps;
  return { duration, truncated, frameCount };
}

/** A creation_time tag as ISO 8601, or null when absent or not a date (cameras write zeros or local formats). */
function creationTime(tag: string | undefined): string | null {
  if (!tag) return null;
  const ms = Date.parse(tag);
  // 1970-01-01 and earlier is what a muxer writes when it has no clock; it is not when the video was recorded.
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : null;
}

const PROBE_CACHE_SIZE = 64;

/**
 * probe() remembered per file identity (path, inode, size, mtime): jobs that sample many windows of one recording
 * probe it once (a probe is one to three ffprobe starts). A changed file has another identity and is probed again.
 */
export async function probeCached(mem: ProbeMemory, file: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  let key: string;
  try {
    const st = await stat(file);
    key = `${file}\0${st.ino}\0${st.size}\0${st.mtimeMs}`;
  } catch {
    return probe(mem, file, opts); // gives the coded error
  }
  const hit = mem.probes.get(key);
  if (hit) {
    mem.probes.delete(key);
    mem.probes.set(key, hit);
    return hit;
  }
  const p = await probe(mem, file, opts);
  mem.probes.set(key, p);
  if (mem.probes.size > PROBE_CACHE_SIZE) mem.probes.delete(mem.probes.keys().next().value!);
  return p;
}

/** Like probe, but a truncated file is the TRUNCATED error (for callers that must have the whole recording). */
export async function probeStrict(mem: ProbeMemory, file: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const p = await probe(mem, file, opts);
  if (p.truncated)
    throw new AppError(
      'TRUNCATED',
      `${file} is truncated: only ${p.duration.toFixed(2)} s of the ${p.claimedDuration.toFixed(2)} s its header claims can be decoded`,
      {
        duration: p.duration,
        claimedDuration: p.claimedDuration,
      },
    );
  return p;
}
