// The media service: probe, decode and thumbnail calls together with everything the media layer keeps between them
// (decoder lists, probe results, whole-file scans, the hwaccel answer, frame-skip counters, live ffmpeg children).
// The core context creates one and disposes it; nothing in media/ keeps state at module level.
import {
  decodeFrames,
  type DecodeMemory,
  type DecodedFrame,
  type FrameDecodeOptions,
  type SkipStats,
} from './decode.js';
import { resolveFfmpeg, type FfmpegBinaries } from './ffmpeg-resolve.js';
import { createFifoFactory } from './frame-pipe.js';
import { createHwaccelDetector } from './hwaccel.js';
import type { PacketScan } from './packets.js';
import {
  createProbeMemory,
  probe,
  probeCached,
  probeStrict,
  wholeScanOf,
  type ProbeOptions,
  type ProbeResult,
} from './probe.js';
import { createChildTracker, disposedError, runCollect, type ChildTracker, type RunResult } from './process.js';
import { thumbnail, type ThumbnailOptions } from './thumbnail.js';

export interface MediaServiceOptions {
  /** Where MOLMOSCOPE_* switches and the ffmpeg location are read (read at each call; default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** The media layer's operations that keep state between calls. Pure helpers (sampling, windows) are plain functions. */
export interface MediaService {
  /** The ffmpeg/ffprobe pair this service runs unless a call passes its own. */
  bins(): FfmpegBinaries;
  /** Probes a video file; a truncated file is a result with `truncated: true` and its decodable duration. */
  probe(file: string, opts?: ProbeOptions): Promise<ProbeResult>;
  /** probe() remembered per file identity (path, inode, size, mtime), for jobs that sample many windows of one file. */
  probeCached(file: string, opts?: ProbeOptions): Promise<ProbeResult>;
  /** Like probe, but a truncated file is the TRUNCATED error. */
  probeStrict(file: string, opts?: ProbeOptions): Promise<ProbeResult>;
  /** For each time (seconds from the first frame), the RGB frame displayed then, in ascending time order. */
  decodeFrames(file: string, times: readonly number[], opts?: FrameDecodeOptions): AsyncGenerator<DecodedFrame>;
  /** A JPEG/WebP still of the frame at `time`, for the UI. */
  thumbnail(file: string, time: number, opts?: ThumbnailOptions): Promise<Buffer>;
  /** Runs an ffmpeg/ffprobe child to completion (tracked; killed on timeout, abort or dispose). */
  run(
    bin: string,
    args: string[],
    opts?: { signal?: AbortSignal; timeoutMs?: number; maxStdout?: number },
  ): Promise<RunResult>;
  /** 'cuda' when ffmpeg can decode on an NVIDIA GPU here, else null (remembered per binary). */
  detectHwaccel(ffmpeg?: string): Promise<string | null>;
  /** The whole-file packet scan a probe of this service made for `p`, if the file still has that size and mtime. */
  wholeScanOf(p: ProbeResult, sizeBytes: number, mtimeMs: number): PacketScan | null;
  /** How often decodes left packets out (frame-skip.ts); counters only grow. */
  readonly skipStats: Readonly<SkipStats>;
  /** PIDs of the ffmpeg/ffprobe children this service started that are still running. */
  liveChildPids(): number[];
  /** Kills the children still running and forgets every cache; calls in flight and later ones end with CANCELLED. */
  dispose(): void;
}

/** A fresh media service with empty caches. */
export function createMediaService(opts: MediaServiceOptions = {}): MediaService {
  const env = opts.env ?? process.env;
  const children = createChildTracker();
  let mem: DecodeMemory | null = freshMemory(env, children);
  let resolved: FfmpegBinaries | null = null;
  const live = (): DecodeMemory => {
    if (!mem) throw disposedError();
    return mem;
  };
  const bins = () => (resolved ??= resolveFfmpeg(env));
  const withBins = <T extends { bins?: FfmpegBinaries }>(o: T = {} as T): T => ({ ...o, bins: o.bins ?? bins() });
  const skipStats = live().skipStats;
  return {
    bins,
    probe: async (file, o) => probe(live().probe, file, withBins(o)),
    probeCached: async (file, o) => probeCached(live().probe, file, withBins(o)),
    probeStrict: async (file, o) => probeStrict(live().probe, file, withBins(o)),
    async *decodeFrames(file, times, o) {
      yield* decodeFrames(live(), file, times, withBins(o));
    },
    thumbnail: async (file, time, o) => thumbnail(live().probe, file, time, withBins(o)),
    run: (bin, args, o = {}) => runCollect(bin, args, { ...o, children }),
    detectHwaccel: async (ffmpeg) => live().hwaccel(ffmpeg ?? bins().ffmpeg, env),
    wholeScanOf: (p, sizeBytes, mtimeMs) => wholeScanOf(live().probe, p, sizeBytes, mtimeMs),
    skipStats,
    liveChildPids: () => children.pids(),
    dispose() {
      mem = null;
      children.close();
    },
  };
}

function freshMemory(env: NodeJS.ProcessEnv, children: ChildTracker): DecodeMemory {
  return {
    probe: createProbeMemory(children),
    fifos: createFifoFactory(env),
    hwaccel: createHwaccelDetector(children),
    env,
    skipStats: { plans: 0, seeks: 0, fallbacks: 0, packetsKept: 0, packetsSpanned: 0 },
    skipUnsupported: new Set(),
  };
}
