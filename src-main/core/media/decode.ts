// decodeFrames: for each requested time, the frame displayed at that time, streamed as RGB24 from one ffmpeg process.
// Frames are picked by their index in presentation order (from a demux-only packet scan), so VFR, B-frames and a
// non-zero start offset are exact; only the picked frames are converted and piped.
import { closeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { AppError, throwIfCancelled } from '../../api/errors.js';
import { resolveFfmpeg, type FfmpegBinaries } from './ffmpeg-resolve.js';
import { detectHwaccel } from './hwaccel.js';
import { fdFrames, openFifo, streamFrames, type FifoEnds } from './frame-pipe.js';
import { planSkip, skipEligible, type SkipPlan } from './frame-skip.js';
import { scanPackets, type PacketScan } from './packets.js';
import { probe as probeFile, statMedia, statMediaFile, wholeScanOf, type ProbeResult } from './probe.js';
import { spawnTracked, waitExit } from './process.js';

export interface DecodedFrame {
  /** Position of this time in the `times` argument. */
  index: number;
  /** The requested time (seconds from the first frame) — the timestamp to show the model. */
  time: number;
  width: number;
  height: number;
  /** width × height × 3 bytes, row-major RGB. */
  rgb: Uint8Array;
}

export interface DecodeOptions {
  signal?: AbortSignal;
  /** 'native' (default): display resolution after rotation. A size uses ffmpeg's bilinear scaler (UI only). */
  size?: { width: number; height: number } | 'native';
  probe?: ProbeResult;
  bins?: FfmpegBinaries;
  /** Kill ffmpeg if it sends nothing for this long (default 60 s). */
  stallMs?: number;
  /** Use `-hwaccel cuda` when detected (default true). */
  hwaccel?: boolean;
  /** Gap (in fps × width × height × seconds) past which far-apart times are reached by a new seek (default 120e6). */
  seekWorthPixels?: number;
}

/** Tolerance when comparing a requested time with frame start times (well under one tick of any real time base). */
const EPS = 1e-6;
/** Most distinct frames selected by one ffmpeg process (keeps the select expression short). */
const MAX_PER_PROCESS = 1500;
/**
 * Software decode threads (frame threading; the output is bit-identical for any count). ffmpeg's own default is
 * cores + 1; more frames in flight keep the decoder busy while ffmpeg's main thread waits for us to drain the 64 KB
 * pipe, which it does ≈ 95 times per 1080p RGB frame (measured on 2 cores: 3.50 s vs 4.02 s best of 4, raw decode
 * 3.09 s and not faster with more threads). Frames above 4K keep the default (each thread holds frames in memory).
 */
export const DECODE_THREADS = Math.min(16, Math.max(availableParallelism() + 1, 10));
/** Decoding through a gap costs about fps × width × height × gap pixels; past this, a seek is cheaper (≈ 2 s of 1080p30). */
const SEEK_WORTH_PIXELS = 120e6;

/** Index of the frame displayed at absolute time `abs`: the last frame starting at or before it (first frame if none). */
export function displayedIndex(times: Float64Array, abs: number): number {
  let lo = 0;
  let hi = times.length; // first index with times[i] > abs + EPS
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! > abs + EPS) hi = mid;
    else lo = mid + 1;
  }
  return Math.max(0, lo - 1);
}

/** A select-filter expression true exactly for the sorted indices `idx` (a binary decision tree on n). */
function selectExpr(idx: number[], lo = 0, hi = idx.length - 1): string {
  if (lo === hi) return `eq(n,${idx[lo]})`;
  const mid = (lo + hi + 1) >> 1;
  return `if(lt(n,${idx[mid]}),${selectExpr(idx, lo, mid - 1)},${selectExpr(idx, mid, hi)})`;
}

