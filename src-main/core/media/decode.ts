// decodeFrames: for each requested time, the frame displayed at that time, streamed as RGB24 from one ffmpeg process.
// Frames are picked by their index in presentation order (from a demux-only packet scan), so VFR, B-frames and a
// non-zero start offset are exact; only the picked frames are converted and piped.
import { AppError, throwIfCancelled } from '../../api/errors.js';
import { frameIndex, type FrameIndex } from '../../api/units.js';
import { resolveFfmpeg, type FfmpegBinaries } from './ffmpeg-resolve.js';
import type { FifoFactory } from './frame-pipe.js';
import { FfmpegPipeline, SkipFailed, type GroupCtx } from './ffmpeg-pipeline.js';
import { planSkip, skipEligible } from './frame-skip.js';
import type { HwaccelDetector } from './hwaccel.js';
import { scanPackets, type PacketScan } from './packets.js';
import {
  probe as probeFile,
  statMedia,
  statMediaFile,
  wholeScanOf,
  type ProbeMemory,
  type ProbeResult,
} from './probe.js';

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

export interface FrameDecodeOptions {
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
/** Decoding through a gap costs about fps × width × height × gap pixels; past this, a seek is cheaper (≈ 2 s of 1080p30). */
const SEEK_WORTH_PIXELS = 120e6;

/** Index of the frame displayed at absolute time `abs`: the last frame starting at or before it (first frame if none). */
export function displayedIndex(times: Float64Array, abs: number): FrameIndex {
  let lo = 0;
  let hi = times.length; // first index with times[i] > abs + EPS
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! > abs + EPS) hi = mid;
    else lo = mid + 1;
  }
  return frameIndex(Math.max(0, lo - 1));
}

/** How often decodes left packets out (frame-skip.ts), for benches and tests. */
export interface SkipStats {
  plans: number;
  seeks: number;
  fallbacks: number;
  packetsKept: number;
  packetsSpanned: number;
}

/** What decoding keeps between calls; the media service owns it (service.ts). */
export interface DecodeMemory {
  probe: ProbeMemory;
  fifos: FifoFactory;
  hwaccel: HwaccelDetector;
  env: NodeJS.ProcessEnv;
  skipStats: SkipStats;
  /** ffmpeg binaries whose demuxing process cannot run the drop filter. */
  skipUnsupported: Set<string>;
}

/** The requested times, their ascending order, and where the frames go. */
interface Request {
  file: string;
  times: readonly number[];
  /** Positions into `times`, ascending by time. */
  order: number[];
  sizeBytes: number;
}

