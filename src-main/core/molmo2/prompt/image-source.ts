// Decodes a still image file to RGB24 with ffmpeg (alpha dropped, like PIL convert("RGB")) and applies JPEG EXIF
// orientation (all eight cases) — points must refer to the image the model saw.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AppError } from '../../../api/errors.js';
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
    p.stderr.on('data', (d: Buffer) => { if (err.length < 4000) err += d.toString(); });
    p.on('error', (e) => { clearTimeout(timer); reject(new AppError('FFMPEG_FAILED', e.message)); });
    p.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      if (signal?.aborted) return reject(new AppError('CANCELLED', 'cancelled'));
      if (code !== 0) return reject(new AppError('UNREADABLE', `cannot decode image: ${err.trim().split('\n').slice(-1)[0] ?? code}`));
      resolve(Buffer.concat(out));
    });
  });
}

/** The EXIF orientation (1–8) of a JPEG file, or 1. */
export function jpegOrientation(buf: Uint8Array): number {
  if (buf[0] !== 0xff || buf[1] !== 0xd8) return 1;
  let i = 2;
  while (i + 4 < buf.length && buf[i] === 0xff) {
    const marker = buf[i + 1];
    const len = (buf[i + 2] << 8) | buf[i + 3];
    if (marker === 0xe1 && buf[i + 4] === 0x45 && buf[i + 5] === 0x78 && buf[i + 6] === 0x69 && buf[i + 7] === 0x66) {
      const t = i + 10;
      const le = buf[t] === 0x49;
      const u16 = (o: number) => (le ? buf[t + o] | (buf[t + o + 1] << 8) : (buf[t + o] << 8) | buf[t + o + 1]);
      const u32 = (o: number) => (le ? u16(o) + u16(o + 2) * 65536 : u16(o) * 65536 + u16(o + 2));
      const ifd = u32(4);
      const n = u16(ifd);
      for (let k = 0; k < n; k++) {
        const e = ifd + 2 + k * 12;
        if (t + e + 10 > buf.length) break;
        if (u16(e) === 0x0112) { const v = u16(e + 8); return v >= 1 && v <= 8 ? v : 1; }
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
  const w = swap ? H : W, h = swap ? W : H;
  const out = new Uint8Array(rgb.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // (sx, sy): the source pixel that lands at (x, y) after the transform.
      let sx: number, sy: number;
      switch (o) {
        case 2: sx = W - 1 - x; sy = y; break;
        case 3: sx = W - 1 - x; sy = H - 1 - y; break;
        case 4: sx = x; sy = H - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = H - 1 - x; break;
        case 7: sx = W - 1 - y; sy = H - 1 - x; break;
        default: sx = W - 1 - y; sy = x; break; // 8
      }
      const s = (sy * W + sx) * 3, d = (y * w + x) * 3;
      out[d] = rgb[s]; out[d + 1] = rgb[s + 1]; out[d + 2] = rgb[s + 2];
    }
  }
  return { width: w, height: h, rgb: out };
}

/** Decodes an image file (any format ffmpeg reads) to RGB24 at native size, orientation applied. */
export async function loadImageRgb(file: string, signal?: AbortSignal): Promise<RgbImage> {
  const { ffmpeg } = resolveFfmpeg();
  let orient = 1;
  try { orient = jpegOrientation(readFileSync(file).subarray(0, 256 * 1024)); } catch { /* unreadable here: ffmpeg reports it below */ }
  // Recent ffmpeg builds turn JPEG EXIF orientation into a display matrix and autorotate, but not every flip
  // variant; with an EXIF orientation we decode the stored pixels and apply all eight cases ourselves.
  const pre = orient !== 1 ? ['-noautorotate'] : [];
  const ppm = await run(ffmpeg, ['-v', 'error', ...pre, '-i', file, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'ppm', '-pix_fmt', 'rgb24', '-'], signal);
  const head = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(ppm.subarray(0, 64).toString('latin1'));
  if (!head || head[3] !== '255') throw new AppError('UNREADABLE', `${file}: unexpected decoder output`);
  const width = Number(head[1]), height = Number(head[2]);
  const start = head[0].length;
  if (ppm.length < start + width * height * 3) throw new AppError('TRUNCATED', `${file}: decoder output is short`);
  const rgb = new Uint8Array(ppm.buffer, ppm.byteOffset + start, width * height * 3).slice();
  return applyOrientation({ width, height, rgb }, orient);
}