/** Streams, for each time (seconds from the first frame), the RGB frame displayed then; times are yielded in ascending order. */
export async function* decodeFrames(file: string, times: readonly number[], opts: DecodeOptions = {}): AsyncGenerator<DecodedFrame> {
  const bins = opts.bins ?? resolveFfmpeg();
  const p = opts.probe ?? (await probeFile(file, { signal: opts.signal, bins }));
  if (times.length === 0) return;
  for (const t of times) if (!Number.isFinite(t) || t < 0) throw new AppError('INVALID_INPUT', `sample times must be finite and ≥ 0, got ${t}`);
  const order = times.map((_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b);
  const st = await statMediaFile(file);
  const sizeBytes = st.size;
  // A probe that read the whole file left its frame timeline: then no span needs a scan of its own.
  const known = wholeScanOf(p, sizeBytes, st.mtimeMs);
  const size = opts.size && opts.size !== 'native' ? opts.size : null;
  if (size && (!(size.width >= 1) || !(size.height >= 1))) throw new AppError('INVALID_INPUT', 'size must be at least 1×1');
  const width = size ? Math.round(size.width) : p.width;
  const height = size ? Math.round(size.height) : p.height;
  const hw = opts.hwaccel === false ? null : await detectHwaccel(bins.ffmpeg);
  const scanBase = { streamIndex: p.streamIndex, timeBase: p.timeBase, sizeBytes, signal: opts.signal };

  // Spans of times close enough that decoding through the gap is cheaper than a new seek; far-apart times (e.g.
  // 128 samples over 4 hours of 1080p) get a seek each instead of decoding the whole recording.
  const spans: number[][] = [[0]];
  for (let j = 1; j < order.length; j++) {
    const gap = times[order[j]!]! - times[order[j - 1]!]!;
    if (gap * p.fps * p.width * p.height > (opts.seekWorthPixels ?? SEEK_WORTH_PIXELS)) spans.push([j]);
    else spans[spans.length - 1]!.push(j);
  }
  for (let s = 0; s < spans.length; s++) {
    let js = spans[s]!;
    const firstT = times[order[js[0]!]!]!;
    let lastT = times[order[js[js.length - 1]!]!]!;
    // Demux only the stretch needed; from a few seconds before a late first time.
    const fromAbs = p.startTime + firstT - 10;
    let partial = !known && fromAbs > p.startTime;
    const interval = (a: number | null, b: number) => `${a === null ? '' : a.toFixed(6)}%${(b + 5).toFixed(6)}`;
    let scan: PacketScan = known ?? (await scanPackets(bins.ffprobe, file, { ...scanBase, interval: interval(partial ? fromAbs : null, p.startTime + lastT) }));
    if (partial && !(scan.times.length && scan.times[0]! <= p.startTime + firstT && scan.allPts)) {
      // No usable seek (no pts, or the demuxer landed late): one pass from the start over all remaining times.
      js = spans.slice(s).flat();
      s = spans.length;
      lastT = times[order[js[js.length - 1]!]!]!;
      scan = await scanPackets(bins.ffprobe, file, { ...scanBase, interval: interval(null, p.startTime + lastT) });
      partial = false;
    }
    if (scan.times.length === 0) throw new AppError('UNREADABLE', `no complete video frame in ${file}`);
    yield* decodeSpan(file, times, order, js, scan, partial, { bins, hw, seekTo: null, width, height, size, p, opts, skip: null }, sizeBytes);
  }
}

/** Decodes the times at positions `js` of `order` using one packet scan; one ffmpeg process per MAX_PER_PROCESS frames. */
async function* decodeSpan(
  file: string, times: readonly number[], order: number[], js: number[], scan: PacketScan, partial: boolean, ctx: GroupCtx, sizeBytes: number,
): AsyncGenerator<DecodedFrame> {
  const { p, width, height } = ctx;
  // Index into scan.times of the frame displayed at each requested time.
  const want = js.map((j) => displayedIndex(scan.times, p.startTime + times[order[j]!]!));
  const distinct = [...new Set(want)];
  // Frame skipping (frame-skip.ts): software decoding of H.264 and HEVC in MP4/MOV and Matroska.
  const skipping = ctx.hw === null && !skipUnsupported.has(ctx.bins.ffmpeg) && skipEligible(p, scan);
  for (let g = 0; g < distinct.length; g += MAX_PER_PROCESS) {
    let group = distinct.slice(g, g + MAX_PER_PROCESS);
    const out = (k: number, rgb: Uint8Array, copy: boolean): DecodedFrame[] => {
      const res: DecodedFrame[] = [];
      for (let q = 0; q < want.length; q++) {
        if (want[q] !== k) continue;
        const i = order[js[q]!]!;
        res.push({ index: i, time: times[i]!, width, height, rgb: copy || res.length > 0 ? rgb.slice() : rgb });
      }
      return res;
    };
    let gi = 0;
    let last: Uint8Array | null = null;
    // Hands out the frames of one decodeGroup run, in the order of `group`, from position gi on.
    const emit = async function* (rgbs: AsyncIterable<Uint8Array>): AsyncGenerator<DecodedFrame> {
      for await (const rgb of rgbs) {
        last = rgb;
        for (const f of out(group[gi++]!, rgb, false)) {
          throwIfCancelled(ctx.opts.signal);
          yield f;
        }
      }
    };
    const plan = skipping ? await planSkip(file, p, scan, group) : null;
    if (plan) {
      skipStats.plans++;
      if (plan.seekTo !== null) skipStats.seeks++;
      skipStats.packetsKept += plan.kept;
      skipStats.packetsSpanned += plan.span;
      try {
        yield* emit(decodeGroup(file, plan.rel, { ...ctx, seekTo: null, skip: plan }));
      } catch (e) {
        if (!(e instanceof SkipFailed)) throw e;
        // A build without the noise bitstream filter fails every time: stop trying with it.
        if (/noise|bitstream filter|bsf/i.test(e.message)) skipUnsupported.add(ctx.bins.ffmpeg);
      }
      if (gi === group.length) continue;
      // The skipping pipeline ended early (a damaged stretch, an undecodable tail): the plain decode, which knows how
      // to treat those, does the rest of this group.
      skipStats.fallbacks++;
      group = group.slice(gi);
      gi = 0;
    }
    // Seek (ffmpeg's accurate seek drops frames before -ss) only when frame times come from real pts, so the trim
    // point and our timeline agree; AVI-style dts-only streams are decoded from the start.
    const k0 = group[0]!;
    const canSeek = scan.allPts && k0 > 0 && scan.times[k0]! - p.startTime > 5;
    if (partial && !canSeek) throw new AppError('INTERNAL', 'partial packet scan without a seek point');
    const base = canSeek ? k0 : 0;
    const seekTo = canSeek ? scan.times[k0]! - (scan.times[k0]! - scan.times[k0 - 1]!) / 2 - p.formatStartTime : null;
    const rel = group.map((k) => k - base);
    yield* emit(decodeGroup(file, rel, { ...ctx, seekTo, skip: null }));
    // ffmpeg ended before every picked frame came out (undecodable tail): the remaining times get the last decoded
    // frame, as the reference clamps indices to the decodable frames.
    if (gi < group.length) {
      // A file that vanished or changed while ffmpeg read it is an error, not a short video.
      if ((await statMedia(file)) !== sizeBytes) throw new AppError('UNREADABLE', `${file} changed while it was being read`);
      if (!last) throw new AppError('FFMPEG_FAILED', `ffmpeg decoded no frame of ${file} near ${times[order[js[0]!]!]} s`);
      for (; gi < group.length; gi++) yield* out(group[gi]!, last, true);
    }
  }
}

/** How often decodes left packets out (frame-skip.ts), for benches and tests. */
export const skipStats = { plans: 0, seeks: 0, fallbacks: 0, packetsKept: 0, packetsSpanned: 0 };

/** ffmpeg binaries whose demuxing process cannot run the drop filter. */
const skipUnsupported = new Set<string>();

/** The skipping pipeline failed; the caller decodes the rest plainly. */
class SkipFailed extends Error {}

interface GroupCtx {
  bins: FfmpegBinaries;
  hw: string | null;
  seekTo: number | null;
  width: number;
  height: number;
  size: { width: number; height: number } | null;
  p: ProbeResult;
  opts: DecodeOptions;
  /** Decode through a demuxing process that leaves out the packets the plan drops (seekTo is then unused). */
  skip: SkipPlan | null;
}

/**
 * One ffmpeg process (two with a skip plan: demuxer and decoder): yields the RGB buffers of frames with presentation
 * indices `rel` (relative to the seek point, or among the plan's kept frames).
 */
async function* decodeGroup(file: string, rel: number[], c: GroupCtx): AsyncGenerator<Uint8Array> {
  const filters = [`select='${selectExpr(rel)}'`];
  // Rotate only the kept frames (ffmpeg's autorotate would transpose every decoded frame before the select).
  const turn = { 0: [], 90: ['transpose=clock'], 180: ['hflip', 'vflip'], 270: ['transpose=cclock'] }[c.p.rotation];
  filters.push(...turn);
  if (c.size) filters.push(`scale=${c.width}:${c.height}:flags=bilinear`);
  const args = ['-hide_banner', '-nostdin', '-v', 'error'];
  if (c.hw) args.push('-hwaccel', c.hw);
  else if (c.p.width * c.p.height <= 3840 * 2160) args.push('-threads', String(DECODE_THREADS));
  if (c.seekTo !== null) args.push('-ss', c.seekTo.toFixed(6));
  // With a skip plan, a first ffmpeg demuxes and copies the stream, leaving out the plan's packets (noise bsf, by
  // byte position), into NUT on a pipe; this one decodes that. NUT keeps every timestamp and B-frame order.
  const input = c.skip ? ['-f', 'nut', '-i', 'pipe:0', '-map', '0:0'] : ['-i', file, '-map', `0:${c.p.streamIndex}`];
  args.push('-noautorotate', ...input, '-vf', filters.join(','), '-fps_mode', 'passthrough');
  args.push('-frames:v', String(rel.length), '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1');
  let upstream: ReturnType<typeof spawnTracked> | null = null;
  let upstreamErr = '';
  let link: FifoEnds | null = null;
  if (c.skip) {
    // The two processes are joined by a pipe this process never reads from (a child's stdout stream would be read
    // by us too, racing the decoder for the data).
    link = await openFifo(true);
    if (!link) throw new SkipFailed('no pipe between the demuxing and the decoding process');
    const demux = ['-hide_banner', '-nostdin', '-v', 'error'];
    if (c.skip.seekTo !== null) demux.push('-ss', c.skip.seekTo.toFixed(6));
    demux.push('-i', file, '-map', `0:${c.p.streamIndex}`, '-c:v', 'copy', '-bsf:v', `noise=drop=${c.skip.dropExpr}`, '-f', 'nut', 'pipe:1');
    try {
      upstream = spawnTracked(c.bins.ffmpeg, demux, c.opts.signal, 'ignore', link.writeFd);
    } catch (e) {
      closeSync(link.readFd);
      throw e;
    } finally {
      closeSync(link.writeFd);
    }
    upstream.child.stderr!.on('data', (b: Buffer) => {
      if (upstreamErr.length < 16384) upstreamErr += b.toString('utf8');
    });
    upstream.child.once('error', () => {});
  }
  const fifo = await openFifo();
  let spawned;
  try {
    spawned = spawnTracked(c.bins.ffmpeg, args, c.opts.signal, link ? link.readFd : 'ignore', fifo ? fifo.writeFd : 'pipe');
  } catch (e) {
    if (fifo) closeSync(fifo.readFd);
    upstream?.dispose();
    throw e;
  } finally {
    if (fifo) closeSync(fifo.writeFd); // ffmpeg holds the write end now; its exit is our end of file
    if (link) closeSync(link.readFd); // the decoding ffmpeg holds it now
  }
  const { child, dispose } = spawned;
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => {
    if (stderr.length < 16384) stderr += b.toString('utf8');
  });
  let spawnErr: NodeJS.ErrnoException | null = null;
  child.once('error', (e) => { spawnErr = e; });
  const frameBytes = c.width * c.height * 3;
  let stalled = false;
  const stallMs = c.opts.stallMs ?? 60_000;
  let timer = setTimeout(() => { stalled = true; dispose(); }, stallMs);
  const pet = () => {
    clearTimeout(timer);
    timer = setTimeout(() => { stalled = true; dispose(); }, stallMs);
  };
  const frames = fifo ? fdFrames(fifo.readFd, frameBytes, pet) : streamFrames(child.stdout!, frameBytes, pet);
  try {
    for await (const frame of frames) {
      clearTimeout(timer); // the consumer may take its time; the stall clock restarts after it
      // Frames already read are not handed out once the caller has aborted.
      throwIfCancelled(c.opts.signal);
      yield frame;
      pet();
    }
    const code = await waitExit(child);
    throwIfCancelled(c.opts.signal);
    if (spawnErr) throw new AppError('FFMPEG_MISSING', `cannot run ${c.bins.ffmpeg}: ${(spawnErr as Error).message}`);
    if (stalled) throw new AppError('DECODE_STALLED', `ffmpeg sent nothing for ${stallMs} ms while decoding ${file} and was killed`);
    if (upstream) {
      // The decoder stops after the last kept frame, so the demuxer may die of the closed pipe: only the decoder's
      // failure (or a spawn failure) counts, and it sends the caller to the plain decode.
      if (spawnErr || code !== 0) throw new SkipFailed(`${stderr.trim()} ${upstreamErr.trim()}`);
      return;
    }
    if (code !== 0) {
      await statMedia(file); // vanished → NOT_FOUND
      throw new AppError('FFMPEG_FAILED', `ffmpeg failed decoding ${file}: ${stderr.trim().split('\n').slice(-2).join(' ')}`);
    }
  } finally {
    clearTimeout(timer);
    dispose();
    upstream?.dispose();
    await frames.return(undefined); // closes the pipe's read end
    await waitExit(child);
    if (upstream) await waitExit(upstream.child);
  }
}
