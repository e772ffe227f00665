// Generated media fixtures for tests and benches: clips made with ffmpeg lavfi into tests/.tmp/media, cached by name.
// Index clips draw each frame's own number as a 4×4 grid of black/white blocks (bit b at row b>>2, column b&3).
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const MEDIA_TMP = resolve('tests/.tmp/media');

/** lavfi geq luma expression: frame number N as 16 bits in a 4×4 block grid. */
export const INDEX_PATTERN = "geq=lum='255*mod(floor(N/pow(2,floor(X*4/W)+4*floor(Y*4/H))),2)':cb=128:cr=128";

function ffmpeg(args: string[]): void {
  execFileSync(process.env.FFMPEG_BIN ?? 'ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** Makes `name` once with `make(tmpPath)` and returns its cached path (written to a temp name, then renamed). */
export function cached(name: string, make: (out: string) => void): string {
  const out = join(MEDIA_TMP, name);
  if (existsSync(out)) return out;
  mkdirSync(MEDIA_TMP, { recursive: true });
  const dot = name.lastIndexOf('.');
  const tmp = join(
    MEDIA_TMP,
    `${name.slice(0, dot)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}${name.slice(dot)}`,
  );
  try {
    make(tmp);
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
  }
  return out;
}

export interface IndexClipSpec {
  /** Seconds of video. */
  duration: number;
  fps: number;
  width?: number;
  height?: number;
  /** Container extension: mp4 (default), mkv. */
  ext?: 'mp4' | 'mkv';
  /** Filters before the index pattern (e.g. a select that drops frames irregularly, for VFR). */
  pre?: string;
  /** Extra filters after the index pattern. */
  vf?: string;
  /** Output options (e.g. -output_ts_offset 2.5). */
  out?: string[];
  /** B-frames (default 2). */
  bframes?: number;
  audio?: boolean;
}

/** An H.264 clip whose frame n shows n as a block pattern; lossless so the pattern decodes exactly. */
export function indexClip(name: string, s: IndexClipSpec): string {
  const w = s.width ?? 64;
  const h = s.height ?? 48;
  return cached(`${name}.${s.ext ?? 'mp4'}`, (out) => {
    const vf = [...(s.pre ? [s.pre] : []), INDEX_PATTERN, 'format=yuv420p', ...(s.vf ? [s.vf] : [])].join(',');
    const audio = s.audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${s.duration}`] : [];
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `color=c=black:s=${w}x${h}:r=${s.fps}:d=${s.duration}`,
      ...audio,
      '-vf',
      vf,
      '-fps_mode',
      'passthrough',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-qp',
      '0',
      '-bf',
      String(s.bframes ?? 2),
      ...(s.audio ? ['-c:a', 'aac', '-shortest'] : []),
      ...(s.out ?? []),
      out,
    ]);
  });
}

/** Reads the frame number back from an RGB frame drawn with INDEX_PATTERN. */
export function readIndex(rgb: Uint8Array, width: number, height: number): number {
  let n = 0;
  for (let b = 0; b < 16; b++) {
    const x = Math.floor(((b & 3) + 0.5) * (width / 4));
    const y = Math.floor(((b >> 2) + 0.5) * (height / 4));
    if (rgb[(y * width + x) * 3]! > 127) n |= 1 << b;
  }
  return n;
}

/** Rotates an RGB image 90° counter-clockwise (undoes a 90° clockwise display rotation). */
export function rotateCcw(
  rgb: Uint8Array,
  width: number,
  height: number,
): { rgb: Uint8Array; width: number; height: number } {
  const out = new Uint8Array(rgb.length);
  // Source (x, y) in a w×h image goes to (y, w-1-x) in the h×w result.
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const si = (y * width + x) * 3;
      const di = ((width - 1 - x) * height + y) * 3;
      out[di] = rgb[si]!;
      out[di + 1] = rgb[si + 1]!;
      out[di + 2] = rgb[si + 2]!;
    }
  return { rgb: out, width: height, height: width };
}

/** A copy of `src` with display rotation metadata (clockwise degrees). */
export function rotatedCopy(name: string, src: string, degrees: number): string {
  return cached(name, (out) => ffmpeg(['-i', src, '-c', 'copy', '-metadata:s:v:0', `rotate=${degrees}`, out]));
}

/** Truncates a copy of `src` to `fraction` of its size. */
export function truncatedCopy(name: string, src: string, fraction: number): string {
  return cached(name, (out) => {
    writeFileSync(out, readFileSync(src));
    truncateSync(out, Math.floor(statSync(src).size * fraction));
  });
}

/** A copy of an MP4 cut just before its top-level moov box (as when a recording is interrupted). */
export function moovlessCopy(name: string, src: string): string {
  return cached(name, (out) => {
    const buf = readFileSync(src);
    let off = 0;
    let cut = -1;
    while (off + 8 <= buf.length) {
      const size = buf.readUInt32BE(off);
      const type = buf.toString('latin1', off + 4, off + 8);
      if (type === 'moov') cut = off;
      if (size < 8) break;
      off += size;
    }
    if (cut < 0) throw new Error(`no moov box in ${src}`);
    // Keep what precedes moov; when moov is at the front (faststart), drop it and keep the rest.
    writeFileSync(
      out,
      cut > 0 && buf.readUInt32BE(cut) + cut >= buf.length
        ? buf.subarray(0, cut)
        : Buffer.concat([buf.subarray(0, cut), buf.subarray(cut + buf.readUInt32BE(cut))]),
    );
  });
}

/** A copy of `src` with the last occurrence of the 4-byte code `from` replaced by `to` (e.g. a codec fourcc). */
export function fourccCopy(name: string, src: string, from: string, to: string): string {
  return cached(name, (out) => {
    const buf = Buffer.from(readFileSync(src));
    const i = buf.lastIndexOf(Buffer.from(from, 'latin1'));
    if (i < 0) throw new Error(`${from} not found in ${src}`);
    buf.write(to, i, 'latin1');
    writeFileSync(out, buf);
  });
}

/** Runs ffmpeg with arbitrary arguments into a cached output. */
export function ffmpegClip(name: string, args: (out: string) => string[]): string {
  return cached(name, (out) => ffmpeg(args(out)));
}

/** A still image (format by the name's extension) of the first frame of a lavfi source, e.g. `testsrc=size=64x48`. */
export function lavfiStill(name: string, source: string, extra: string[] = []): string {
  return ffmpegClip(name, (out) => ['-f', 'lavfi', '-i', source, '-frames:v', '1', ...extra, out]);
}

/** An H.264 yuv420p clip: the first `seconds` of a lavfi source (`testsrc=size=64x48:rate=5`), then `extra` options. */
export function lavfiClip(name: string, source: string, seconds: number, extra: string[] = []): string {
  const input = ['-f', 'lavfi', '-i', source, '-t', String(seconds)];
  return ffmpegClip(name, (out) => [...input, '-pix_fmt', 'yuv420p', '-c:v', 'libx264', ...extra, out]);
}

/** A lavfi testsrc2 clip of `size` (e.g. '160x120') encoded as yuv420p with `codec` at `preset`, then the options `x`. */
export function testsrcClip(
  name: string,
  s: { size: string; fps: number; seconds: number; codec?: 'libx264' | 'libx265'; preset: string; x?: string[] },
): string {
  const input = ['-f', 'lavfi', '-i', `testsrc2=s=${s.size}:r=${s.fps}:d=${s.seconds}`];
  const video = ['-c:v', s.codec ?? 'libx264', '-preset', s.preset, '-pix_fmt', 'yuv420p'];
  return ffmpegClip(name, (out) => [...input, ...video, ...(s.x ?? []), out]);
}

/** sampleClip for tests that cannot run without the sample: a missing one fails them, with where it was looked for. */
export function requiredSample(file: string): string {
  const p = sampleClip(file);
  if (!p)
    throw new Error(
      `shared/samples/${file} was not found in or beside the repository (or up to 5 levels above ${resolve('.')})`,
    );
  return p;
}

/** The shared sample clip, found beside the repository (../shared/samples) or in an ancestor's shared/samples. */
export function sampleClip(file: string): string | null {
  let dir = resolve('.');
  for (let i = 0; i < 6; i++) {
    for (const c of [join(dir, 'shared', 'samples', file), join(dir, '..', 'shared', 'samples', file)])
      if (existsSync(c)) return c;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}