/** Streams, for each time (seconds from the first frame), the RGB frame displayed then; times are yielded in ascending order. */
export async function* decodeFrames(
  mem: DecodeMemory,
  file: string,
  times: readonly number[],
  opts: FrameDecodeOptions = {},
): AsyncGenerator<DecodedFrame> {
  const bins = opts.bins ?? resolveFfmpeg(mem.env);
  const p = opts.probe ?? (await probeFile(mem.probe, file, { signal: opts.signal, bins }));
  if (times.length === 0) return;
  for (const t of times)
    if (!Number.isFinite(t) || t < 0)
      throw new AppError('INVALID_INPUT', `sample times must be finite and ≥ 0, got ${t}`);
  const order = times.map((_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b);
  const st = await statMediaFile(file);
  const req: Request = { file, times, order, sizeBytes: st.size };
  // A probe that read the whole file left its frame timeline: then no span needs a scan of its own.
  const known = wholeScanOf(mem.probe, p, st.size, st.mtimeMs);
  const size = opts.size && opts.size !== 'native' ? opts.size : null;
  if (size && (!(size.width >= 1) || !(size.height >= 1)))
    throw new AppError('INVALID_INPUT', 'size must be at least 1×1');
  const hw = opts.hwaccel === false ? null : await mem.hwaccel(bins.ffmpeg, mem.env);
  const ctx: GroupCtx = {
    bins,
    hw,
    seekTo: null,
    width: size ? Math.round(size.width) : p.width,
    height: size ? Math.round(size.height) : p.height,
    size,
    p,
    opts,
    skip: null,
    children: mem.probe.children,
    fifos: mem.fifos,
  };
  const spans = seekSpans(times, order, p, opts.seekWorthPixels ?? SEEK_WORTH_PIXELS);
  for (let s = 0; s < spans.length; s++) {
    const found = known
      ? { js: spans[s]!, scan: known, partial: false, coversRest: false }
      : await scanSpan(req, p, spans[s]!, spans.slice(s + 1), ctx);
    if (found.coversRest) s = spans.length;
    if (found.scan.times.length === 0) throw new AppError('UNREADABLE', `no complete video frame in ${file}`);
    yield* decodeSpan(mem, { ...req, js: found.js, scan: found.scan, partial: found.partial }, ctx);
  }
}

/**
 * Spans (positions into `order`) of times close enough that decoding through the gap is cheaper than a new seek;
 * far-apart times (e.g. 128 samples over 4 hours of 1080p) get a seek each instead of decoding the whole recording.
 */
function seekSpans(times: readonly number[], order: number[], p: ProbeResult, seekWorthPixels: number): number[][] {
  const spans: number[][] = [[0]];
  for (let j = 1; j < order.length; j++) {
    const gap = times[order[j]!]! - times[order[j - 1]!]!;
    if (gap * p.fps * p.width * p.height > seekWorthPixels) spans.push([j]);
    else spans[spans.length - 1]!.push(j);
  }
  return spans;
}

/**
 * The packet scan for one span: demux only the stretch needed, from a few seconds before a late first time. When
 * that cannot be used, one scan from the start over all remaining spans (`js` then holds all of them).
 */
async function scanSpan(
  req: Request,
  p: ProbeResult,
  js: number[],
  rest: number[][],
  ctx: GroupCtx,
): Promise<{ js: number[]; scan: PacketScan; partial: boolean; coversRest: boolean }> {
  const { times, order } = req;
  const scanBase = {
    streamIndex: p.streamIndex,
    timeBase: p.timeBase,
    sizeBytes: req.sizeBytes,
    signal: ctx.opts.signal,
    children: ctx.children,
  };
  const interval = (a: number | null, b: number) => `${a === null ? '' : a.toFixed(6)}%${(b + 5).toFixed(6)}`;
  const firstT = times[order[js[0]!]!]!;
  const lastT = times[order[js[js.length - 1]!]!]!;
  const fromAbs = p.startTime + firstT - 10;
  const partial = fromAbs > p.startTime;
  const scan = await scanPackets(ctx.bins.ffprobe, req.file, {
    ...scanBase,
    interval: interval(partial ? fromAbs : null, p.startTime + lastT),
  });
  if (!partial || (scan.times.length && scan.times[0]! <= p.startTime + firstT && scan.allPts))
    return { js, scan, partial, coversRest: false };
  // No usable seek (no pts, or the demuxer landed late): one pass from the start over all remaining times.
  const all = [...js, ...rest.flat()];
  const end = times[order[all[all.length - 1]!]!]!;
  const whole = await scanPackets(ctx.bins.ffprobe, req.file, {
    ...scanBase,
    interval: interval(null, p.startTime + end),
  });
  return { js: all, scan: whole, partial: false, coversRest: true };
}

/** One span of a request: the positions `js` into `order` it decodes, with one packet scan. */
interface Span extends Request {
  js: number[];
  scan: PacketScan;
  /** The scan starts late in the file: every group must seek. */
  partial: boolean;
}

/** Decodes the times of one span; one ffmpeg process per MAX_PER_PROCESS frames. */
async function* decodeSpan(mem: DecodeMemory, sp: Span, ctx: GroupCtx): AsyncGenerator<DecodedFrame> {
  // Index into scan.times of the frame displayed at each requested time.
  const want = sp.js.map((j) => displayedIndex(sp.scan.times, ctx.p.startTime + sp.times[sp.order[j]!]!));
  const distinct = [...new Set(want)];
  // Frame skipping (frame-skip.ts): software decoding of H.264 and HEVC in MP4/MOV and Matroska.
  const skipping =
    ctx.hw === null && !mem.skipUnsupported.has(ctx.bins.ffmpeg) && skipEligible(ctx.p, sp.scan, mem.fifos, mem.env);
  for (let g = 0; g < distinct.length; g += MAX_PER_PROCESS) {
    const cur = new GroupCursor(distinct.slice(g, g + MAX_PER_PROCESS), want, sp, ctx);
    if (skipping) yield* decodeSkipping(mem, sp, ctx, cur);
    if (!cur.done()) yield* decodePlain(sp, ctx, cur);
  }
}

/** The frames of one group (distinct indices into the scan's frames), handed out in order from position `gi` on. */
class GroupCursor {
  gi = 0;
  last: Uint8Array | null = null;

  constructor(
    public group: FrameIndex[],
    private readonly want: FrameIndex[],
    private readonly sp: Span,
    private readonly ctx: GroupCtx,
  ) {}

  done(): boolean {
    return this.gi === this.group.length;
  }

  /** Leaves only the frames not yet handed out (for a second pipeline to do). */
  dropHandedOut(): void {
    this.group = this.group.slice(this.gi);
    this.gi = 0;
  }

  /** The requested times that show frame `k`, as DecodedFrames (the first shares `rgb` unless `copy`). */
  framesOf(k: FrameIndex, rgb: Uint8Array, copy: boolean): DecodedFrame[] {
    const { sp, ctx } = this;
    const res: DecodedFrame[] = [];
    for (let q = 0; q < this.want.length; q++) {
      if (this.want[q] !== k) continue;
      const i = sp.order[sp.js[q]!]!;
      res.push({
        index: i,
        time: sp.times[i]!,
        width: ctx.width,
        height: ctx.height,
        rgb: copy || res.length > 0 ? rgb.slice() : rgb,
      });
    }
    return res;
  }

  /** Hands out the frames of one pipeline run, in the order of `group`, from position gi on. */
  async *emit(rgbs: AsyncIterable<Uint8Array>): AsyncGenerator<DecodedFrame> {
    for await (const rgb of rgbs) {
      this.last = rgb;
      for (const f of this.framesOf(this.group[this.gi++]!, rgb, false)) {
        throwIfCancelled(this.ctx.opts.signal);
        yield f;
      }
    }
  }
}

/** Decodes through a skipping pipeline when there is a plan; a failure or early end leaves the rest in `cur`. */
async function* decodeSkipping(
  mem: DecodeMemory,
  sp: Span,
  ctx: GroupCtx,
  cur: GroupCursor,
): AsyncGenerator<DecodedFrame> {
  const plan = await planSkip(sp.file, ctx.p, sp.scan, cur.group);
  if (!plan) return;
  const stats = mem.skipStats;
  stats.plans++;
  if (plan.seekTo !== null) stats.seeks++;
  stats.packetsKept += plan.kept;
  stats.packetsSpanned += plan.span;
  try {
    yield* cur.emit(decodeGroup(sp.file, plan.rel, { ...ctx, seekTo: null, skip: plan }));
  } catch (e) {
    if (!(e instanceof SkipFailed)) throw e;
    // A build without the noise bitstream filter fails every time: stop trying with it.
    if (/noise|bitstream filter|bsf/i.test(e.message)) mem.skipUnsupported.add(ctx.bins.ffmpeg);
  }
  if (cur.done()) return;
  // The skipping pipeline ended early (a damaged stretch, an undecodable tail): the plain decode, which knows how
  // to treat those, does the rest of this group.
  stats.fallbacks++;
  cur.dropHandedOut();
}

/** Decodes the rest of `cur` with one plain ffmpeg; times past an undecodable tail get the last decoded frame. */
async function* decodePlain(sp: Span, ctx: GroupCtx, cur: GroupCursor): AsyncGenerator<DecodedFrame> {
  const { p } = ctx;
  const { scan } = sp;
  // Seek (ffmpeg's accurate seek drops frames before -ss) only when frame times come from real pts, so the trim
  // point and our timeline agree; AVI-style dts-only streams are decoded from the start.
  const k0 = cur.group[0]!;
  const canSeek = scan.allPts && k0 > 0 && scan.times[k0]! - p.startTime > 5;
  if (sp.partial && !canSeek) throw new AppError('INTERNAL', 'partial packet scan without a seek point');
  const base = canSeek ? k0 : 0;
  const seekTo = canSeek ? scan.times[k0]! - (scan.times[k0]! - scan.times[k0 - 1]!) / 2 - p.formatStartTime : null;
  const rel = cur.group.map((k) => k - base);
  yield* cur.emit(decodeGroup(sp.file, rel, { ...ctx, seekTo, skip: null }));
  // ffmpeg ended before every picked frame came out (undecodable tail): the remaining times get the last decoded
  // frame, as the reference clamps indices to the decodable frames.
  if (cur.done()) return;
  // A file that vanished or changed while ffmpeg read it is an error, not a short video.
  if ((await statMedia(sp.file)) !== sp.sizeBytes)
    throw new AppError('UNREADABLE', `${sp.file} changed while it was being read`);
  if (!cur.last)
    throw new AppError(
      'FFMPEG_FAILED',
      `ffmpeg decoded no frame of ${sp.file} near ${sp.times[sp.order[sp.js[0]!]!]} s`,
    );
  for (; cur.gi < cur.group.length; cur.gi++) yield* cur.framesOf(cur.group[cur.gi]!, cur.last, true);
}

/** The RGB buffers of frames `rel` from one pipeline run (see FfmpegPipeline), torn down however the run ends. */
async function* decodeGroup(file: string, rel: number[], c: GroupCtx): AsyncGenerator<Uint8Array> {
  const pipeline = await FfmpegPipeline.start(file, rel, c);
  try {
    yield* pipeline.frames();
    await pipeline.finish();
  } finally {
    await pipeline.close();
  }
}
