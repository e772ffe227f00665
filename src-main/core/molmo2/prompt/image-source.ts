// Decodes a still image to RGB24 with ffmpeg: transparency composited on white (transformers' convert_to_rgb),
// JPEG EXIF orientation applied (all eight cases) — points must refer to the image the model saw.
// The pixel loops index in bounds by their loop bounds (the caller checks the decoder output's length): plain `!`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AppError, cancelledError } from '../../../api/errors.js';
import { resolveFfmpeg } from '../../media/ffmpeg-resolve.js';
import type { RgbImage } from '../preprocess/resize.js';

function run(bin: string, args: string[], signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const kill = () => p.kill('SIGKILL');
    const timer = setTimeout(kill, 30_000);
    signal?.addEventListener('abort', kill, { once: true });
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => {
      if (err.length < 4000) err += d.toString();
    });
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(new AppError('FFMPEG_FAILED', e.message));
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      if (signal?.aborted) return reject(cancelledError());
      if (code !== 0)
        return reject(
          new AppError('UNREADABLE', `cannot decode image: ${err.trim().split('\n').slice(-1)[0] ?? code}`),
        );
      resolve(Buffer.concat(out));
    });
  });
}

/** The EXIF orientation (1–8) of a JPEG file, or 1. */
export function jpegOrientation(buf: Uint8Array): number {
  // A byte past the end of the (possibly cut) file reads as 0, as the bit operations below always treated it:
  // the IFD entry loop stops at the end, and a zero count or tag means "no orientation".
  const byte = (o: number) => buf[o] ?? 0;
  if (buf[0] !== 0xff || buf[1] !== 0xd8) return 1;
  let i = 2;
  while (i + 4 < buf.length && buf[i] === 0xff) {
    const marker = buf[i + 1];
    const len = (byte(i + 2) << 8) | byte(i + 3);
    if (marker === 0xe1 && buf[i + 4] === 0x45 && buf[i + 5] === 0x78 && buf[i + 6] === 0x69 && buf[i + 7] === 0x66) {
      const t = i + 10;
      const le = buf[t] === 0x49;
      const u16 = (o: number) => (le ? byte(t + o) | (byte(t + o + 1) << 8) : (byte(t + o) << 8) | byte(t + o + 1));
      const u32 = (o: number) => (le ? u16(o) + u16(o + 2) * 65536 : u16(o) * 65536 + u16(o + 2));
      const ifd = u32(4);
      const n = u16(ifd);
      for (let k = 0; k < n; k++) {
        const e = ifd + 2 + k * 12;
        if (t + e + 10 > buf.length) break;
        if (u16(e) === 0x0112) {
          const v = u16(e + 8);
          return v >= 1 && v <= 8 ? v : 1;
        }
      }
      return 1;
    }
    if (marker === 0xda) break;
    i += 2 + len;
  }
  return 1;
}

/** Applies an EXIF orientation (1–8) to an RGB image. */
export function applyOrientation(img: RgbImage, o: number): RgbImage {
  if (o === 1) return img;
  const { width: W, height: H, rgb } = img;
  const swap = o >= 5;
  const w = swap ? H : W,
    h = swap ? W : H;
  const out = new Uint8Array(rgb.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // (sx, sy): the source pixel that lands at (x, y) after the transform.
      let sx: number, sy: number;
      switch (o) {
        case 2:
          sx = W - 1 - x;
          sy = y;
          break;
        case 3:
          sx = W - 1 - x;
          sy = H - 1 - y;
          break;
        case 4:
          sx = x;
          sy = H - 1 - y;
          break;
        case 5:
          sx = y;
          sy = x;
          break;
        case 6:
          sx = y;
          sy = H - 1 - x;
          break;
        case 7:
          sx = W - 1 - y;
          sy = H - 1 - x;
          break;
        default:
          sx = W - 1 - y;
          sy = x;
          break; // 8
      }
      const s = (sy * W + sx) * 3,
        d = (y * w + x) * 3;
      out[d] = rgb[s]!;
      out[d + 1] = rgb[s + 1]!;
      out[d + 2] = rgb[s + 2]!;
    }
  }
  return { width: w, height: h, rgb: out };
}

