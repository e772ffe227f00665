// One decode run as an object: the decoding ffmpeg (and, with a skip plan, the demuxing ffmpeg that feeds it through
// a named pipe), the stall timer that kills a silent run, the frames it pipes back, and the teardown of all of them.
import { closeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { AppError, throwIfCancelled } from '../../api/errors.js';
import type { FfmpegBinaries } from './ffmpeg-resolve.js';
import { fdFrames, streamFrames, type FifoEnds, type FifoFactory } from './frame-pipe.js';
import type { SkipPlan } from './frame-skip.js';
import { statMedia, type ProbeResult } from './probe.js';
import { disposedError, spawnTracked, waitExit, type ChildTracker } from './process.js';

/**
 * Software decode threads (frame threading; the output is bit-identical for any count). ffmpeg's own default is
 * cores + 1; more frames in flight keep the decoder busy while ffmpeg's main thread waits for us to drain the 64 KB
 * pipe, which it does ≈ 95 times per 1080p RGB frame (measured on 2 cores: 3.50 s vs 4.02 s best of 4, raw decode
 * 3.09 s and not faster with more threads). Frames above 4K keep the default (each thread holds frames in memory).
 */
export const DECODE_THREADS = Math.min(16, Math.max(availableParallelism() + 1, 10));

/** Everything one pipeline run needs besides the file and the frame indices. */
export interface GroupCtx {
  bins: FfmpegBinaries;
  hw: string | null;
  seekTo: number | null;
  width: number;
  height: number;
  size: { width: number; height: number } | null;
  p: ProbeResult;
  opts: { signal?: AbortSignal; stallMs?: number };
  /** Decode through a demuxing process that leaves out the packets the plan drops (seekTo is then unused). */
  skip: SkipPlan | null;
  children: ChildTracker;
  fifos: FifoFactory;
}

/** The skipping pipeline failed; the caller decodes the rest plainly. */
export class SkipFailed extends Error {}

type Spawned = ReturnType<typeof spawnTracked>;

/** A select-filter expression true exactly for the sorted indices `idx` (a binary decision tree on n). */
function selectExpr(idx: number[], lo = 0, hi = idx.length - 1): string {
  if (lo === hi) return `eq(n,${idx[lo]})`;
  const mid = (lo + hi + 1) >> 1;
  return `if(lt(n,${idx[mid]}),${selectExpr(idx, lo, mid - 1)},${selectExpr(idx, mid, hi)})`;
}

/** The decoding ffmpeg's arguments: keep frames `rel`, rotate and scale only those, pipe them as RGB24. */
function decoderArgs(file: string, rel: number[], c: GroupCtx): string[] {
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
  return args;
}

/** The demuxing ffmpeg's arguments: stream-copy the video into NUT, dropping the plan's packets by byte position. */
function demuxArgs(file: string, c: GroupCtx, skip: SkipPlan): string[] {
  const demux = ['-hide_banner', '-nostdin', '-v', 'error'];
  if (skip.seekTo !== null) demux.push('-ss', skip.seekTo.toFixed(6));
  demux.push(
    '-i',
    file,
    '-map',
    `0:${c.p.streamIndex}`,
    '-c:v',
    'copy',
    '-bsf:v',
    `noise=drop=${skip.dropExpr}`,
    '-f',
    'nut',
    'pipe:1',
  );
  return demux;
}

/** Collects up to 16 KiB of a child's stderr. */
function stderrOf(child: Spawned['child']): { text: string } {
  const acc = { text: '' };
  child.stderr!.on('data', (b: Buffer) => {
    if (acc.text.length < 16384) acc.text += b.toString('utf8');
  });
  return acc;
}

/**
 * One ffmpeg process (two with a skip plan: demuxer and decoder) yielding the RGB buffers of frames with presentation
 * indices `rel` (relative to the seek point, or among the plan's kept frames). Use: start → frames → finish, and
 * close in a finally.
 */
export class FfmpegPipeline {
  private stalled = false;
  private spawnErr: NodeJS.ErrnoException | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly stderr: { text: string };
  private readonly stallMs: number;
  private readonly rgbs: AsyncGenerator<Uint8Array>;

  private constructor(
    private readonly file: string,
    private readonly c: GroupCtx,
    private readonly decoder: Spawned,
    private readonly upstream: Spawned | null,
    private readonly upstreamErr: { text: string } | null,
    fifo: FifoEnds | null,
  ) {
    this.stderr = stderrOf(decoder.child);
    decoder.child.once('error', (e) => {
      this.spawnErr = e;
    });
    this.stallMs = c.opts.stallMs ?? 60_000;
    this.armStallTimer();
    const frameBytes = c.width * c.height * 3;
    const pet = () => this.armStallTimer();
    this.rgbs = fifo ? fdFrames(fifo.readFd, frameBytes, pet) : streamFrames(decoder.child.stdout!, frameBytes, pet);
  }

  /** Spawns the process(es); a failure to spawn closes every pipe end opened so far. */
  static async start(file: string, rel: number[], c: GroupCtx): Promise<FfmpegPipeline> {
    const { upstream, link, upstreamErr } = c.skip
      ? await FfmpegPipeline.startDemuxer(file, c, c.skip)
      : { upstream: null, link: null, upstreamErr: null };
    const fifo = await c.fifos.open();
    let decoder: Spawned;
    try {
      decoder = spawnTracked(
        c.bins.ffmpeg,
        decoderArgs(file, rel, c),
        c.opts.signal,
        link ? link.readFd : 'ignore',
        fifo ? fifo.writeFd : 'pipe',
        c.children,
      );
    } catch (e) {
      if (fifo) closeSync(fifo.readFd);
      upstream?.dispose();
      throw e;
    } finally {
      if (fifo) closeSync(fifo.writeFd); // ffmpeg holds the write end now; its exit is our end of file
      if (link) closeSync(link.readFd); // the decoding ffmpeg holds it now
    }
    return new FfmpegPipeline(file, c, decoder, upstream, upstreamErr, fifo);
  }

  /**
   * The demuxing process, writing into a pipe this process never reads from (a child's stdout stream would be read
   * by us too, racing the decoder for the data); the pipe's read end is for the decoder.
   */
  private static async startDemuxer(
    file: string,
    c: GroupCtx,
    skip: SkipPlan,
  ): Promise<{ upstream: Spawned; link: FifoEnds; upstreamErr: { text: string } }> {
    const link = await c.fifos.open(true);
    if (!link) throw new SkipFailed('no pipe between the demuxing and the decoding process');
    try {
      const upstream = spawnTracked(
        c.bins.ffmpeg,
        demuxArgs(file, c, skip),
        c.opts.signal,
        'ignore',
        link.writeFd,
        c.children,
      );
      const upstreamErr = stderrOf(upstream.child);
      upstream.child.once('error', () => {});
      return { upstream, link, upstreamErr };
    } catch (e) {
      closeSync(link.readFd);
      throw e;
    } finally {
      closeSync(link.writeFd);
    }
  }

  /** (Re)starts the stall clock: ffmpeg is killed if it sends nothing for stallMs. */
  private armStallTimer(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.stalled = true;
      this.decoder.dispose();
    }, this.stallMs);
  }

  /** The frames as they arrive; the stall clock does not run while the consumer holds one. */
  async *frames(): AsyncGenerator<Uint8Array> {
    for await (const frame of this.rgbs) {
      clearTimeout(this.timer); // the consumer may take its time; the stall clock restarts after it
      // Frames already read are not handed out once the caller has aborted.
      throwIfCancelled(this.c.opts.signal);
      yield frame;
      this.armStallTimer();
    }
  }

  /** After the last frame: how the run ended, as an error when it failed (SkipFailed for a skipping run). */
  async finish(): Promise<void> {
    const code = await waitExit(this.decoder.child);
    throwIfCancelled(this.c.opts.signal);
    if (this.c.children.closed) throw disposedError();
    if (this.spawnErr)
      throw new AppError('FFMPEG_MISSING', `cannot run ${this.c.bins.ffmpeg}: ${(this.spawnErr as Error).message}`);
    if (this.stalled)
      throw new AppError(
        'DECODE_STALLED',
        `ffmpeg sent nothing for ${this.stallMs} ms while decoding ${this.file} and was killed`,
      );
    if (this.upstream) {
      // The decoder stops after the last kept frame, so the demuxer may die of the closed pipe: only the decoder's
      // failure counts, and it sends the caller to the plain decode.
      if (code !== 0) throw new SkipFailed(`${this.stderr.text.trim()} ${this.upstreamErr?.text.trim() ?? ''}`);
      return;
    }
    if (code !== 0) {
      await statMedia(this.file); // vanished → NOT_FOUND
      throw new AppError(
        'FFMPEG_FAILED',
        `ffmpeg failed decoding ${this.file}: ${this.stderr.text.trim().split('\n').slice(-2).join(' ')}`,
      );
    }
  }

  /** Kills both processes, closes the pipe's read end and waits for them to exit. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.decoder.dispose();
    this.upstream?.dispose();
    await this.rgbs.return(undefined); // closes the pipe's read end
    await waitExit(this.decoder.child);
    if (this.upstream) await waitExit(this.upstream.child);
  }
}
