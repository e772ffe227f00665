// Writes RGB frames as PNG files through one ffmpeg encoder process; files appear atomically (temp dir + rename).
// Used by `molmoscope frames --out DIR`.
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { AppError } from '../../api/errors.js';
import type { FfmpegBinaries } from './ffmpeg-resolve.js';
import { spawnTracked, waitExit } from './process.js';

/** Encodes equally sized RGB frames to `dir/<names[i]>` (PNG); returns the full paths in order. */
export async function writePngs(
  bins: FfmpegBinaries,
  dir: string,
  frames: AsyncIterable<{ width: number; height: number; rgb: Uint8Array }>,
  names: string[],
  signal?: AbortSignal,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const tmp = await mkdtemp(join(dir, '.frames-'));
  let enc: ReturnType<typeof spawnTracked> | null = null;
  let stderr = '';
  try {
    let count = 0;
    for await (const f of frames) {
      if (!enc) {
        enc = spawnTracked(
          bins.ffmpeg,
          [
            '-hide_banner',
            '-nostdin',
            '-v',
            'error',
            '-f',
            'rawvideo',
            '-pix_fmt',
            'rgb24',
            '-s',
            `${f.width}x${f.height}`,
            '-i',
            'pipe:0',
            '-start_number',
            '0',
            '-f',
            'image2',
            '-c:v',
            'png',
            join(tmp, 'f-%06d.png'),
          ],
          signal,
          'pipe',
        );
        enc.child.stderr!.on('data', (b: Buffer) => {
          stderr += b.toString('utf8');
        });
        enc.child.stdin!.on('error', () => {}); // reported through the exit code below
      }
      if (!enc.child.stdin!.write(f.rgb)) await once(enc.child.stdin!, 'drain');
      count++;
    }
    if (!enc) return [];
    enc.child.stdin!.end();
    const code = await waitExit(enc.child);
    if (code !== 0)
      throw new AppError('FFMPEG_FAILED', `ffmpeg could not write PNGs: ${stderr.trim().split('\n').pop() ?? ''}`);
    const made = (await readdir(tmp)).filter((n) => n.endsWith('.png')).sort();
    if (made.length !== count) throw new AppError('FFMPEG_FAILED', `ffmpeg wrote ${made.length} of ${count} PNGs`);
    const out: string[] = [];
    for (const [i, name] of made.entries()) {
      const dest = join(dir, names[i] ?? name);
      await rename(join(tmp, name), dest);
      out.push(dest);
    }
    return out;
  } finally {
    enc?.dispose();
    if (enc) await waitExit(enc.child);
    await rm(tmp, { recursive: true, force: true });
  }
}