/**
 * Composites RGBA onto opaque white, as transformers' convert_to_rgb does through PIL's alpha_composite
 * (fixed-point with 7 extra bits; with a white opaque background coef1 reduces to alpha·128).
 */
export function compositeOnWhite(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const n = width * height;
  const out = new Uint8Array(n * 3);
  const div255 = (a: number) => ((a >>> 8) + a) >>> 8;
  for (let i = 0; i < n; i++) {
    const a = rgba[i * 4 + 3]!;
    for (let c = 0; c < 3; c++) {
      if (a === 0) {
        out[i * 3 + c] = 255;
        continue;
      }
      const coef1 = a * 128,
        coef2 = 255 * 128 - coef1;
      const tmp = rgba[i * 4 + c]! * coef1 + 255 * coef2;
      out[i * 3 + c] = div255(tmp + (0x80 << 7)) >>> 7;
    }
  }
  return out;
}

function pixFmt(ffprobe: string, file: string, signal?: AbortSignal): Promise<string> {
  return run(
    ffprobe,
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=pix_fmt', '-of', 'csv=p=0', file],
    signal,
  ).then((b) => b.toString().trim());
}

/** Pixel formats that can carry transparency (alpha channel or palette). */
function hasAlpha(fmt: string): boolean {
  return /^(pal8|ya|rgba|bgra|argb|abgr|gbrap|yuva)/.test(fmt);
}

/** Decodes an image file (any format ffmpeg reads) to RGB24 at native size, orientation applied. */
export async function loadImageRgb(file: string, signal?: AbortSignal): Promise<RgbImage> {
  const { ffmpeg, ffprobe } = resolveFfmpeg();
  let orient = 1;
  try {
    orient = jpegOrientation(readFileSync(file).subarray(0, 256 * 1024));
  } catch {
    /* unreadable here: ffmpeg reports it below */
  }
  let alpha = false;
  try {
    alpha = hasAlpha(await pixFmt(ffprobe, file, signal));
  } catch (e) {
    if (e instanceof AppError && e.code === 'CANCELLED') throw e;
  }
  // Recent ffmpeg builds turn JPEG EXIF orientation into a display matrix and autorotate, but not every flip
  // variant; with an EXIF orientation we decode the stored pixels and apply all eight cases ourselves.
  const pre = orient !== 1 ? ['-noautorotate'] : [];
  const codec = alpha ? ['-c:v', 'pam', '-pix_fmt', 'rgba'] : ['-c:v', 'ppm', '-pix_fmt', 'rgb24'];
  const out = await run(
    ffmpeg,
    ['-v', 'error', ...pre, '-i', file, '-frames:v', '1', '-f', 'image2pipe', ...codec, '-'],
    signal,
  );
  const headText = out.subarray(0, 128).toString('latin1');
  let width: number, height: number, start: number;
  if (alpha) {
    const m = /^P7\nWIDTH (\d+)\nHEIGHT (\d+)\nDEPTH 4\nMAXVAL 255\n(?:TUPLTYPE \S+\n)?ENDHDR\n/.exec(headText);
    if (!m) throw new AppError('UNREADABLE', `${file}: unexpected decoder output`);
    [width, height, start] = [Number(m[1]), Number(m[2]), m[0].length];
  } else {
    const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(headText);
    if (!m) throw new AppError('UNREADABLE', `${file}: unexpected decoder output`);
    [width, height, start] = [Number(m[1]), Number(m[2]), m[0].length];
  }
  const bpp = alpha ? 4 : 3;
  if (out.length < start + width * height * bpp) throw new AppError('TRUNCATED', `${file}: decoder output is short`);
  const px = new Uint8Array(out.buffer, out.byteOffset + start, width * height * bpp);
  const rgb = alpha ? compositeOnWhite(px, width, height) : px.slice();
  return applyOrientation({ width, height, rgb }, orient);
}
